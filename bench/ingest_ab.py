#!/usr/bin/env python3
"""Ingest of one session, with leaf blocks and without, against lo_import,
for several installs of hdaq (say main and a branch) taking turns on one
server data directory, in one run: the figure 1 of bench/columnar.py
(its Bench.ingest) for a before/after comparison.

    ingest_ab.py --session FILE --data PGDATA --port PORT --rounds N INSTALL...

Each INSTALL is a DESTDIR holding the PostgreSQL binaries and hdaq
(`make install DESTDIR=...` over a copy of /usr/lib/postgresql/15 and
/usr/share/postgresql/15).  In each round every install in turn starts the
server (run as the data directory's owner), ingests the session once per
variant, reports a digest of every stored leaf block (summary columns and
bytes; equal digests: the same blocks), and stops it.  Medians per install.
With --build-reps N it also times hdaq.build_leaf_blocks of the stored
session N times and reports what hdaq keeps for it (bench/columnar.py's
storage figures); with --logs DIR, the same for every log under DIR.
"""

import argparse
import os
import pwd
import statistics
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import columnar  # noqa: E402

DIGEST = ("SELECT md5(string_agg(concat_ws('|', path, start_ns, ord, end_ns, value_count, "
          "min_value, min_ns, max_value, max_ns, first_value, last_value, sum_value, md5(data)), "
          "',' ORDER BY path, start_ns, ord)), count(*), sum(length(data)) FROM hdaq.leaf_block")


def pg_ctl(args, install, *rest):
    owner = pwd.getpwuid(os.stat(args.data).st_uid).pw_name
    cmd = [f"{install}/usr/lib/postgresql/15/bin/pg_ctl", "-D", args.data, "-w", *rest]
    if os.getuid() == 0 and owner != "root":
        cmd = ["su", owner, "-c", " ".join(f"'{c}'" for c in cmd)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def build_and_storage(args, bench, times):
    """hdaq.build_leaf_blocks of the stored session, timed; what is kept, for it and the logs."""
    if args.build_reps == 0:
        return
    for _ in range(args.build_reps):
        rows, ms = bench.sql.query(f"SELECT hdaq.build_leaf_blocks({bench.file_id})", timed=True)
        times["build"].append(ms)
        print(f"  build_leaf_blocks of the session: {ms / 1000:.2f} s, {rows[0][0]} blocks of values", flush=True)
    bench.sql.query("VACUUM FULL")
    bench.storage()
    st = bench.figures["storage"]
    print(f"  session: MCAP {st['mcap_bytes']} bytes, hdaq {st['hdaq_bytes']} ({st['hdaq_bytes'] / st['mcap_bytes']:.3f}x), "
          f"hdaq.leaf_block {st['leaf_block_bytes']}", flush=True)
    if args.logs:
        bench.logs_storage()
        lg = bench.figures["logs_storage"]
        times["logs_build"].append(lg["build_ms"])
        print(f"  logs: {lg['files']} files, MCAP {lg['mcap_bytes']} bytes, hdaq {lg['hdaq_bytes']} "
              f"({lg['hdaq_bytes'] / lg['mcap_bytes']:.3f}x), hdaq.leaf_block {lg['leaf_block_bytes']}, "
              f"built in {lg['build_ms']:.0f} ms", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--session", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--port", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--build-reps", type=int, default=0)
    ap.add_argument("--logs")
    ap.add_argument("installs", nargs="+")
    args = ap.parse_args()
    args.session = os.path.abspath(args.session)
    os.environ.update(PGHOST="/tmp", PGPORT=args.port)
    os.environ.setdefault("PGUSER", pwd.getpwuid(os.stat(args.data).st_uid).pw_name)
    times = {b: {"blocks": [], "no_blocks": [], "lo_import": [], "build": [], "logs_build": []}
             for b in args.installs}
    for r in range(args.rounds):
        for b in args.installs:
            pg_ctl(args, b, "-o", f"-p {args.port} -k /tmp -c listen_addresses=", "-l",
                   os.path.join(args.data, "ingest_ab.log"), "start")
            try:
                bench = columnar.Bench(argparse.Namespace(session=args.session, ingest_reps=1,
                                                          logs=args.logs))
                bench.ingest()
                for k, v in bench.figures["ingest_ms"].items():
                    times[b][k].append(v)
                build_and_storage(args, bench, times[b])
                digest = bench.sql.query(DIGEST)[0]
                print(f"round {r + 1} {b}: " + ", ".join(f"{k} {v / 1000:.2f} s" for k, v in
                                                         bench.figures["ingest_ms"].items())
                      + f"; blocks {digest[1]} of {digest[2]} bytes, digest {digest[0]}", flush=True)
            finally:
                pg_ctl(args, b, "stop", "-m", "fast")
    for b in args.installs:
        med = {k: statistics.median(v) for k, v in times[b].items()}
        print(f"{b}: median blocks {med['blocks'] / 1000:.2f} s, no blocks {med['no_blocks'] / 1000:.2f} s, "
              f"lo_import {med['lo_import'] / 1000:.2f} s: {med['blocks'] / med['lo_import']:.2f}x and "
              f"{med['no_blocks'] / med['lo_import']:.2f}x lo_import; ratios per round "
              + ", ".join(f"{x / y:.2f}" for x, y in zip(times[b]["blocks"], times[b]["lo_import"])))
        for k in ("build", "logs_build"):
            if times[b][k]:
                print(f"{b}: median {k} {statistics.median(times[b][k]) / 1000:.2f} s "
                      f"({', '.join(f'{v / 1000:.2f}' for v in times[b][k])})")


if __name__ == "__main__":
    main()
