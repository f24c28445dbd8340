#!/usr/bin/python3
"""Where the bytes of an export_mat file go: the file's size per format
and layout for the same selection, and, per file, how much of it the
Timestamp arrays take (v7: each array zlib-compressed alone, as a MAT
variable's parts are; v7.3: the storage of the distinct datasets).

    sizes.py SESSION.mcap [TOPIC...]      (default VehicleData VnImuData)

Runs where the server runs, in database $HDAQ_MAT_DB (extension created)."""
import base64
import os
import subprocess
import sys
import zlib

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import matread  # noqa: E402
import session  # noqa: E402


def timestamp_share(path, fmt):
    """(bytes of Timestamp arrays, bytes of everything else) as stored."""
    if fmt == "v7.3":
        seen, ts, other = set(), 0, 0
        with h5py.File(path, "r") as f:
            def visit(name, obj):
                nonlocal ts, other
                if isinstance(obj, h5py.Dataset):
                    key = h5py.h5o.get_info(obj.id).addr if hasattr(h5py.h5o, "get_info") else obj.id.get_offset()
                    if key in seen:
                        return
                    seen.add(key)
                    n = obj.id.get_storage_size()
                    if name.endswith("Timestamp"):
                        ts += n
                    else:
                        other += n
            f.visititems(visit)
        return ts, other
    loaded = matread.load(path, fmt)
    ts, other = 0, 0
    for key, value in loaded.items():
        v = np.asarray(value)
        if v.dtype == object:
            continue
        raw = np.ascontiguousarray(v.T).tobytes()
        n = len(zlib.compress(raw, 6)) if fmt == "v7" else len(raw)
        if key.endswith("Timestamp"):
            ts += n
        else:
            other += n
    return ts, other


def main():
    mcap = sys.argv[1]
    topics = sys.argv[2:] or ["VehicleData", "VnImuData"]
    s = session.Session(os.environ.get("HDAQ_MAT_DB", "postgres"))
    fid = session.ingest_file(s, mcap, os.path.basename(mcap))
    arr = "ARRAY[%s]" % ", ".join("'%s'" % t for t in topics)
    work = os.path.dirname(os.path.abspath(mcap))
    for fmt in ("v5", "v7", "v7.3"):
        for layout in ("leaf", "topic"):
            out = s.query("SELECT encode(hdaq.export_mat(%d, %s, format => '%s', layout => '%s'), 'base64')"
                          % (fid, arr, fmt, layout))
            path = os.path.join(work, "sizes_%s_%s.mat" % (fmt.replace(".", ""), layout))
            with open(path, "wb") as f:
                f.write(base64.b64decode(out))
            ts, other = timestamp_share(path, fmt)
            print("%-5s %-5s %8.2f MB   Timestamp arrays %7.2f MB, the rest %7.2f MB" %
                  (fmt, layout, os.path.getsize(path) / 1e6, ts / 1e6, other / 1e6), flush=True)
    s.query("SELECT hdaq.delete_file(%d)" % fid)
    s.close()


if __name__ == "__main__":
    main()
