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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--session", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--port", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("installs", nargs="+")
    args = ap.parse_args()
    args.session = os.path.abspath(args.session)
    os.environ.update(PGHOST="/tmp", PGPORT=args.port)
    os.environ.setdefault("PGUSER", pwd.getpwuid(os.stat(args.data).st_uid).pw_name)
    times = {b: {"blocks": [], "no_blocks": [], "lo_import": []} for b in args.installs}
    for r in range(args.rounds):
        for b in args.installs:
            pg_ctl(args, b, "-o", f"-p {args.port} -k /tmp -c listen_addresses=", "-l",
                   os.path.join(args.data, "ingest_ab.log"), "start")
            try:
                bench = columnar.Bench(argparse.Namespace(session=args.session, ingest_reps=1))
                bench.ingest()
                for k, v in bench.figures["ingest_ms"].items():
                    times[b][k].append(v)
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


if __name__ == "__main__":
    main()
