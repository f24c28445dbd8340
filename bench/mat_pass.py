#!/usr/bin/env python3
"""MAT export in one pass: hdaq.export_mat of three topics of a session
against an earlier build that reads each topic twice, and against reading
every leaf of those topics with hdaq.signals (what decoding them costs).

Two servers run side by side, each with its own build of hdaq installed:
--base (the two-pass export) and --new.  Each stores the same session
(--session, read by the server itself with hdaq.ingest_file), then,
alternating between the servers at every repetition:

  - export: SELECT length(hdaq.export_mat(id, <topics>, format => F)) for
    F in v7 (the default, as figure 8 of RESULTS.md exports it) and v5
    (no compression: what is left is decoding and filling the columns);
    the file stays in the server, so the time is the export's alone;
  - decode: count(*) of hdaq.signals(<every numeric leaf of the topics,
    each element of a repeated field by its index>), the decode-only line:
    every value the export holds, as (time, metric, value) rows; a topic of
    more than 256 leaves (what one call takes) is read by several calls.

Each export's file is compared between the servers: the SHA-256 of each
variable's bytes but the last, hdaq_info (which holds the file_id each
server's ingest drew), in any order (the topics follow the channels' keys,
also drawn at ingest): the one pass must write the same topic variables,
byte for byte.

    mat_pass.py --base CONNINFO --new CONNINFO --session FILE
                [--reps N] [--out-md FILE] [--results FILE] [--out-json FILE]

CONNINFO is a libpq connection string without dbname.  The last line
printed is "mat_pass: N passed, M failed" (a figure passes when it was
measured; the comparison passes when the files are the same).
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # importing bench.py leaves no __pycache__
sys.path.insert(0, HERE)
from bench import MAT_TOPICS, Psql, log  # noqa: E402

DB = "hdaq_mat_pass"
FORMATS = ["v7", "v5"]
SECTION = "## MAT export in one pass"


def conn(base, dbname):
    return f"{base} dbname={dbname}"


def admin(server, sql):
    env = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conn(server, "postgres"), "-c", sql],
                   check=True, env=env)


def load(server, session):
    """The session stored in a database of its own; its file_id."""
    admin(server, f"DROP DATABASE IF EXISTS {DB}")
    admin(server, f"CREATE DATABASE {DB}")
    p = Psql(conn(server, DB), "hdaq-mat-pass")
    p.query("CREATE EXTENSION hdaq")
    p.query("SET client_min_messages = warning")
    fid = p.value(f"SELECT hdaq.ingest_file('{session}')")
    p.query("VACUUM ANALYZE")
    p.close()
    return fid


# A digest of a MAT 5 file's variables but the last (hdaq_info), whatever
# their order (which follows the channels' keys, drawn by each server's
# ingest): each element is a type and a byte count (little-endian uint32)
# and its data.
TOPICS_DIGEST = """
CREATE FUNCTION pg_temp.topics_digest(m bytea) RETURNS text AS $$
DECLARE
	pos bigint := 128;
	next bigint;
	digests text[] := '{}';
BEGIN
	WHILE pos + 8 <= length(m) LOOP
		next := pos + 8 + get_byte(m, (pos + 4)::int) + 256 * get_byte(m, (pos + 5)::int)
			+ 65536 * get_byte(m, (pos + 6)::int) + 16777216::bigint * get_byte(m, (pos + 7)::int);
		IF next < length(m) THEN
			digests := digests || encode(sha256(substr(m, (pos + 1)::int, (next - pos)::int)), 'hex');
		END IF;
		pos := next;
	END LOOP;
	RETURN encode(sha256(convert_to(array_to_string(ARRAY(SELECT unnest(digests) ORDER BY 1), ','), 'UTF8')), 'hex');
END $$ LANGUAGE plpgsql"""


def leaf_paths(p, fid):
    """Every numeric leaf of the topics as hdaq.signals takes it, arrays by index."""
    paths = []
    for topic in MAT_TOPICS:
        for path, repeated, max_length in p.query(
                f"SELECT path, repeated, coalesce(max_length, 0) FROM hdaq.fields('{topic}', file_id => {fid})"
                " WHERE numeric ORDER BY path"):
            if repeated == "t" and path.count("[0]") == 1 and int(max_length) > 0:
                paths += [f"{topic}/{path.replace('[0]', f'[{i}]')}" for i in range(int(max_length))]
            elif repeated != "t":
                paths.append(f"{topic}/{path}")
    return paths


def median(xs):
    return statistics.median(xs) if xs else None


def measure(servers, ids, reps):
    sessions = {k: Psql(conn(s, DB), "hdaq-mat-pass") for k, s in servers.items()}
    for p in sessions.values():
        p.query(TOPICS_DIGEST)
    topics = "ARRAY[" + ", ".join(f"'{t}'" for t in MAT_TOPICS) + "]"
    out = {"export": {}, "same_file": {}}
    for fmt in FORMATS:
        def q(k, digest=False):
            m = f"hdaq.export_mat({ids[k]}, {topics}, format => '{fmt}')"
            if digest:
                return (f"SELECT pg_temp.topics_digest(m), length(m)"
                        f" FROM (SELECT {m} AS m OFFSET 0) e")
            return f"SELECT length({m})"
        digests = {k: p.query(q(k, True))[0] for k, p in sessions.items()}  # warm, and the files
        out["same_file"][fmt] = len({d[0] for d in digests.values()}) == 1
        out.setdefault("bytes", {})[fmt] = int(digests["new"][1])
        log(f"export {fmt}: files {'the same' if out['same_file'][fmt] else 'DIFFER'} ({digests})")
        times = {k: [] for k in sessions}
        for _ in range(reps):
            for k, p in sessions.items():
                times[k].append(p.query(q(k), timed=True)[1] / 1000)
        out["export"][fmt] = {"s": {k: median(v) for k, v in times.items()}, "raw": times}
        log(f"export {fmt}: " + ", ".join(f"{k} {median(v):.2f} s" for k, v in times.items()))
    paths = leaf_paths(sessions["new"], ids["new"])
    calls = []
    for topic in MAT_TOPICS:
        mine = [x for x in paths if x.startswith(topic + "/")]
        for i in range(0, len(mine), 256):
            arr = "ARRAY[" + ", ".join("'" + x.replace("'", "''") + "'" for x in mine[i:i + 256]) + "]"
            calls.append(f"(SELECT count(*) FROM hdaq.signals({arr}, file_id => {ids['new']}))")
    sig = "SELECT " + " + ".join(calls)
    out["values"] = int(sessions["new"].value(sig))  # warm
    times = []
    for _ in range(reps):
        times.append(sessions["new"].query(sig, timed=True)[1] / 1000)
    out["signals"] = {"s": median(times), "raw": times, "paths": len(paths), "calls": len(calls)}
    log(f"signals of {len(paths)} leaves: {median(times):.2f} s ({out['values']} values)")
    for p in sessions.values():
        p.close()
    return out


def render(r):
    e = r["export"]
    lines = [
        SECTION,
        "",
        f"- **date**: {r['date']}; {r['machine']}",
        f"- **builds**: base = {r['base_label']}, new = {r['new_label']}; two servers side by side, "
        "the same settings and data, the runs alternating between them",
        f"- **data**: `{os.path.basename(r['session'])}` ({r['session_mb']:.0f} MB); topics "
        + ", ".join(f"`{t}`" for t in MAT_TOPICS),
        f"- **method**: median of {r['reps']} runs (one unmeasured first); psql's `\\timing` in one session "
        "per server; `SELECT length(hdaq.export_mat(...))`, the file staying in the server",
        "",
        "| | base (two passes) | new (one pass) | new / base | the same file |",
        "|---|---:|---:|---:|---|",
    ]
    for fmt in FORMATS:
        s = e[fmt]["s"]
        lines.append(f"| `export_mat` {fmt} ({r['bytes'][fmt] / 1e6:.0f} MB) | {s['base']:.2f} s | {s['new']:.2f} s | "
                     f"{s['new'] / s['base']:.2f} | {'yes' if r['same_file'][fmt] else '**no**'} |")
    sg = r["signals"]
    lines += [
        f"| decode only: `hdaq.signals` of every numeric leaf ({sg['paths']} paths in {sg['calls']} calls, "
        f"{r['values'] / 1e6:.1f} M values) "
        f"| | {sg['s']:.2f} s | | |",
        "",
        f"One pass against the decode-only line: v5 {e['v5']['s']['new'] / sg['s']:.2f}x, "
        f"v7 {e['v7']['s']['new'] / sg['s']:.2f}x its time (two passes: v5 {e['v5']['s']['base'] / sg['s']:.2f}x, "
        f"v7 {e['v7']['s']['base'] / sg['s']:.2f}x).  The files are compared by the SHA-256 of each topic's "
        "variable, byte for byte (not `hdaq_info`, which holds the `file_id` each server drew; the topics' order "
        "follows channel keys, also drawn at ingest).",
        "",
        "What the one pass saves is one walk of every message of the topics (the two passes decoded each message "
        "twice); the rest is writing the file (for v7, zlib's deflate, most of the time: see \"Not a target: MAT v7 "
        "export\" above), which is unchanged.  The decode-only line is not a floor: `hdaq.signals` also returns every "
        "value as a row (time, metric, value), which costs more than putting it into a column.  v7.3 still reads each "
        "topic twice (it appends columns in batches, so it learns their shapes first).",
        "",
    ]
    if r.get("note"):
        lines += [r["note"], ""]
    return "\n".join(lines)


def put_section(path, text):
    """Replace the section in a report, or put it before "## Reproduce" (or at the end)."""
    old = open(path).read() if os.path.exists(path) else ""
    start = old.find(SECTION)
    if start >= 0:
        end = old.find("\n## ", start + len(SECTION))
        rest = "" if end < 0 else old[end + 1:]
    else:
        start = old.find("## Reproduce")
        start, rest = (len(old), "") if start < 0 else (start, old[start:])
    head = old[:start].rstrip("\n")
    with open(path, "w") as f:
        f.write((head + "\n\n" if head else "") + text.rstrip("\n") + "\n" + ("\n" + rest if rest else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base")
    ap.add_argument("--new")
    ap.add_argument("--base-label", default="main")
    ap.add_argument("--new-label", default="this branch")
    ap.add_argument("--session")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out-md", help="the section alone (bench/MAT_PASS.md, carried into each full report)")
    ap.add_argument("--results", help="a report to put the section into (bench/RESULTS.md)")
    ap.add_argument("--out-json")
    ap.add_argument("--render-only", metavar="JSON", help="write the section again from a run's raw numbers")
    a = ap.parse_args()
    if a.render_only:
        r = json.load(open(a.render_only))
        text = render(r)
        if a.out_md:
            with open(a.out_md, "w") as f:
                f.write(text.rstrip("\n") + "\n")
        if a.results:
            put_section(a.results, text)
        print(text)
        return 0
    if not a.base or not a.new or not a.session:
        ap.error("--base, --new and --session are required (unless --render-only)")
    servers = {"base": a.base, "new": a.new}
    ids = {k: load(s, os.path.abspath(a.session)) for k, s in servers.items()}
    r = measure(servers, ids, a.reps)
    load_avg = os.getloadavg()[0]
    r.update(date=datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
             machine=f"{os.cpu_count()} cores, Linux {platform.release()}, load average {load_avg:.1f} at the end",
             base_label=a.base_label, new_label=a.new_label, session=a.session,
             session_mb=os.path.getsize(a.session) / 1e6, reps=a.reps)
    text = render(r)
    print(text)
    if a.out_json:
        with open(a.out_json, "w") as f:
            json.dump(r, f, indent=1)
    if a.out_md:
        with open(a.out_md, "w") as f:
            f.write(text.rstrip("\n") + "\n")
    if a.results:
        put_section(a.results, text)
    passed = sum(1 for fmt in FORMATS if r["same_file"][fmt]) + 1
    failed = len(FORMATS) + 1 - passed
    print(f"mat_pass: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
