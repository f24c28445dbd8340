#!/usr/bin/python3
"""hdaq's MAT export, read back by independent readers and compared with
the database.  Runs against a server where the hdaq extension exists (see
run.sh): exports fixtures with hdaq.export_mat and hdaq.query_to_mat in
every format and layout, reads each file with SciPy (v5, v7) or h5py
(v7.3) and with GNU Octave, and compares every value with
hdaq.messages_json / hdaq.signal for the same selection, and the HyTech
log with the team's old MAT files.  Each comparison counts as one test;
the last line is "N passed, M failed"."""
import base64
import json
import math
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import scipy.io

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import matread  # noqa: E402
import gen_topics  # noqa: E402
import scale  # noqa: E402
import session  # noqa: E402

DATA = os.path.join(HERE, "..", "data")
DB = os.environ.get("HDAQ_MAT_DB", "postgres")
FORMATS = ["v5", "v7", "v7.3"]
LAYOUTS = ["leaf", "topic"]
counts = {"passed": 0, "failed": 0}
work = tempfile.mkdtemp(prefix="hdaq_mat_")
os.chmod(work, 0o755)		# the server reads generated files from here


def check(name, ok, detail=""):
    counts["passed" if ok else "failed"] += 1
    print(("ok     " if ok else "FAILED ") + name + ("" if ok or not detail else ": " + detail))


def psql(sql):
    r = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", DB, "-c", sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return r.stdout


def fetch(sql, name):
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(base64.b64decode(psql("SELECT encode((%s), 'base64')" % sql)))
    return path


def quote(s):
    return "'" + s.replace("'", "''") + "'"


KEYWORDS = {"break", "case", "catch", "classdef", "continue", "else", "elseif", "end",
            "for", "function", "global", "if", "otherwise", "parfor", "persistent",
            "return", "spmd", "switch", "try", "while"}


def clean(name):
    """The MATLAB name hdaq makes of a name (without uniqueness)."""
    s = re.sub(r"^[^A-Za-z0-9]+", "", name)
    if s[:1].isdigit():
        s = "x" + s
    s = "".join(c if (c.isascii() and (c.isalnum() or c == "_")) else "_" for c in s)[:63]
    s = s or "x"
    return s + "_" if s in KEYWORDS else s


def octave_dump(path):
    try:
        r = subprocess.run(["octave-cli", "-q", "--eval",
                            "addpath('%s'); dump('%s')" % (HERE, path)],
                           capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return {}
    rows = {}
    for line in r.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 6:
            rows[parts[0]] = parts[1:]
    return rows


# ---- reference values from the database ------------------------------------------

def messages(file_id, topic):
    out = psql("SELECT log_time_ns || E'\\t' || message::text FROM hdaq.messages_json(ARRAY[%s],"
               " file_id => %d)" % (quote(topic), file_id))
    rows = []
    for line in out.splitlines():
        t, msg = line.split("\t", 1)
        rows.append((int(t), json.loads(msg)))
    return rows


def flatten(msg):
    """{path tuple: [values in message order]}, as hdaq's MAT walk does."""
    out = {}

    def walk(v, path):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, path + (clean(k),))
        elif isinstance(v, list):
            for x in v:
                walk(x, path)
        elif v is not None:
            out.setdefault(path, []).append(v)
    walk(msg if isinstance(msg, dict) else {"value": msg}, ())
    return out


def same(a, b):
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-6 * max(abs(a), abs(b))


def compare_topic(loaded, var, rows, origin, layout):
    """Compare every leaf of a topic; returns a list of differences."""
    flat = [flatten(m) for _, m in rows]
    times = [(t - origin) / 1e9 for t, _ in rows]
    paths = []
    for f in flat:
        for p in f:
            if p not in paths:
                paths.append(p)
    problems = []
    if layout == "topic":
        got_t = np.asarray(loaded.get(var + ".Timestamp", [])).ravel()
        if len(got_t) != len(times) or not all(same(a, b) for a, b in zip(got_t, times)):
            problems.append("Timestamp")
    for p in paths:
        leaf = var + "." + ".".join(p)
        held = [i for i, f in enumerate(flat) if p in f]
        k = max(len(flat[i][p]) for i in held)
        key = leaf + ".Data" if layout == "leaf" else leaf
        if key not in loaded:
            problems.append("missing " + key)
            continue
        got = np.asarray(loaded[key])
        enum_key = (leaf + ".Enum.Names") if layout == "leaf" else (leaf + "_Enum.Names")
        names = None
        if enum_key in loaded:
            vals = np.asarray(loaded[enum_key[:-5] + "Values"]).ravel()
            names = dict(zip([int(v) for v in vals], [str(n) for n in np.asarray(loaded[enum_key]).ravel()]))
        row_ids = held if layout == "leaf" else range(len(flat))
        if got.shape != (len(row_ids), k):
            problems.append("%s shape %s, expected %s" % (key, got.shape, (len(row_ids), k)))
            continue
        for r, i in enumerate(row_ids):
            want = flat[i].get(p, [])
            for c in range(k):
                g = got[r, c]
                if c >= len(want):
                    ok = (isinstance(g, str) and g == "") or (not isinstance(g, str) and math.isnan(float(g)))
                else:
                    w = want[c]
                    if isinstance(w, bool):
                        w = float(w) if not isinstance(g, str) else ("true" if w else "false")
                    if names is not None and isinstance(w, str) and not isinstance(g, str):
                        g = names.get(int(g), int(g))
                    ok = same(g, w)
                if not ok:
                    problems.append("%s[%d,%d] = %r, expected %r" % (key, r, c, g, want[c] if c < len(want) else None))
                    break
            if problems and problems[-1].startswith(key + "["):
                break
        if layout == "leaf":
            got_t = np.asarray(loaded.get(leaf + ".Timestamp", [])).ravel()
            if len(got_t) != len(held) or not all(same(got_t[r], times[i]) for r, i in enumerate(held)):
                problems.append(leaf + ".Timestamp")
    return problems


def compare_octave(name, path, loaded, fmt):
    """Octave's view of every numeric array equals the Python reader's."""
    oct_rows = octave_dump(path)
    problems = []
    for key, value in loaded.items():
        v = np.asarray(value)
        if v.dtype == object or v.dtype.kind in "US":
            if fmt == "v7.3":
                continue		# Octave 7 cannot read cells or char of v7.3 files
            if key not in oct_rows:
                problems.append("missing " + key)
            continue
        if key not in oct_rows:
            problems.append("missing " + key)
            continue
        cls, r, c, total, nans = oct_rows[key]
        x = v.astype(float).ravel()
        want_total = float(np.sum(x[np.isfinite(x)])) if x.size else 0.0
        if (int(r), int(c)) != (v.shape if v.ndim == 2 else (1, v.size)) or \
                int(nans) != int(np.sum(np.isnan(x))) or not same(float(total), want_total):
            problems.append("%s: octave %s x %s sum %s, python %s sum %s" % (key, r, c, total, v.shape, want_total))
    check("octave reads %s like %s" % (name, "h5py" if fmt == "v7.3" else "scipy"),
          not problems, "; ".join(problems[:5]))


def ingest(path, name):
    return int(psql("SELECT hdaq.ingest(pg_read_binary_file(%s), %s)" % (quote(path), quote(name))).strip())


# ---- hdaq.export_mat over the generated session ------------------------------------

def test_session():
    fid = ingest(os.path.join(DATA, "generated", "session_15s.mcap"), "mat session")
    topics = psql("SELECT DISTINCT topic FROM hdaq.channel WHERE file_id = %d ORDER BY 1" % fid).split()
    origin = int(psql("SELECT min(log_time_ns) FROM hdaq.messages(file_id => %d)" % fid))
    refs = {t: messages(fid, t) for t in topics}
    for fmt in FORMATS:
        for layout in LAYOUTS:
            name = "session_%s_%s.mat" % (fmt, layout)
            path = fetch("hdaq.export_mat(%d, format => %s, layout => %s)" % (fid, quote(fmt), quote(layout)), name)
            loaded = matread.load(path, fmt)
            info_vars = [str(x) for x in np.asarray(loaded["hdaq_info.topics.variable"]).ravel()]
            info_topics = [str(x) for x in np.asarray(loaded["hdaq_info.topics.topic"]).ravel()]
            for topic in topics:
                var = info_vars[info_topics.index(topic)] if topic in info_topics else clean(topic)
                problems = compare_topic(loaded, var, refs[topic], origin, layout)
                check("%s: topic %s matches messages_json" % (name, topic), not problems,
                      "; ".join(problems[:5]))
            origin_ns = int(np.asarray(loaded["hdaq_info.time_origin_ns"]).ravel()[0])
            check("%s: hdaq_info time origin" % name, origin_ns == origin and
                  same(float(np.asarray(loaded["hdaq_info.time_origin"]).ravel()[0]), origin / 1e9))
            sha = psql("SELECT encode(sha256, 'hex') FROM hdaq.file WHERE file_id = %d" % fid).strip()
            check("%s: hdaq_info file" % name,
                  str(np.asarray(loaded["hdaq_info.sha256"]).ravel()[0]) == sha and
                  int(np.asarray(loaded["hdaq_info.file_id"]).ravel()[0]) == fid and
                  any(k.startswith("hdaq_info.metadata.") for k in loaded))
            compare_octave(name, path, loaded, fmt)
    # hdaq.signal for the same leaves, and a selection of topics and time
    for topic, path in [("VehicleData", "current_rpms.FL"), ("VnImuData", "uncomp_accel_sensor_frd_m_ss.x"),
                        ("ACUAllData", "cell_voltages[3]")]:
        sig = psql("SELECT extract(epoch FROM time)::text || ' ' || value FROM hdaq.signal(%s, %s, file_id => %d)"
                   % (quote(topic), quote(path), fid)).splitlines()
        loaded = matread.load(os.path.join(work, "session_v7_leaf.mat"), "v7")
        m = re.match(r"(.*)\[(\d+)\]$", path)
        key = topic + "." + (m.group(1) if m else path) + ".Data"
        col = int(m.group(2)) if m else 0
        data = np.asarray(loaded.get(key, np.zeros((0, 1))))
        want = [float(s.split()[1]) for s in sig]
        got = [data[r, col] for r in range(data.shape[0]) if col < data.shape[1] and not math.isnan(data[r, col])]
        check("v7 %s.%s matches hdaq.signal" % (topic, path),
              len(want) > 0 and len(got) == len(want) and all(same(a, b) for a, b in zip(got, want)),
              "%d values, signal has %d" % (len(got), len(want)))
    lo, hi = psql("SELECT start_ns + (end_ns - start_ns) / 4, start_ns + (end_ns - start_ns) / 2"
                  " FROM hdaq.file WHERE file_id = %d" % fid).strip().split("|")
    for fmt in FORMATS:
        path = fetch("hdaq.export_mat(%d, ARRAY['VehicleData', 'drivebrain_loop_overrun'],"
                     " hdaq.ns_to_timestamptz(%s), hdaq.ns_to_timestamptz(%s), %s)"
                     % (fid, lo, hi, quote(fmt)), "selection_%s.mat" % fmt)
        loaded = matread.load(path, fmt)
        rows = [r for r in refs["VehicleData"] if int(lo) <= r[0] <= int(hi)]
        sel_origin = min(r[0] for t in ("VehicleData", "drivebrain_loop_overrun")
                         for r in refs[t] if int(lo) <= r[0] <= int(hi))
        problems = compare_topic(loaded, "VehicleData", rows, sel_origin, "leaf")
        others = [k.split(".")[0] for k in loaded if not k.startswith(("VehicleData", "drivebrain_loop_overrun", "hdaq_info"))]
        check("%s: topics and time range select" % fmt, not problems and not others,
              "; ".join(problems[:3] + others[:3]))


# ---- the HyTech log and the team's old MAT files -----------------------------------

def test_hytech():
    base = os.path.join(DATA, "hytech", "data_acq_cloud")
    pairs = [("cloud_webserver_files_03_26_2024_23_10_23_RECOVERED_V2.mcap",
              "cloud_webserver_files_03_26_2024_23_10_23_RECOVERED_V2.mat"),
             ("cloud_webserver_mcap_files_03_05_2024_23_10_23_V2_1.mcap",
              "cloud_webserver_mcap_files_03_05_2024_23_10_23_V2_1.mat"),
             ("cloud_webserver_mcap_files_03_05_2024_23_10_23_V2_1.mcap",
              "cloud_webserver_mcap_files_03_05_2024_23_10_23_V2_2.mat")]
    for mcap, old in pairs:
        fid = ingest(os.path.join(base, mcap), mcap)
        path = fetch("hdaq.export_mat(%d)" % fid, "hytech_%d.mat" % fid)
        ours = matread.load(path, "v7")
        data = scipy.io.loadmat(os.path.join(base, old))["data"][0, 0]
        for topic in data.dtype.names:
            for leaf in data[topic][0, 0].dtype.names:
                tv = data[topic][0, 0][leaf]		# [t value], t from the topic's first message
                d = np.asarray(ours.get("%s.%s.Data" % (topic, leaf), np.zeros((0, 1)))).astype(float)
                t = np.asarray(ours.get("%s.%s.Timestamp" % (topic, leaf), np.zeros((0, 1)))).ravel()
                ok = d.shape == (tv.shape[0], 1) and \
                    np.allclose(d[:, 0], tv[:, 1], rtol=1e-6, atol=0) and \
                    np.allclose(t - t[0], tv[:, 0], rtol=0, atol=2e-6)
                check("%s: %s.%s agrees with %s" % (mcap[:-5], topic, leaf, old), ok,
                      "ours %s, old %s" % (d.shape, tv.shape))


# ---- hdaq.query_to_mat ----------------------------------------------------------------

QUERY = """SELECT g AS id, g * 0.5::float8 AS "half value",
       CASE WHEN g % 3 = 0 THEN NULL ELSE g::numeric / 7 END AS ratio,
       g % 2 = 0 AS even,
       timestamptz '2024-03-26 23:10:23.5+00' + g * interval '1 second' AS t,
       CASE WHEN g % 5 = 0 THEN NULL ELSE 'row ' || g || ' é' END AS label,
       CASE WHEN g % 4 = 0 THEN NULL ELSE (ARRAY[g, g + 1, g + 2])[1:(g % 3) + 1] END AS arr,
       1::smallint AS "1st", date '2024-01-02' AS d
  FROM generate_series(1, 20000) g"""


QUERY_ORIGIN = 1711494624.5		# Unix seconds of the first time value


def expected_query():
    g = np.arange(1, 20001)
    arr = np.full((len(g), 3), np.nan)
    for i, x in enumerate(g):
        if x % 4:
            n = x % 3 + 1
            arr[i, :n] = [x, x + 1, x + 2][:n]
    return {
        "id": g.astype(float), "half_value": g * 0.5,
        "ratio": np.where(g % 3 == 0, np.nan, g / 7),
        "even": (g % 2 == 0).astype(float),
        # times count from the first time value of the result (row 1's t)
        "t": g.astype(float) - 1,
        "label": np.array(["" if x % 5 == 0 else "row %d é" % x for x in g], dtype=object),
        "arr": arr, "x1st": np.ones(len(g)), "d": np.full(len(g), 1704153600.0 - QUERY_ORIGIN),
    }


def test_query():
    want = expected_query()
    for fmt in FORMATS:
        name = "query_%s.mat" % fmt
        path = fetch("hdaq.query_to_mat(%s, %s)" % (quote(QUERY), quote(fmt)), name)
        loaded = matread.load(path, fmt)
        for col, w in want.items():
            got = np.asarray(loaded.get(col, np.zeros((0, 0))))
            if w.ndim == 1:
                w = w.reshape(-1, 1)
            ok = got.shape == w.shape
            if ok and w.dtype == object:
                ok = all(str(a) == str(b) for a, b in zip(got.ravel(), w.ravel()))
            elif ok:
                ok = np.allclose(got.astype(float), w, rtol=1e-12, equal_nan=True)
            check("%s: column %s" % (name, col), ok, "shape %s" % (got.shape,))
        origin = np.asarray(loaded.get("hdaq_info.time_origin", [np.nan])).ravel()[0]
        origin_ns = int(np.asarray(loaded.get("hdaq_info.time_origin_ns", [0])).ravel()[0])
        unit = str(np.asarray(loaded.get("hdaq_info.time_unit", [""])).ravel()[0])
        check("%s: hdaq_info gives the time origin and says times count from it" % name,
              origin == QUERY_ORIGIN and origin_ns == int(QUERY_ORIGIN * 1e9) and
              unit.startswith("seconds since time_origin"), "%r %r %r" % (origin, origin_ns, unit))
        even = np.asarray(loaded.get("even"))
        check("%s: boolean column is logical" % name,
              even.dtype == bool or fmt != "v7.3")
        compare_octave(name, path, loaded, fmt)
    empty = fetch("hdaq.query_to_mat('SELECT 1.5::float8 AS x WHERE false')", "query_empty.mat")
    x = np.asarray(matread.load(empty, "v7").get("x"))
    check("query without rows gives 0 x 1", x.shape == (0, 1), str(x.shape))


# ---- many topics: linear time, bounded memory ----------------------------------------

def test_many_topics():
    """65,535 topics (every channel id MCAP has) export, each its own
    variable with a unique name; 1,000 and 16,000 are measured too.  Times
    and peak memory are printed, not asserted."""
    for n in (1000, 16000, 65535):
        s = session.Session(DB)
        names, path, err, seconds, peak = scale.export_many(s, n, "v7", work)
        print("       export_mat v7 of %d topics: %.1f s, peak backend RssAnon %.1f MB"
              % (n, seconds, peak / 1024.0))
        s.close()
        if n != 65535:
            continue
        check("export_mat of %d topics finishes" % n, not err, err)
        if err:
            return
        loaded = scipy.io.loadmat(path, uint16_codec="utf-16-le")
        info = loaded["hdaq_info"][0, 0]["topics"][0, 0]
        topics = [str(x[0]) for x in info["topic"].ravel()]
        variables = [str(x[0]) for x in info["variable"].ravel()]
        check("%d topics: one row of hdaq_info.topics each" % n,
              sorted(topics) == sorted(names), "%d rows" % len(topics))
        check("%d topics: every variable name unique and present" % n,
              len(set(variables)) == n and all(v in loaded for v in variables))
        dup = [(t, v) for t, v in zip(topics, variables) if t.startswith("/dup")]
        check("%d topics: names that clean alike get _2, _3, ..." % n,
              all(v == clean(t) or re.fullmatch(r"(.*)(_\d+)", v) and
                  clean(t).startswith(re.fullmatch(r"(.*)(_\d+)", v).group(1)) and
                  len(v) <= 63 for t, v in dup) and
              len({v for _, v in dup}) == len(dup), str(dup[:6]))
        ok = True
        for t, v in list(zip(topics, variables))[::4099]:
            cid = names.index(t) + 1
            got = loaded[v][0, 0]["v"][0, 0]["Data"]
            ok = ok and got.shape == (1, 1) and got[0, 0] == cid
        check("%d topics: values" % n, ok)
    # v7.3 keeps something of every topic until the file is finished: the
    # cap counts it, so 65,535 topics either fit or stop with 54000
    s = session.Session(DB)
    _, _, err, seconds, peak = scale.export_many(s, 65535, "v7.3", work)
    s.close()
    print("       export_mat v7.3 of 65535 topics: %.1f s, peak backend RssAnon %.1f MB, %s"
          % (seconds, peak / 1024.0, err.splitlines()[0] if err else "finished"))
    check("export_mat v7.3 of 65535 topics finishes or stops at the cap (54000)",
          not err or ("54000" in err and "hdaq.max_export_memory" in err), err)
    # the cap: what one export may hold
    s = session.Session(DB)
    s.query("SET hdaq.max_export_memory = '1MB'")
    _, _, err, _, _ = scale.export_many(s, 65535, "v7", work)
    s.close()
    check("hdaq.max_export_memory caps an export (54000, naming the setting)",
          "54000" in err and "hdaq.max_export_memory" in err, err)


# ---- leaf layout: identical Timestamps stored once (v7.3) ------------------------------

def test_shared_timestamps():
    """v7.3, leaf layout: leaves held by the same messages link to one
    Timestamp dataset (an HDF5 hard link); every reader still sees each
    leaf's own Timestamp with the right times, in every format."""
    import h5py
    path = os.path.join(work, "optional.mcap")
    msgs = gen_topics.write_optional(path)
    s = session.Session(DB)
    fid = session.ingest_file(s, path, "optional leaves")
    s.close()
    origin = msgs[0][0]
    want = {"a": [i for i in range(len(msgs))], "o.x": [i for i in range(len(msgs)) if i % 2 == 0],
            "o.y": [i for i in range(len(msgs)) if i % 2 == 0], "p.z": [i for i in range(len(msgs)) if i % 3 == 0]}
    for fmt in FORMATS:
        mat = fetch("hdaq.export_mat(%d, format => %s)" % (fid, quote(fmt)), "optional_%s.mat" % fmt)
        loaded = matread.load(mat, fmt)
        problems = []
        for leaf, rows in want.items():
            got = np.asarray(loaded.get("opt.%s.Timestamp" % leaf, [])).ravel()
            exp = [(msgs[i][0] - origin) / 1e9 for i in rows]
            if len(got) != len(exp) or not all(same(a, b) for a, b in zip(got, exp)):
                problems.append(leaf)
        check("%s: each leaf's Timestamp holds the times of its messages" % fmt, not problems, str(problems))
        if fmt != "v7.3":
            continue
        with h5py.File(mat, "r") as f:
            # the address of the dataset each leaf's Timestamp links to
            ids = {leaf: h5py.h5o.get_info(f["opt/%s/Timestamp" % leaf.replace(".", "/")].id).addr
                   for leaf in want}
        check("v7.3: leaves held by the same messages share one Timestamp dataset",
              ids["o.x"] == ids["o.y"] and ids["o.x"] != ids["p.z"] and ids["a"] != ids["o.x"])


# ---- one pass: v5 and v7 fill each topic in one pass, v7.3 in two ----------------------

def comparable(loaded):
    """A loaded file as {path: (kind, shape, values)}, logical as uint8 (SciPy reads it so)."""
    out = {}
    for k, v in loaded.items():
        if k == "hdaq_info.format":
            continue
        a = np.asarray(v)
        if a.dtype == bool:
            a = a.astype(np.uint8)
        if a.dtype.kind in "US":
            out[k] = ("char", (), a.ravel())	# SciPy reads a char row as (1,), h5py as a str
        else:
            out[k] = ("text" if a.dtype == object else a.dtype.str, a.shape, a)
    return out


def same_content(a, b):
    """The paths that differ between two comparable files."""
    diff = sorted(set(a) ^ set(b))
    for k in sorted(set(a) & set(b)):
        (ka, sa, va), (kb, sb, vb) = a[k], b[k]
        if ka != kb or sa != sb:
            diff.append("%s: %s %s / %s %s" % (k, ka, sa, kb, sb))
        elif ka in ("text", "char"):
            if [str(x) for x in va.ravel()] != [str(x) for x in vb.ravel()]:
                diff.append(k)
        elif not np.array_equal(va, vb, equal_nan=va.dtype.kind == "f"):
            diff.append(k)
    return diff


def test_one_pass():
    """Every stored fixture (and topics whose messages change shape as they
    go) exported in each layout: the files of v5 and v7, filled in one pass,
    hold the same variables, fields, classes, shapes and values as v7.3's,
    filled in two (read back by SciPy and h5py)."""
    grow, turn = os.path.join(work, "shapes_grow.mcap"), os.path.join(work, "shapes_turn.mcap")
    gen_topics.write_shapes(grow, turn)
    for path in (grow, turn):
        os.chmod(path, 0o644)
        ingest(path, os.path.basename(path))
    files = psql("SELECT file_id, name FROM hdaq.files WHERE size_bytes < 8000000 ORDER BY name").splitlines()
    check("one pass: fixtures to compare", len(files) >= 3, "%d files" % len(files))
    for line in files:
        fid, name = line.split("|", 1)
        for layout in LAYOUTS:
            loaded = {}
            for fmt in FORMATS:
                mat = fetch("hdaq.export_mat(%s, format => %s, layout => %s)" % (fid, quote(fmt), quote(layout)),
                            "one_pass_%s.mat" % fmt.replace(".", ""))
                loaded[fmt] = comparable(matread.load(mat, fmt))
            for fmt in ("v5", "v7"):
                diff = same_content(loaded[fmt], loaded["v7.3"])
                check("one pass: %s %s %s holds what v7.3 (two passes) holds" % (name, fmt, layout),
                      not diff and len(loaded[fmt]) > 10, "; ".join(diff[:4]))


# ---- leaf blocks: the numeric leaves read from blocks, the same file -------------------

MAT_HEADER_TEXT = 116		# bytes of a MAT 5 file's header text, which holds the time it was written


def export_body(sql, blocks):
    """A MAT 5 export's bytes after the header text (md5), with hdaq.leaf_blocks on or off."""
    r = subprocess.run(["psql", "-X", "-At", "-q", "-v", "ON_ERROR_STOP=1", "-d", DB,
                        "-c", "SET hdaq.leaf_blocks = %s" % ("on" if blocks else "off"),
                        "-c", "SELECT md5(substr(%s, %d))" % (sql, MAT_HEADER_TEXT + 1)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return r.stdout.strip()


def test_leaf_blocks():
    """v5 and v7 read the numeric leaves outside arrays from leaf blocks when
    the file has them: every stored fixture, each layout, a time range, and a
    file some of whose leaves lost their blocks (those decoded, the others
    from blocks) give the same bytes as decoding every message; a corrupt
    block is an error, so the blocks were read."""
    files = psql("SELECT f.file_id, f.name FROM hdaq.files f WHERE size_bytes < 8000000 AND EXISTS"
                 " (SELECT FROM hdaq.leaf_block b WHERE b.file_id = f.file_id) ORDER BY name").splitlines()
    check("leaf blocks: fixtures with blocks", len(files) >= 3, "%d files" % len(files))
    for line in files:
        fid, name = line.split("|", 1)
        for fmt in ("v5", "v7"):
            for layout in LAYOUTS:
                sql = "hdaq.export_mat(%s, format => %s, layout => %s)" % (fid, quote(fmt), quote(layout))
                on, off = export_body(sql, True), export_body(sql, False)
                check("leaf blocks: %s %s %s the same bytes from blocks" % (name, fmt, layout), on == off)
    fid = psql("SELECT file_id FROM hdaq.files WHERE name = 'mat session'").strip()
    lo, hi = psql("SELECT start_ns + (end_ns - start_ns) / 3, start_ns + (end_ns - start_ns) / 2"
                  " FROM hdaq.file WHERE file_id = %s" % fid).strip().split("|")
    sql = ("hdaq.export_mat(%s, ARRAY['VehicleData', 'ACUAllData', 'VnImuData'], hdaq.ns_to_timestamptz(%s),"
           " hdaq.ns_to_timestamptz(%s))" % (fid, lo, hi))
    check("leaf blocks: a time range the same from blocks", export_body(sql, True) == export_body(sql, False))
    # VehicleData keeps some leaves' blocks: the others are decoded, in the same file
    psql("CREATE TABLE hdaq_kept_blocks AS SELECT * FROM hdaq.leaf_block WHERE file_id = %s" % fid)
    try:
        whole = "hdaq.export_mat(%s, ARRAY['VehicleData', 'ACUAllData'])" % fid
        want = export_body(whole, False)
        dropped = psql("DELETE FROM hdaq.leaf_block b USING hdaq.channel c WHERE b.channel_key = c.channel_key"
                       " AND c.file_id = %s AND c.topic IN ('VehicleData', 'ACUAllData') AND b.path <> ''"
                       " AND b.path IN (SELECT DISTINCT path FROM hdaq.leaf_block WHERE file_id = %s"
                       " ORDER BY path LIMIT 40) RETURNING 1" % (fid, fid)).split()
        kept = int(psql("SELECT count(*) FROM hdaq.leaf_block b JOIN hdaq.channel c USING (channel_key)"
                        " WHERE c.file_id = %s AND c.topic = 'VehicleData' AND b.path <> ''" % fid))
        check("leaf blocks: some leaves decoded, some from blocks, the same bytes",
              len(dropped) > 0 and kept > 0 and export_body(whole, True) == want,
              "%d blocks dropped, %d kept" % (len(dropped), kept))
        psql("DELETE FROM hdaq.leaf_block WHERE file_id = %s" % fid)
        check("leaf blocks: a file without blocks, the same bytes", export_body(whole, True) == want)
        psql("INSERT INTO hdaq.leaf_block SELECT * FROM hdaq_kept_blocks")
        psql("UPDATE hdaq.leaf_block b SET data = '\\x00'::bytea FROM hdaq.channel c"
             " WHERE b.channel_key = c.channel_key AND c.file_id = %s AND c.topic = 'VehicleData'"
             " AND b.path = 'current_rpms.FL'" % fid)
        try:
            export_body(whole, True)
            check("leaf blocks: a corrupt block is an error (the blocks are read)", False, "no error")
        except RuntimeError as e:
            check("leaf blocks: a corrupt block is an error (the blocks are read)",
                  "corrupt" in str(e), str(e)[:200])
        check("leaf blocks: hdaq.leaf_blocks = off decodes past the corrupt block",
              export_body(whole, False) == want)
    finally:
        psql("DELETE FROM hdaq.leaf_block WHERE file_id = %s" % fid)
        psql("INSERT INTO hdaq.leaf_block SELECT * FROM hdaq_kept_blocks")
        psql("DROP TABLE hdaq_kept_blocks")


# ---- laps and distance beside the topics ----------------------------------------------

def track_session(laps):
    """A generated track session of some laps (bench/gen), stored, its laps
    detected on the generator's track; its file_id and the truth JSON."""
    path = os.path.join(work, "track_%dlaps.mcap" % laps)
    subprocess.run(["node", os.path.join(HERE, "..", "..", "bench", "gen", "gen-session.mjs"),
                    "--out", path, "--laps", str(laps), "--quiet"], check=True, capture_output=True)
    os.chmod(path, 0o644)
    with open(path[:-len(".mcap")] + ".truth.json") as f:
        truth = json.load(f)
    fid = ingest(path, os.path.basename(path))
    gate = truth["track"]["gate"]
    # a split gate across the car's path 20 s into its first lap
    split = psql("SELECT gate FROM hdaq.track_from_run(%d, 'mat split', at => hdaq.ns_to_timestamptz(%d))"
                 % (fid, int(truth["laps"][0]["start_ns"]) + 20 * 10**9)).strip()
    psql("INSERT INTO hdaq.track (name, gate, splits, length_m) VALUES ('mat fsae', '{%r, %r, %r, %r}',"
         " ARRAY['%s'::float8[]], %r) ON CONFLICT (name) DO NOTHING"
         % (gate[0][0], gate[0][1], gate[1][0], gate[1][1], split, truth["track"]["length_m"]))
    psql("SELECT count(*) FROM hdaq.detect_laps(%d, 'mat fsae')" % fid)
    return fid, truth


def test_laps():
    """export_mat writes the run's stored laps (struct laps, a row per lap)
    and its distance (struct distance) on the file's time base: the same as
    hdaq.lap and hdaq.distance, the laps as the generator drove them, read
    by SciPy, h5py and Octave; none when laps => false or none are stored,
    an error when laps => true asks for laps a run does not have."""
    fid, truth = track_session(3)
    lo, hi = psql("SELECT start_ns + (end_ns - start_ns) / 5, start_ns + (end_ns - start_ns) * 4 / 5"
                  " FROM hdaq.file WHERE file_id = %d" % fid).strip().split("|")
    want = [line.split("|") for line in psql(
        "SELECT lap, start_ns, end_ns, lap_time_s, distance_m, out_lap, in_lap, valid,"
        " coalesce(split_times_s[1], 'NaN')"
        " FROM hdaq.lap WHERE file_id = %d AND track = 'mat fsae' ORDER BY lap" % fid).splitlines()]
    fixes = [line.split("|") for line in psql(
        "SELECT time_ns, distance_m FROM hdaq.distance(%d) ORDER BY time_ns" % fid).splitlines()]
    check("laps: the track session has laps, splits and fixes",
          len(want) == truth["lap_count"] + 2 and len(fixes) > 1000 and
          sum(w[8] != "NaN" for w in want) >= truth["lap_count"],
          "%d laps, %d fixes" % (len(want), len(fixes)))
    for fmt in FORMATS:
        for rng in ("", ", %s, %s" % ("hdaq.ns_to_timestamptz(%s)" % lo, "hdaq.ns_to_timestamptz(%s)" % hi)):
            name = "laps_%s%s.mat" % (fmt.replace(".", ""), "_range" if rng else "")
            path = fetch("hdaq.export_mat(%d, ARRAY['VehicleData', 'LapTime']%s, format => %s)"
                         % (fid, rng or ", NULL, NULL", quote(fmt)), name)
            loaded = matread.load(path, fmt)
            origin = int(np.asarray(loaded["hdaq_info.time_origin_ns"]).ravel()[0])
            col = {k: np.asarray(loaded.get("laps." + k, np.zeros(0))).ravel()
                   for k in ("lap", "start_time", "end_time", "lap_time_s", "distance_m",
                             "out_lap", "in_lap", "valid")}
            problems = []
            if len(col["lap"]) != len(want):
                problems.append("%d laps, hdaq.lap has %d" % (len(col["lap"]), len(want)))
            for i, w in enumerate(want[:len(col["lap"])]):
                splits = np.asarray(loaded.get("laps.split_times_s", np.zeros((0, 0))))
                got = (col["lap"][i], col["start_time"][i], col["end_time"][i], col["lap_time_s"][i],
                       col["distance_m"][i], splits[i, 0] if splits.shape[1:] == (1,) else "missing")
                exp = (float(w[0]), (int(w[1]) - origin) / 1e9, (int(w[2]) - origin) / 1e9, float(w[3]),
                       float(w[4]), float(w[8]))
                if not all(same(a, b) for a, b in zip(got, exp)) or \
                        [bool(col[k][i]) for k in ("out_lap", "in_lap", "valid")] != [x == "t" for x in w[5:8]]:
                    problems.append("lap %s: %s, hdaq.lap %s" % (w[0], got, exp))
            if fmt != "v7.3":
                tracks = [str(x) for x in np.asarray(loaded.get("laps.track", [])).ravel()]
                if tracks != ["mat fsae"] * len(want):
                    problems.append("track %s" % tracks[:2])
            check("%s: laps are hdaq.lap's on the file's time base" % name, not problems, "; ".join(problems[:3]))
            # the generator's laps: whole laps in order, their times within 0.1 ms
            whole = [i for i in range(len(col["lap"])) if col["valid"][i]]
            check("%s: valid laps are the generator's" % name,
                  len(whole) == truth["lap_count"] and all(
                      abs(col["lap_time_s"][i] - t["lap_time_s"]) < 1e-4 and
                      abs(col["start_time"][i] - (int(t["start_ns"]) - origin) / 1e9) < 1e-4
                      for i, t in zip(whole, truth["laps"])),
                  "%d valid laps" % len(whole))
            t = np.asarray(loaded.get("distance.Timestamp", np.zeros(0))).ravel()
            d = np.asarray(loaded.get("distance.distance_m", np.zeros(0))).ravel()
            sel = [f for f in fixes if not rng or int(lo) <= int(f[0]) <= int(hi)]
            check("%s: distance is hdaq.distance at each fix of the range" % name,
                  len(t) == len(sel) == len(d) and len(t) > 0 and
                  all(same(a, (int(f[0]) - origin) / 1e9) and same(b, float(f[1]))
                      for a, b, f in zip(t, d, sel)),
                  "%d fixes, hdaq.distance %d" % (len(t), len(sel)))
            # overlay: the distance covered between a lap's start and end is its distance
            inside = [i for i in whole if t.size and t[0] <= col["start_time"][i] and col["end_time"][i] <= t[-1]]
            gaps = [abs(np.interp(col["end_time"][i], t, d) - np.interp(col["start_time"][i], t, d)
                        - col["distance_m"][i]) for i in inside]
            check("%s: distance between a lap's start and end is its distance (within 1 m)" % name,
                  len(inside) > 0 and max(gaps) < 1.0, "%d laps, gaps %s" % (len(inside), gaps[:3]))
            compare_octave(name, path, loaded, fmt)
    loaded = matread.load(fetch("hdaq.export_mat(%d, ARRAY['LapTime'], laps => false)" % fid, "nolaps.mat"), "v7")
    check("laps => false: no laps, no distance",
          "LapTime.lapcount.Data" in loaded and not any(k.startswith(("laps.", "distance.")) for k in loaded))
    other = int(psql("SELECT file_id FROM hdaq.files WHERE name = 'mat session'"))
    loaded = matread.load(fetch("hdaq.export_mat(%d, ARRAY['VehicleData'])" % other, "nolaps2.mat"), "v7")
    check("a run without stored laps: no laps variable",
          "VehicleData.current_rpms.FL.Data" in loaded and not any(k.startswith(("laps.", "distance.")) for k in loaded))
    try:
        psql("SELECT length(hdaq.export_mat(%d, ARRAY['VehicleData'], laps => true))" % other)
        check("laps => true without stored laps is an error", False, "no error")
    except RuntimeError as e:
        check("laps => true without stored laps is an error", "has no stored laps" in str(e), str(e)[:200])


# ---- cancel: every long function stops within about a second ---------------------------

def big_session(minutes):
    """A generated session of some minutes (bench/gen), stored; its file_id."""
    path = os.path.join(work, "session_%dmin.mcap" % minutes)
    subprocess.run(["node", os.path.join(HERE, "..", "..", "bench", "gen", "gen-session.mjs"),
                    "--out", path, "--minutes", str(minutes)], check=True, capture_output=True)
    s = session.Session(DB)
    fid = session.ingest_file(s, path, "session %d min" % minutes)
    s.close()
    return fid


CANCEL_CASES = [
    ("export_mat v5", "SELECT length(hdaq.export_mat(%d, format => 'v5'))"),
    ("export_mat v7", "SELECT length(hdaq.export_mat(%d, format => 'v7'))"),
    ("export_mat v7.3", "SELECT length(hdaq.export_mat(%d, format => 'v7.3'))"),
    ("export_mat v7 topic layout", "SELECT length(hdaq.export_mat(%d, layout => 'topic'))"),
    ("query_to_mat v7", "SELECT length(hdaq.query_to_mat($q$SELECT * FROM hdaq.signal('VehicleData', "
     "'current_rpms.FL', file_id => %d) CROSS JOIN generate_series(1, 200)$q$))"),
    ("query_to_mat v7.3", "SELECT length(hdaq.query_to_mat($q$SELECT * FROM hdaq.signal('VehicleData', "
     "'current_rpms.FL', file_id => %d) CROSS JOIN generate_series(1, 200)$q$, 'v7.3'))"),
    ("messages_json", "SELECT count(*) FROM hdaq.messages_json(file_id => %d)"),
    # signal is fast: run it 200 times over (LATERAL calls it again each time)
    ("signal", "SELECT count(*) FROM generate_series(1, 200) g, LATERAL hdaq.signal('VehicleData',"
     " 'current_rpms.FL', file_id => %d + 0 * g)"),
    ("export_mcap", "SELECT length(hdaq.export_mcap(%d)::bytea)"),
]


def test_cancel(fid):
    """Each long function, cancelled mid-run, stops with 57014; the time
    from pg_cancel_backend to the end of the statement is printed."""
    for name, sql in CANCEL_CASES:
        # export_mat v7 also later, when it compresses a large topic
        for delay in ((2.0, 5.0, 8.0) if name == "export_mat v7" else (2.0,)):
            while True:
                s = session.Session(DB)
                err, seconds, out = session.cancel_after(s, sql % fid, delay, DB)
                s.close()
                if err or delay < 0.05:
                    break
                delay /= 4		# it finished first: cancel sooner
            print("       %s, cancelled after %.2f s: stopped %.2f s after pg_cancel_backend"
                  % (name, delay, seconds))
            check("cancel %s mid-run: stops with 57014" % name, "57014" in err,
                  (err or "finished before the cancel: " + out)[:200])


# ---- units beside the leaves ----------------------------------------------------

def exports(fid, topics, prefix):
    """(format, layout, file name, loaded) of the topics exported in every
    format and layout."""
    for fmt in FORMATS:
        for layout in LAYOUTS:
            name = "%s_%s_%s.mat" % (prefix, fmt, layout)
            path = fetch("hdaq.export_mat(%d, ARRAY[%s], format => %s, layout => %s)"
                         % (fid, ", ".join(quote(t) for t in topics), quote(fmt), quote(layout)), name)
            yield fmt, layout, name, matread.load(path, fmt)


def test_units():
    """hdaq.unit's units as a char field Units beside Data (leaf layout),
    an array's elements sharing its unit; none where no unit is known,
    none in the topic layout."""
    fid = ingest(os.path.join(DATA, "generated", "session_15s.mcap"), "mat session")
    psql("INSERT INTO hdaq.unit VALUES ('hytech_msgs.VehicleData', 'current_body_vel_ms.x', 'm/s'),"
         " ('hytech_msgs.ACUAllData', 'cell_voltages[0]', 'V'),"
         " ('hytech_msgs.ACUAllData', 'core_data.acu_state', 'state'),"
         " ('hytech_msgs.VehicleData', 'no_such.path', 'K')")
    try:
        for fmt, layout, name, loaded in exports(fid, ["VehicleData", "ACUAllData"], "units"):
            units = {k: str(np.asarray(v).ravel()[0]) if np.asarray(v).size else ""
                     for k, v in loaded.items() if k.endswith(".Units")}
            want = {"VehicleData.current_body_vel_ms.x.Units": "m/s",
                    "ACUAllData.cell_voltages.Units": "V",
                    "ACUAllData.core_data.acu_state.Units": "state"} if layout == "leaf" else {}
            check("%s: Units beside Data where hdaq.unit knows them" % name, units == want,
                  "got %r" % units)
            if layout == "leaf":
                ok = "VehicleData.current_body_vel_ms.x.Data" in loaded and \
                    "ACUAllData.core_data.acu_state.Enum.Names" in loaded
                check("%s: Data and Enum still beside Units" % name, ok)
    finally:
        psql("DELETE FROM hdaq.unit")


# ---- math channels as leaves of their topic ------------------------------------------

def math_values(fid, topic, name):
    """hdaq.signal's values of a math channel, one per message, NULL as NaN."""
    out = psql("SELECT coalesce(value::text, 'NaN') FROM hdaq.signal(%s, %s, file_id => %d)"
               % (quote(topic), quote(name), fid))
    return np.array([float(v) for v in out.split()], dtype=float)


def identical(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind == "f" and b.dtype.kind == "f":
        return np.array_equal(a, b, equal_nan=True)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)


def test_math_channels():
    """hdaq.math_channel's channels of an exported topic as leaves of it
    (v5, v7): its values bit for bit as hdaq.signal gives them, NaN where
    it has none, one per message of the topic, with Units from its unit
    (leaf layout); none in v7.3; the other leaves unchanged."""
    fid = ingest(os.path.join(DATA, "generated", "session_15s.mcap"), "mat math")
    before = {(fmt, layout): loaded for fmt, layout, _, loaded in exports(fid, ["VehicleData"], "math0")}
    psql("SELECT hdaq.define_math_channel('VehicleData', 'speed_kmh', 'current_body_vel_ms.x * 3.6', 'km/h');"
         " SELECT hdaq.define_math_channel('VehicleData', 'slip',"
         " '(current_body_vel_ms.x - VnInsData:vel_body_vehicle_flu_m_s.x) / VnInsData:vel_body_vehicle_flu_m_s.x');"
         " SELECT hdaq.define_math_channel('VehicleData', 'never', '1 / (current_rpms.FL - current_rpms.FL)');"
         " SELECT hdaq.define_math_channel('ACUAllData', 'other_topic', '1 + 0 * core_data.pack_voltage')")
    try:
        want = {name: math_values(fid, "VehicleData", name) for name in ("speed_kmh", "slip", "never")}
        check("math channels: hdaq.signal gives values and NULLs to compare with",
              all(v.size > 0 for v in want.values()) and np.isnan(want["never"]).all() and
              not np.isnan(want["speed_kmh"]).any())
        for fmt, layout, name, loaded in exports(fid, ["VehicleData"], "math"):
            added = {k: v for k, v in loaded.items() if k not in before[fmt, layout]}
            kept = all(k in loaded and identical(v, loaded[k]) for k, v in before[fmt, layout].items())
            check("%s: the topic's other leaves unchanged" % name, kept)
            if fmt == "v7.3":
                check("%s: no math channel written" % name, added == {}, "got %r" % sorted(added))
                continue
            ts = "VehicleData.Timestamp" if layout == "topic" else "VehicleData.current_body_vel_ms.x.Timestamp"
            for ch, values in want.items():
                key = "VehicleData.%s%s" % (ch, ".Data" if layout == "leaf" else "")
                got = np.asarray(loaded.get(key, np.zeros((0, 1))), dtype=float)
                ok = got.shape == (values.size, 1) and \
                    np.array_equal(got[:, 0].view(np.int64)[~np.isnan(values)],
                                   values.view(np.int64)[~np.isnan(values)]) and \
                    np.array_equal(np.isnan(got[:, 0]), np.isnan(values))
                check("%s: %s bit for bit as hdaq.signal, NULL as NaN" % (name, ch), ok,
                      "shape %s, want %d" % (got.shape, values.size))
                if layout == "leaf":
                    t = np.asarray(loaded.get(key[:-5] + ".Timestamp", []))
                    check("%s: %s's Timestamp is the topic's" % (name, ch),
                          np.array_equal(t, np.asarray(loaded[ts])))
            units = {k: str(np.asarray(v).ravel()[0]) for k, v in added.items() if k.endswith(".Units")}
            check("%s: Units of the math channel with one" % name,
                  units == ({"VehicleData.speed_kmh.Units": "km/h"} if layout == "leaf" else {}),
                  "got %r" % units)
            check("%s: no other topic's math channel" % name,
                  not any("other_topic" in k for k in loaded))
    finally:
        psql("DELETE FROM hdaq.math_channel")


def main():
    only = os.environ.get("HDAQ_MAT_ONLY", "")	# e.g. "test_query,test_cancel" while working
    for test in (test_many_topics, test_shared_timestamps, test_session, test_hytech, test_query,
                 test_one_pass, test_units, test_math_channels, test_leaf_blocks, test_laps):
        if only and test.__name__ not in only:
            continue
        try:
            test()
        except Exception as e:  # a failed step counts as a failure, not a crash
            check(test.__name__, False, repr(e))
    try:
        if not only or "test_cancel" in only:
            test_cancel(big_session(10))
    except Exception as e:
        check("test_cancel", False, repr(e))
    print("%d passed, %d failed" % (counts["passed"], counts["failed"]))
    return 0 if counts["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
