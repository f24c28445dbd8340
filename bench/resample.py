#!/usr/bin/env python3
"""Signals on a common axis against reading them: over a generated track
session (bench/gen/gen-session.mjs --laps N), the time of hdaq.resample of
three leaves (speed, a wheel's RPM, the lap counter: two topics) on a
10 ms grid over the whole run, and of hdaq.resample_array, against
hdaq.signals of the same leaves (every sample, long rows); on one lap's
distance axis, hdaq.resample of the speed every metre and
hdaq.lap_overlay of two laps against hdaq.lap_signal of the speed (every
sample of the lap with its distance), and hdaq.laps alone (what finding
the lap costs).

The resampled values are checked: as many points as the grid has, the
lap counter never between two counts.

    resample.py --file TRACK.mcap [--truth TRACK.truth.json] [--reps N]
                [--out-md FILE] [--out-json FILE]

The server is libpq's environment (PGHOST, PGPORT...); it reads the file
itself (hdaq.ingest_file).  Runs alternate between the variants at every
repetition, after one unmeasured round; medians.  The last line printed
is "resample: N passed, M failed".
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # importing bench.py leaves no __pycache__
sys.path.insert(0, HERE)
from laps import admin, time_variants, track_session  # noqa: E402

DB = "hdaq_resample"
PATHS = "ARRAY['VehicleData/current_body_vel_ms.x', 'MCUOutputData/rpm_data.FL', 'LapTime/lapcount']"
COLUMNS = "AS r(t float8, speed float8, rpm float8, laps float8)"
SPEED = "ARRAY['VehicleData/current_body_vel_ms.x']"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", required=True)
    ap.add_argument("--truth")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out-md")
    ap.add_argument("--out-json")
    args = ap.parse_args()
    p, fid, truth = track_session(DB, "hdaq-bench-resample", args.file, args.truth)
    length = truth["track"]["length_m"]
    span_s = float(p.value(f"SELECT (end_ns - start_ns) / 1e9 FROM hdaq.file WHERE file_id = {fid}"))

    run = {
        "hdaq.signals of the 3 leaves (every sample)":
            f"SELECT count(*) FROM hdaq.signals({PATHS}, file_id => {fid})",
        "hdaq.resample of the 3 leaves, 10 ms grid":
            f"SELECT count(*) FROM hdaq.resample({PATHS}, 0.01, {fid}) {COLUMNS}",
        "hdaq.resample_array of the 3 leaves, 10 ms grid":
            f"SELECT count(*) FROM hdaq.resample_array({PATHS}, 0.01, {fid})",
    }
    lap = {
        "hdaq.laps (finding the lap)": f"SELECT count(*) FROM hdaq.laps({fid}, 'bench')",
        "hdaq.lap_signal of the speed, lap 2": f"SELECT count(*) FROM hdaq.lap_signal({fid}, 'bench', 2, 'VehicleData', 'current_body_vel_ms.x')",
        "hdaq.resample of the speed, lap 2, every metre":
            f"SELECT count(*) FROM hdaq.resample({SPEED}, 1, {fid}, axis => 'distance', lap => 2, track => 'bench') AS r(d float8, v float8)",
        "hdaq.lap_overlay of the speed, laps 2 and 3, every metre":
            f"SELECT count(*) FROM hdaq.lap_overlay('bench', {SPEED}, ARRAY[{fid}], ARRAY[2, 3], 1)",
    }
    variants = dict(run, **lap)
    times, med = time_variants(p, variants, args.reps)
    base = med["hdaq.signals of the 3 leaves (every sample)"]
    lap_base = med["hdaq.lap_signal of the speed, lap 2"]

    checks = []
    points = int(p.value(f"SELECT count(*) FROM hdaq.resample({PATHS}, 0.01, {fid}) {COLUMNS}"))
    want = int(span_s / 0.01) + 1
    checks.append((abs(points - want) <= 1, f"10 ms grid: {points} points over {span_s:.2f} s"))
    between = int(p.value(f"SELECT count(*) FROM hdaq.resample({PATHS}, 0.01, {fid}) {COLUMNS} WHERE laps <> round(laps)"))
    checks.append((between == 0, f"lap counter between two counts at {between} points"))
    ratio = med["hdaq.resample of the 3 leaves, 10 ms grid"] / base
    p.close()
    admin(f"DROP DATABASE {DB}")

    size_mb = os.path.getsize(args.file) / 1e6
    load = os.getloadavg()[0]
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    md = [
        "## Signals on one axis",
        "",
        f"- **date**: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores, "
        f"Linux {platform.release()}, load average {load:.1f} at the end",
        f"- **hdaq** at commit {commit}",
        f"- **data**: a track session of {truth['lap_count']} laps of the `{truth['track']['name']}` circuit "
        f"({length:.1f} m), {span_s / 60:.1f} minutes, {size_mb:.0f} MB, from "
        f"`bench/gen/gen-session.mjs --laps {truth['lap_count']}`, with leaf blocks",
        f"- **method**: median of {args.reps} runs, the variants alternating in each run, one unmeasured run first; "
        "psql's `\\timing` of `SELECT count(*) FROM ...` in one session",
        "",
        "| query (whole run) | time | / hdaq.signals |",
        "|---|---:|---:|",
    ]
    for name in run:
        md.append(f"| `{name}` | {med[name]:.1f} ms | {med[name] / base:.2f} |")
    md += ["", "| query (one lap) | time | / hdaq.lap_signal |", "|---|---:|---:|"]
    for name in lap:
        md.append(f"| `{name}` | {med[name]:.1f} ms | {med[name] / lap_base:.2f} |")
    md += [
        "",
        f"Resampling three leaves of two topics over the whole run on a 10 ms grid takes {ratio:.2f}x the time of "
        "reading every sample of them with `hdaq.signals`.",
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
    print(f"resample: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
