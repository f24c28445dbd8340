"""Readers of MAT files for hdaq's MAT tests: every file is opened by an
independent reader (SciPy for v5/v7, h5py for v7.3) and flattened to
{path: array}, the path being the field names joined by dots."""
import numpy as np
import scipy.io
import h5py


def _flatten_scipy(value, path, out):
    if isinstance(value, np.ndarray) and value.dtype.names is not None and not value.dtype.names:
        return  # a struct without fields
    if isinstance(value, np.ndarray) and value.dtype.names:
        for name in value.dtype.names:
            _flatten_scipy(value[0, 0][name], path + [name], out)
    elif isinstance(value, np.ndarray) and value.dtype == object and \
            value.size == 1 and value.ravel()[0] is None:
        return  # how SciPy reads a struct without fields
    elif isinstance(value, np.ndarray) and value.dtype == object:
        out[".".join(path)] = np.array(
            ["" if v is None or not v.size else str(v[0]) for v in value.ravel(order="F")],
            dtype=object).reshape(value.shape, order="F")
    else:
        out[".".join(path)] = value


def _h5_char(ds):
    data = np.asarray(ds[()])
    if ds.attrs.get("MATLAB_empty", 0):
        return ""
    return "".join(chr(c) for c in data.ravel(order="F")).encode(
        "utf-16", "surrogatepass").decode("utf-16")


def _flatten_h5(f, obj, path, out):
    cls = obj.attrs.get("MATLAB_class", b"").decode()
    if isinstance(obj, h5py.Group):
        for name in obj.keys():
            _flatten_h5(f, obj[name], path + [name], out)
        return
    key = ".".join(path)
    if cls == "cell":
        refs = obj[()]
        vals = np.empty(refs.shape, dtype=object)
        for idx in np.ndindex(refs.shape):
            vals[idx] = _h5_char(f[refs[idx]])
        out[key] = vals.T
    elif cls == "char":
        out[key] = _h5_char(obj)
    elif cls == "struct":
        return  # a struct without fields
    elif obj.attrs.get("MATLAB_empty", 0):
        out[key] = np.zeros(tuple(int(x) for x in obj[()]), dtype=float)
    else:
        data = obj[()].T
        if cls == "logical":
            data = data.astype(bool)
        out[key] = data


def load(path, fmt):
    """{variable.path: array} of a MAT file; logical as bool or uint8."""
    out = {}
    if fmt == "v7.3":
        with h5py.File(path, "r") as f:
            for name in f.keys():
                if name != "#refs#":
                    _flatten_h5(f, f[name], [name], out)
    else:
        # MATLAB's char data is UTF-16 code units
        m = scipy.io.loadmat(path, squeeze_me=False, uint16_codec="utf-16-le")
        for name, value in m.items():
            if not name.startswith("__"):
                _flatten_scipy(value, [name], out)
    return out
