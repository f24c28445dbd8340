#!/usr/bin/env python3
"""MAT export from leaf blocks: hdaq.export_mat of one topic at a time with
hdaq.leaf_blocks on (the numeric leaves outside arrays read from the leaf
blocks, the other leaves from the messages) against off (every message
decoded, as before), in one server and one backend, alternating at every
repetition; and the files compared, byte for byte after the header's dated
text.  Two figures per export: the wall time of the statement (the file
stays in the server) and the CPU time of the backend (utime + stime from
/proc, so the server must run on this machine): on a shared machine the
wall time also holds waits for the disk and the other users' load.

    mat_blocks.py --conn CONNINFO --file-id N [--topics A,B] [--formats v7,v5]
                  [--reps N] [--out-json FILE]

CONNINFO is a libpq connection string (with dbname) of a server where the
file is stored with its blocks.  Prints a Markdown table of the medians;
the last line is "mat_blocks: N passed, M failed" (a comparison passes when
the files are the same).
"""

import argparse
import json
import os
import statistics
import subprocess
import time

HEADER_TEXT = 116		# a MAT 5 file's header text holds the time it was written


class Backend:
    """One psql session: statements one at a time, the backend's CPU time."""

    def __init__(self, conn):
        self.p = subprocess.Popen(["psql", "-X", "-At", "-q", "-v", "ON_ERROR_STOP=1", "-d", conn],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.pid = int(self.query("SELECT pg_backend_pid()")[0])

    def query(self, sql):
        self.p.stdin.write(sql.rstrip(";") + ";\n\\echo __done__\n")
        self.p.stdin.flush()
        out = []
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("psql ended during: " + sql)
            if line.rstrip("\n") == "__done__":
                return out
            out.append(line.rstrip("\n"))

    def cpu(self):
        fields = open("/proc/%d/stat" % self.pid).read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def timed(self, sql):
        """(wall seconds, backend CPU seconds) of a statement."""
        c0, t0 = self.cpu(), time.monotonic()
        self.query(sql)
        return time.monotonic() - t0, self.cpu() - c0


def export_sql(fid, topic, fmt):
    return "hdaq.export_mat(%d, ARRAY['%s'], format => '%s')" % (fid, topic, fmt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conn", required=True)
    ap.add_argument("--file-id", type=int, required=True)
    ap.add_argument("--topics", default="VehicleData,MCUOutputData,ACUAllData")
    ap.add_argument("--formats", default="v7,v5")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out-json", default="")
    a = ap.parse_args()
    topics, formats = a.topics.split(","), a.formats.split(",")
    passed = failed = 0
    rows = []
    db = Backend(a.conn)
    for topic in topics:
        for fmt in formats:
            sql = export_sql(a.file_id, topic, fmt)
            wall = {"on": [], "off": []}
            cpu = {"on": [], "off": []}
            digests = {}
            for rep in range(a.reps + 1):		# the first, unmeasured, warms the caches
                for mode in (("on", "off") if rep % 2 == 0 else ("off", "on")):
                    db.query("SET hdaq.leaf_blocks = %s" % mode)
                    w, c = db.timed("SELECT length(%s)" % sql)
                    if rep > 0:
                        wall[mode].append(w)
                        cpu[mode].append(c)
            for mode in ("on", "off"):
                db.query("SET hdaq.leaf_blocks = %s" % mode)
                digests[mode] = db.query("SELECT md5(substr(%s, %d))" % (sql, HEADER_TEXT + 1))[-1]
            same = digests["on"] == digests["off"]
            passed, failed = passed + same, failed + (not same)
            med = {k: {m: statistics.median(v[m]) for m in v} for k, v in (("wall", wall), ("cpu", cpu))}
            rows.append({"topic": topic, "format": fmt, "median": med, "wall": wall, "cpu": cpu, "same": same})
    print("| topic | format | wall: decoding (off) | wall: blocks (on) | on / off "
          "| backend CPU: off | backend CPU: on | on / off | the same file |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        m = r["median"]
        print("| `%s` | %s | %.2f s | %.2f s | %.2f | %.2f s | %.2f s | %.2f | %s |"
              % (r["topic"], r["format"], m["wall"]["off"], m["wall"]["on"], m["wall"]["on"] / m["wall"]["off"],
                 m["cpu"]["off"], m["cpu"]["on"], m["cpu"]["on"] / max(m["cpu"]["off"], 1e-9),
                 "yes" if r["same"] else "NO"))
    if a.out_json:
        with open(a.out_json, "w") as f:
            json.dump(rows, f, indent=1)
    print("mat_blocks: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
