#!/usr/bin/env python3
"""Break an ingest down into its parts, to see what limits figure 1.

    pg_virtualenv -t -v 15 python3 bench/profile-ingest.py FILE [--perf OUT.data]

In a throwaway server (PG* variables set): times the client's sha256 of the
file (`hdaq sha256`), the upload of the file into a large object
(`\\lo_import`), then, server side only, reading the large object back,
hashing it, and `hdaq.ingest_lo()` at zstd levels 3 and 1 and with larger
segments.  With --perf, records a profile (perf record -g) of the backend
during the default ingest_lo.  Prints one line per part.
"""

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--perf")
    args = ap.parse_args()
    path = os.path.abspath(args.file)
    mb = os.path.getsize(path) / 1e6

    bench.psql_cmd(f"DROP DATABASE IF EXISTS {bench.DB}", "postgres")
    bench.psql_cmd(f"CREATE DATABASE {bench.DB}", "postgres")
    bench.psql_cmd("ALTER SYSTEM SET max_wal_size = '8GB'", "postgres")
    bench.psql_cmd("SELECT pg_reload_conf()", "postgres")
    sql = bench.Psql()

    def line(what, seconds):
        print(f"{what:<58} {seconds:7.2f} s  {mb / seconds:7.0f} MB/s of file", flush=True)

    line("client: hdaq sha256 FILE", bench.run_timed([bench.HDAQ, "sha256", path])[0])
    sql.query("CHECKPOINT")
    _, ms = sql.query(f"SELECT lo_import('{path}')", timed=True)
    oid = sql.value("SELECT max(oid) FROM pg_largeobject_metadata")
    line("server: lo_import (server-side file into a large object)", ms / 1e3)
    _, ms = sql.query(f"SELECT length(lo_get({oid}))", timed=True)
    line("server: lo_get (read the large object back whole)", ms / 1e3)
    _, ms = sql.query(f"SELECT sha256(lo_get({oid}))", timed=True)
    line("server: sha256(lo_get) (read + hash)", ms / 1e3)

    variants = [
        ("default (zstd 3, 256 kB segments)", "RESET hdaq.compression_level; RESET hdaq.segment_size"),
        ("zstd level 1", "SET hdaq.compression_level = 1; RESET hdaq.segment_size"),
        ("zstd level -1", "SET hdaq.compression_level = -1; RESET hdaq.segment_size"),
        ("1 MB segments", "RESET hdaq.compression_level; SET hdaq.segment_size = '1MB'"),
    ]
    for i, (name, setting) in enumerate(variants):
        sql.query("SET hdaq.allow_drop = on")
        sql.query("DROP EXTENSION IF EXISTS hdaq CASCADE")
        sql.query("CREATE EXTENSION hdaq")
        for s in setting.split(";"):
            sql.query(s)
        sql.query("CHECKPOINT")
        perf = None
        if args.perf and i == 0:
            perf = subprocess.Popen(["perf", "record", "-F", "499", "-g", "-p", str(sql.pid), "-o", args.perf],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        _, ms = sql.query(f"SELECT hdaq.ingest_lo({oid})", timed=True)
        if perf:
            perf.send_signal(2)
            perf.wait()
        size = sql.value("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                         "WHERE n.nspname = 'hdaq' AND c.relkind = 'r'")
        line(f"server: hdaq.ingest_lo, {name}", ms / 1e3)
        print(f"    storage {int(size) / 1e6:.0f} MB", flush=True)
        sql.query("RESET ALL")
    sql.close()


if __name__ == "__main__":
    main()
