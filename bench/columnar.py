#!/usr/bin/env python3
"""Signals at columnar speed: hdaq reading numeric leaves from leaf blocks
(hdaq.leaf_blocks on) and by decoding the messages (off), against DuckDB
(@duckdb/node-api, bench/columnar) holding the same decoded leaves of the
topic, in one run.

  - ingest of the session: hdaq.ingest_file with leaf blocks built and
    without, against the server's lo_import of the same file;
  - storage: everything hdaq keeps (every table of the schema with its
    indexes and TOAST), the leaf blocks alone, the MCAP file, and the
    DuckDB file holding the topic's leaves;
  - one signal over the whole session (count, sum), the same from
    hdaq.signal_stats (summaries), five signals of the topic, a 10 s
    window, and M4 into 1,000 buckets;
  - the sample relation: one signal (count, sum) and five signals GROUP
    BY path through hdaq.sample, with the aggregate pushdown (from block
    summaries), without it (the rows from the blocks, aggregated by the
    plan), and decoding the messages (hdaq.leaf_blocks off).

Every leaf of the topic that has blocks is exported from hdaq (one file
per leaf, server-side COPY) and loaded by bench/columnar/duck.mjs; the
answers of both sides are compared (counts exactly, sums to 1e-9).
Variants alternate at every repetition; medians.

    columnar.py --session FILE --work DIR [--logs DIR] [--reps N]
                [--ingest-reps N] [--out-md FILE] [--out-json FILE]

With --logs, every .mcap under DIR (the real logs of test/data) is also
stored in a database of its own, for the storage figures.

The server is the one of PGHOST/PGPORT/PGUSER; it reads the session and
writes into DIR itself.  The last line printed is "columnar: N passed, M
failed" (a check passes when the answers agree; no figure fails for
being slow).
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from bench import Psql, log, run_timed  # noqa: E402

DB = "hdaq_columnar"
TOPIC = "VehicleData"
SIGNAL = "current_rpms.FL"
FIVE = ["current_rpms.FL", "current_rpms.FR", "current_rpms.RL", "current_rpms.RR", "steering_angle_deg"]
BUCKETS = 1000


def admin(sql):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", sql],
                   check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning"))


def q1(sql, query):
    return sql.query(query)[0]


class Bench:
    def __init__(self, args):
        self.args = args
        self.passed = 0
        self.failed = 0
        self.figures = {}

    def check(self, what, ok, detail=""):
        if ok:
            self.passed += 1
            log(f"ok - {what}")
        else:
            self.failed += 1
            log(f"not ok - {what}: {detail}")

    # ---- ingest ---------------------------------------------------------------
    def ingest(self):
        a = self.args
        admin(f"DROP DATABASE IF EXISTS {DB}")
        admin(f"CREATE DATABASE {DB}")
        self.sql = Psql(DB, "hdaq-columnar")
        self.sql.query("CREATE EXTENSION hdaq")
        times = {"blocks": [], "no_blocks": [], "lo_import": []}
        self.file_id = None
        for rep in range(a.ingest_reps):
            for variant in ("no_blocks", "lo_import", "blocks"):
                self.sql.query("CHECKPOINT")
                if variant == "lo_import":
                    rows, ms = self.sql.query(f"SELECT lo_import('{a.session}')", timed=True)
                    self.sql.query(f"SELECT lo_unlink({rows[0][0]})")
                else:
                    self.sql.query(f"SET hdaq.leaf_blocks = {'on' if variant == 'blocks' else 'off'}")
                    rows, ms = self.sql.query(f"SELECT hdaq.ingest_file('{a.session}')", timed=True)
                    self.file_id = rows[0][0]
                    if not (variant == "blocks" and rep == a.ingest_reps - 1):
                        self.sql.query(f"SELECT hdaq.delete_file({self.file_id})")
                times[variant].append(ms)
            log(f"  ingest rep {rep + 1}: " + ", ".join(f"{k} {v[-1] / 1000:.2f} s" for k, v in times.items()))
        self.sql.query("RESET hdaq.leaf_blocks")
        # what is kept, without the space of the files deleted between repetitions
        self.sql.query("VACUUM FULL")
        self.sql.query("ANALYZE")
        med = {k: statistics.median(v) for k, v in times.items()}
        self.figures["ingest_ms"] = med
        self.figures["ingest_ratio_blocks"] = med["blocks"] / med["lo_import"]
        self.figures["ingest_ratio_no_blocks"] = med["no_blocks"] / med["lo_import"]

    # ---- storage ------------------------------------------------------------------
    def storage(self):
        mcap = os.path.getsize(self.args.session)
        total = int(q1(self.sql, """SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'hdaq' AND c.relkind IN ('r', 'm')""")[0])
        blocks = int(q1(self.sql, "SELECT pg_total_relation_size('hdaq.leaf_block')")[0])
        topic = q1(self.sql, f"""SELECT (SELECT sum(pg_column_size(s.data)) FROM hdaq.segment s WHERE s.channel_key = c.channel_key),
            (SELECT sum(pg_column_size(b.data)) FROM hdaq.leaf_block b WHERE b.channel_key = c.channel_key),
            c.message_count, c.start_ns, c.end_ns, c.channel_key
            FROM hdaq.channel c WHERE c.file_id = {self.file_id} AND c.topic = '{TOPIC}'""")
        self.channel = {"start_ns": int(topic[3]), "end_ns": int(topic[4]), "messages": int(topic[2]),
                        "key": topic[5]}
        self.figures["storage"] = {"mcap_bytes": mcap, "hdaq_bytes": total, "leaf_block_bytes": blocks,
                                   "topic_segment_bytes": int(topic[0]), "topic_block_bytes": int(topic[1] or 0),
                                   "topic_messages": int(topic[2])}
        log(f"  storage: MCAP {mcap / 1e6:.1f} MB, hdaq {total / 1e6:.1f} MB (leaf blocks {blocks / 1e6:.1f} MB)")

    def logs_storage(self):
        """Every .mcap under --logs stored, then what hdaq keeps against the files."""
        files = sorted(os.path.join(d, f) for d, _, fs in os.walk(self.args.logs) for f in fs if f.endswith(".mcap"))
        admin(f"DROP DATABASE IF EXISTS {DB}_logs")
        admin(f"CREATE DATABASE {DB}_logs")
        sql = Psql(f"{DB}_logs", "hdaq-columnar-logs")
        sql.query("CREATE EXTENSION hdaq")
        stored = 0
        for f in files:
            rows = sql.query(f"SELECT hdaq.ingest_file('{os.path.abspath(f)}')")
            stored += 1 if rows else 0
        # the blocks of every file built once more, timed (they replace those of the ingest)
        _, build_ms = sql.query("SELECT sum(hdaq.build_leaf_blocks(file_id)) FROM hdaq.file", timed=True)
        sql.query("VACUUM FULL")
        sizes = q1(sql, """SELECT (SELECT sum(size_bytes) FROM hdaq.file),
            (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'hdaq' AND c.relkind IN ('r', 'm')),
            pg_total_relation_size('hdaq.leaf_block'), (SELECT count(*) FROM hdaq.file)""")
        self.figures["logs_storage"] = {"files": int(sizes[3]), "mcap_bytes": int(sizes[0]), "hdaq_bytes": int(sizes[1]),
                                        "leaf_block_bytes": int(sizes[2]), "build_ms": build_ms}
        log(f"  logs: {sizes[3]} files, MCAP {int(sizes[0]) / 1e6:.1f} MB, hdaq {int(sizes[1]) / 1e6:.1f} MB "
            f"(leaf blocks {int(sizes[2]) / 1e6:.1f} MB, built in {build_ms:.0f} ms)")
        sql.proc.stdin.close()
        admin(f"DROP DATABASE IF EXISTS {DB}_logs")

    # ---- the same leaves in DuckDB ---------------------------------------------------
    def duck(self):
        a = self.args
        d = os.path.join(a.work, "leaves")
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o777)
        leaves = [r[0] for r in self.sql.query(
            f"SELECT DISTINCT path FROM hdaq.leaf_block WHERE channel_key = {self.channel['key']} AND path <> '' ORDER BY path")]
        self.leaves = leaves
        self.check("every leaf of the five has blocks", all(p in leaves for p in FIVE), str(FIVE))
        first = leaves[0].replace("'", "''")
        self.sql.query(f"COPY (SELECT (extract(epoch FROM time) * 1000000)::bigint FROM hdaq.signal('{TOPIC}', '{first}', file_id => {self.file_id})) TO '{d}/time.csv'")
        for i, p in enumerate(leaves):
            p = p.replace("'", "''")
            self.sql.query(f"COPY (SELECT value FROM hdaq.signal('{TOPIC}', '{p}', file_id => {self.file_id})) TO '{d}/leaf_{i}.csv'")
        col = {p: f"leaf_{i}" for i, p in enumerate(leaves)}
        w0, w1 = self.window_us()
        width = self.bucket_us()
        one = col[SIGNAL]
        queries = [
            {"name": "one", "sql": f"SELECT count({one}), sum({one}) FROM v"},
            {"name": "five", "sql": "SELECT " + " + ".join(f"count({col[p]})" for p in FIVE) + ", "
             + " + ".join(f"sum({col[p]})" for p in FIVE) + " FROM v"},
            {"name": "window", "sql": f"SELECT count({one}), sum({one}) FROM v WHERE time BETWEEN {w0} AND {w1}"},
            # the five leaves' counts and sums each (GROUP BY path of hdaq.sample)
            {"name": "five_each", "sql": "SELECT " + ", ".join(f"count({col[p]}), sum({col[p]})" for p in FIVE) + " FROM v"},
            {"name": "m4", "sql": f"""WITH a AS (SELECT time // {width} AS k, arg_min(time, time) AS f, arg_max(time, time) AS l,
                arg_min(time, {one}) AS lo, arg_max(time, {one}) AS hi FROM v GROUP BY 1)
                SELECT count(*), count(DISTINCT k) FROM (SELECT DISTINCT k, unnest([f, l, lo, hi]) FROM a) x"""},
        ]
        qfile = os.path.join(a.work, "queries.json")
        with open(qfile, "w") as f:
            json.dump(queries, f)
        dt, out = run_timed(["node", os.path.join(HERE, "columnar", "duck.mjs"), "--db", os.path.join(a.work, "leaves.duckdb"),
                             "--dir", d, "--leaves", str(len(leaves)), "--queries", qfile, "--reps", str(a.reps)])
        self.duck_out = json.loads(out.strip().splitlines()[-1])
        self.figures["duckdb_file_bytes"] = self.duck_out["file_bytes"]
        self.figures["leaves"] = len(leaves)
        log(f"  DuckDB: {len(leaves)} leaves loaded in {self.duck_out['load_ms'] / 1000:.1f} s, file {self.duck_out['file_bytes'] / 1e6:.1f} MB")

    def window_us(self):
        mid = (self.channel["start_ns"] + self.channel["end_ns"]) // 2
        w0 = mid // 1000
        return w0, w0 + 10_000_000 - 1

    def bucket_us(self):
        span = (self.channel["end_ns"] - self.channel["start_ns"]) / 1000
        return int(math.ceil(span / BUCKETS))

    # ---- the queries -------------------------------------------------------------------
    def hdaq_queries(self):
        fid = self.file_id
        w0, w1 = self.window_us()
        width = self.bucket_us()
        ts = lambda us: f"to_timestamp({us} / 1000000.0)"  # noqa: E731
        five = "ARRAY[" + ", ".join(f"'{TOPIC}/{p}'" for p in FIVE) + "]"
        return {
            "one": f"SELECT count(value), sum(value) FROM hdaq.signal('{TOPIC}', '{SIGNAL}', file_id => {fid})",
            "stats": f"SELECT count, mean * count FROM hdaq.signal_stats('{TOPIC}', '{SIGNAL}', file_id => {fid})",
            "five": f"SELECT count(value), sum(value) FROM hdaq.signals({five}, file_id => {fid})",
            "window": f"SELECT count(value), sum(value) FROM hdaq.signal('{TOPIC}', '{SIGNAL}', {ts(w0)}, {ts(w1)}, {fid})",
            "m4": f"""SELECT count(*), count(DISTINCT date_bin(make_interval(secs => {width} / 1000000.0), time, 'epoch'))
                FROM hdaq.downsample('{TOPIC}', '{SIGNAL}', NULL, NULL, make_interval(secs => {width} / 1000000.0), {fid})""",
        }

    def run_queries(self):
        qs = self.hdaq_queries()
        ms = {(v, q): [] for v in ("on", "off") for q in qs}
        rows = {}
        for rep in range(self.args.reps):
            for v in ("on", "off"):
                self.sql.query(f"SET hdaq.leaf_blocks = {v}")
                for name, q in qs.items():
                    r, t = self.sql.query(q, timed=True)
                    ms[(v, name)].append(t)
                    rows[(v, name)] = r[0]
        self.sql.query("RESET hdaq.leaf_blocks")
        res = {}
        for name in qs:
            duck_name = "one" if name == "stats" else name
            d = self.duck_out["queries"][duck_name]
            res[name] = {"blocks_ms": statistics.median(ms[("on", name)]),
                         "messages_ms": statistics.median(ms[("off", name)]),
                         "duckdb_ms": d["ms"], "rows": rows[("on", name)], "duckdb_rows": d["rows"][0]}
            a, b, dk = rows[("on", name)], rows[("off", name)], d["rows"][0]
            if name == "m4":
                self.check("M4: the same buckets from blocks, from messages and in DuckDB",
                           int(a[1]) == int(b[1]) == int(dk[1]) and a[0] == b[0], f"{a} {b} {dk}")
            else:
                same = int(a[0]) == int(b[0]) == int(dk[0]) and \
                    all(math.isclose(float(x), float(y), rel_tol=1e-9) for x, y in ((a[1], b[1]), (a[1], dk[1])))
                self.check(f"{name}: the same count and sum from blocks, from messages and in DuckDB", same, f"{a} {b} {dk}")
            log(f"  {name}: blocks {res[name]['blocks_ms']:.1f} ms, messages {res[name]['messages_ms']:.1f} ms, DuckDB {d['ms']:.1f} ms")
        self.figures["queries"] = res

    # ---- the sample relation -----------------------------------------------------------
    SAMPLE_VARIANTS = {"pushdown": ("on", "on"), "rows": ("on", "off"), "messages": ("off", "off")}

    def sample_queries(self):
        fid = self.file_id
        paths = ", ".join(f"'{p}'" for p in FIVE)
        return {
            "sample_one": f"""SELECT count(*), sum(value) FROM hdaq.sample
                WHERE file_id = {fid} AND topic = '{TOPIC}' AND path = '{SIGNAL}'""",
            "sample_five": f"""SELECT path, count(*), sum(value) FROM hdaq.sample
                WHERE file_id = {fid} AND topic = '{TOPIC}' AND path IN ({paths})
                GROUP BY path ORDER BY path""",
        }

    def check_sample(self, name, got, duck_row):
        """Every variant's (count, sum) per path against DuckDB's; the pushdown's sums
        against the rows' to 1e-12 (another summation order)."""
        if name == "sample_one":
            want = {SIGNAL: (int(duck_row[0]), float(duck_row[1]))}
            per = {v: {SIGNAL: (int(r[0][0]), float(r[0][1]))} for v, r in got.items()}
        else:
            want = {p: (int(duck_row[2 * i]), float(duck_row[2 * i + 1])) for i, p in enumerate(FIVE)}
            per = {v: {r[0]: (int(r[1]), float(r[2])) for r in rows} for v, rows in got.items()}
        ok = all(set(per[v]) == set(want) and all(
            per[v][p][0] == want[p][0] and math.isclose(per[v][p][1], want[p][1], rel_tol=1e-9) for p in want)
            for v in per)
        ok = ok and all(math.isclose(per["pushdown"][p][1], per["rows"][p][1], rel_tol=1e-12) for p in want)
        self.check(f"{name}: the same counts and sums with the pushdown, without it, decoding, and in DuckDB",
                   ok, f"{per} {want}")

    def run_sample_queries(self):
        qs = self.sample_queries()
        for name, q in qs.items():
            self.sql.query("SET hdaq.aggregate_pushdown = on")
            plan = "\n".join(r[0] for r in self.sql.query("EXPLAIN (VERBOSE, COSTS OFF) " + q))
            self.check(f"{name}: the plan pushes the aggregates into the scan", "Pushed Aggregates" in plan, plan)
        ms = {(v, q): [] for v in self.SAMPLE_VARIANTS for q in qs}
        got = {q: {} for q in qs}
        for rep in range(self.args.reps):
            for v, (blocks, pushdown) in self.SAMPLE_VARIANTS.items():
                self.sql.query(f"SET hdaq.leaf_blocks = {blocks}")
                self.sql.query(f"SET hdaq.aggregate_pushdown = {pushdown}")
                for name, q in qs.items():
                    r, t = self.sql.query(q, timed=True)
                    ms[(v, name)].append(t)
                    got[name][v] = r
        self.sql.query("RESET hdaq.leaf_blocks")
        self.sql.query("RESET hdaq.aggregate_pushdown")
        res = {}
        for name in qs:
            d = self.duck_out["queries"]["one" if name == "sample_one" else "five_each"]
            self.check_sample(name, got[name], d["rows"][0])
            res[name] = {v + "_ms": statistics.median(ms[(v, name)]) for v in self.SAMPLE_VARIANTS}
            res[name]["duckdb_ms"] = d["ms"]
            log(f"  {name}: " + ", ".join(f"{v} {res[name][v + '_ms']:.1f} ms" for v in self.SAMPLE_VARIANTS)
                + f", DuckDB {d['ms']:.1f} ms")
        self.figures["sample_queries"] = res


def write_md(path, f, args):
    st = f["storage"]
    q = f["queries"]
    names = {"one": "one signal over the whole session (count, sum), hdaq.signal",
             "stats": "the same from hdaq.signal_stats (summaries)",
             "five": "five signals of the topic (hdaq.signals)",
             "window": "10 s window of one signal",
             "m4": "M4 into 1,000 buckets (hdaq.downsample)"}
    lines = [
        "| query | hdaq, leaf blocks | hdaq, decoding messages | DuckDB | blocks / DuckDB | messages / DuckDB |",
        "|---|---|---|---|---|---|",
    ]
    for k, label in names.items():
        r = q[k]
        lines.append(f"| {label} | {r['blocks_ms']:.1f} ms | {r['messages_ms']:.1f} ms | {r['duckdb_ms']:.1f} ms | "
                     f"{r['blocks_ms'] / r['duckdb_ms']:.1f}× | {r['messages_ms'] / r['duckdb_ms']:.1f}× |")
    if "sample_queries" in f:
        sq = f["sample_queries"]
        labels = {"sample_one": "one signal over the whole session (count, sum) through hdaq.sample",
                  "sample_five": "five signals GROUP BY path through hdaq.sample"}
        lines += ["", "| query | hdaq, aggregate pushdown | hdaq, rows from blocks (pushdown off) | "
                  "hdaq, decoding messages | DuckDB | pushdown / DuckDB | rows / DuckDB |", "|---|---|---|---|---|---|---|"]
        for k, label in labels.items():
            r = sq[k]
            lines.append(f"| {label} | {r['pushdown_ms']:.1f} ms | {r['rows_ms']:.1f} ms | {r['messages_ms']:.1f} ms | "
                         f"{r['duckdb_ms']:.1f} ms | {r['pushdown_ms'] / r['duckdb_ms']:.2f}× | "
                         f"{r['rows_ms'] / r['duckdb_ms']:.1f}× |")
    ing = f["ingest_ms"]
    lines += [
        "",
        f"Ingest of the session (median of {args.ingest_reps}): with leaf blocks {ing['blocks'] / 1000:.2f} s, "
        f"without {ing['no_blocks'] / 1000:.2f} s, lo_import {ing['lo_import'] / 1000:.2f} s: "
        f"{f['ingest_ratio_blocks']:.2f}× lo_import with blocks, {f['ingest_ratio_no_blocks']:.2f}× without.",
        "",
        f"Storage: MCAP file {st['mcap_bytes'] / 1e6:.1f} MB; everything hdaq keeps {st['hdaq_bytes'] / 1e6:.1f} MB "
        f"({st['hdaq_bytes'] / st['mcap_bytes']:.2f}× the file), of which hdaq.leaf_block {st['leaf_block_bytes'] / 1e6:.1f} MB. "
        f"The topic ({st['topic_messages']:,} messages, {f['leaves']} leaves with blocks): segments {st['topic_segment_bytes'] / 1e6:.1f} MB, "
        f"leaf blocks {st['topic_block_bytes'] / 1e6:.1f} MB; DuckDB holding its leaves {f['duckdb_file_bytes'] / 1e6:.1f} MB.",
    ]
    if "logs_storage" in f:
        lg = f["logs_storage"]
        lines += ["", f"Storage of the real logs ({lg['files']} files of test/data): MCAP {lg['mcap_bytes'] / 1e6:.1f} MB; "
                  f"everything hdaq keeps {lg['hdaq_bytes'] / 1e6:.1f} MB ({lg['hdaq_bytes'] / lg['mcap_bytes']:.2f}× the files), "
                  f"of which hdaq.leaf_block {lg['leaf_block_bytes'] / 1e6:.1f} MB."]
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--session", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--logs")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--ingest-reps", type=int, default=3)
    ap.add_argument("--out-md")
    ap.add_argument("--out-json")
    args = ap.parse_args()
    args.session = os.path.abspath(args.session)
    args.work = os.path.abspath(args.work)  # the server writes COPY files there
    os.makedirs(args.work, exist_ok=True)
    b = Bench(args)
    b.ingest()
    b.storage()
    if args.logs:
        b.logs_storage()
    b.duck()
    b.run_queries()
    b.run_sample_queries()
    if args.out_json:
        with open(args.out_json, "w") as fh:
            json.dump(b.figures, fh, indent=1)
    if args.out_md:
        write_md(args.out_md, b.figures, args)
    print(f"columnar: {b.passed} passed, {b.failed} failed")
    sys.exit(1 if b.failed else 0)


if __name__ == "__main__":
    main()
