#!/usr/bin/env python3
"""Lap detection against reading the GPS it reads: over a generated track
session (bench/gen/gen-session.mjs --laps N; 80 laps make an hour), the
time of hdaq.laps(file_id, track) and hdaq.distance(file_id) against
hdaq.signal of the two GPS leaves they read (VnInsData lat_deg and
lon_deg), and of hdaq.signals of both in one scan.  The issue's target:
lap detection within 2x the time of hdaq.signal of the GPS channels.

The laps found are checked against the truth the generator wrote beside
the file: the whole laps' count, the worst lap-time and lap-start error,
the worst lap distance against the track's length.

    laps.py --file TRACK.mcap [--truth TRACK.truth.json] [--reps N]
            [--out-md FILE] [--out-json FILE]

The server is libpq's environment (PGHOST, PGPORT...); it reads the file
itself (hdaq.ingest_file), so the file must be readable by its user.  Runs
alternate between the variants at every repetition, after one unmeasured
round; medians.  The last line printed is "laps: N passed, M failed".
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
from bench import Psql, log  # noqa: E402

DB = "hdaq_laps"


def admin(sql):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", sql],
                   check=True, stdout=subprocess.DEVNULL)


def track_session(db, app, file, truth_file=None):
    """A fresh database db holding the session file and its track, named
    'bench' (from the truth beside the file): (psql, file_id, truth)."""
    truth_file = truth_file or (file[:-5] if file.endswith(".mcap") else file) + ".truth.json"
    with open(truth_file) as f:
        truth = json.load(f)
    admin(f"DROP DATABASE IF EXISTS {db}")
    admin(f"CREATE DATABASE {db}")
    p = Psql(db, app)
    p.query("CREATE EXTENSION hdaq")
    log(f"ingesting {file}")
    fid = p.value(f"SELECT hdaq.ingest_file('{os.path.abspath(file)}')")
    (a, b) = truth["track"]["gate"]
    p.query(f"INSERT INTO hdaq.track (name, gate, length_m) VALUES ('bench', "
            f"ARRAY[{a[0]!r}, {a[1]!r}, {b[0]!r}, {b[1]!r}], {truth['track']['length_m']!r})")
    return p, fid, truth


def time_variants(p, variants, reps):
    """Each query of variants (name: sql) timed reps times, alternating,
    after an unmeasured round: (times, medians) by name, in ms."""
    for sql in variants.values():
        p.query(sql)
    times = {name: [] for name in variants}
    for r in range(reps):
        for name, sql in variants.items():
            _, ms = p.query(sql, timed=True)
            times[name].append(ms)
        log(f"round {r + 1} of {reps}")
    return times, {name: statistics.median(ts) for name, ts in times.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", required=True)
    ap.add_argument("--truth")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--out-md")
    ap.add_argument("--out-json")
    args = ap.parse_args()
    p, fid, truth = track_session(DB, "hdaq-bench-laps", args.file, args.truth)
    length = truth["track"]["length_m"]
    fixes = int(p.value(f"SELECT count(*) FROM hdaq.signal('VnInsData', 'lat_deg', file_id => {fid})"))

    variants = {
        "hdaq.signal('VnInsData', 'lat_deg')": f"SELECT count(*) FROM hdaq.signal('VnInsData', 'lat_deg', file_id => {fid})",
        "hdaq.signal('VnInsData', 'lon_deg')": f"SELECT count(*) FROM hdaq.signal('VnInsData', 'lon_deg', file_id => {fid})",
        "hdaq.signals of both leaves (one scan)": f"SELECT count(*) FROM hdaq.signals(ARRAY['VnInsData/lat_deg', 'VnInsData/lon_deg'], file_id => {fid})",
        "hdaq.laps(file_id, track)": f"SELECT count(*) FROM hdaq.laps({fid}, 'bench')",
        "hdaq.distance(file_id)": f"SELECT count(*) FROM hdaq.distance({fid})",
    }
    times, med = time_variants(p, variants, args.reps)
    both = med["hdaq.signal('VnInsData', 'lat_deg')"] + med["hdaq.signal('VnInsData', 'lon_deg')"]

    rows = p.query(f"SELECT lap, start_ns, lap_time_s, distance_m FROM hdaq.laps({fid}, 'bench') "
                   "WHERE NOT out_lap AND NOT in_lap ORDER BY lap")
    checks = []
    checks.append((len(rows) == truth["lap_count"], f"whole laps: {len(rows)}, truth {truth['lap_count']}"))
    worst_time = max(abs(float(r[2]) - t["lap_time_s"]) * 1e3 for r, t in zip(rows, truth["laps"]))
    worst_start = max(abs(int(r[1]) - int(t["start_ns"])) / 1e6 for r, t in zip(rows, truth["laps"]))
    worst_dist = max(abs(float(r[3]) - length) / length * 100 for r in rows)
    checks.append((worst_time < 5, f"worst lap time error {worst_time:.4f} ms (target < 5 ms)"))
    checks.append((worst_start < 5, f"worst lap start error {worst_start:.4f} ms"))
    checks.append((worst_dist < 0.5, f"worst lap distance error {worst_dist:.4f} % of {length:.1f} m (target < 0.5 %)"))
    ratio = med["hdaq.laps(file_id, track)"] / both
    checks.append((ratio <= 2, f"hdaq.laps / (hdaq.signal of lat + of lon) = {ratio:.2f} (target <= 2)"))
    p.close()
    admin(f"DROP DATABASE {DB}")

    size_mb = os.path.getsize(args.file) / 1e6
    load = os.getloadavg()[0]
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    md = [
        "## Laps",
        "",
        f"- **date**: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores, "
        f"Linux {platform.release()}, load average {load:.1f} at the end",
        f"- **hdaq** at commit {commit}",
        f"- **data**: a track session of {truth['lap_count']} laps of the `{truth['track']['name']}` circuit "
        f"({length:.1f} m), {truth['session_s'] / 60:.1f} minutes, {size_mb:.0f} MB, from "
        f"`bench/gen/gen-session.mjs --laps {truth['lap_count']}`; {fixes:,} GPS fixes (`VnInsData`, 50 Hz)",
        f"- **method**: median of {args.reps} runs, the variants alternating in each run, one unmeasured run first; "
        "psql's `\\timing` of `SELECT count(*) FROM ...` in one session",
        "",
        "| query | time | / hdaq.signal of lat + lon |",
        "|---|---:|---:|",
    ]
    for name in variants:
        md.append(f"| `{name}` | {med[name]:.1f} ms | {med[name] / both:.2f} |")
    md += [
        "",
        f"Lap detection reads both leaves in one scan of the GPS topic and returns a row per lap, so it takes "
        f"{ratio:.2f}x the time of `hdaq.signal` of the two GPS leaves (target: within 2x).",
        "",
        "Checks: " + "; ".join(("ok: " if ok else "FAILED: ") + what for ok, what in checks) + ".",
        "",
    ]
    text = "\n".join(md)
    print(text)
    if args.out_md:
        with open(args.out_md, "w") as f:
            f.write(text)
    if args.out_json:
        with open(args.out_json, "w") as f:
            json.dump({"medians_ms": med, "times_ms": times, "ratio": ratio, "checks": [[ok, w] for ok, w in checks]}, f, indent=1)
    failed = sum(1 for ok, _ in checks if not ok)
    print(f"laps: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
