#!/usr/bin/env python3
"""Measure hdaq against its baselines, in one run, on one server.

Runs inside a throwaway PostgreSQL server (bench/run starts it with
pg_virtualenv, which sets PGHOST, PGPORT, PGUSER...).  Loads the generated
session into it and measures every figure of bench/README.md as the median
of several runs, each run of a figure next to a run of its baseline so that
the machine's noise hits both alike.  Writes the raw numbers as JSON and a
report as Markdown.

    bench.py --session FILE --small FILE --out-md FILE --out-json FILE
             [--reps N] [--ingest-reps N] [--window-reps N] [--mode quick|full]

The last line printed is "bench: N passed, M failed": a figure passes when
it was measured (or reported as not available because the server lacks the
function); it fails when measuring it raised an error.  No figure fails for
being slow: the targets are judged in the report, not asserted.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GEN = os.path.join(HERE, "gen")
HDAQ = os.path.join(ROOT, "src", "cli", "hdaq")
DB = "hdaq_bench"

# The signal of figures 4 and 7, and the topic of figures 5 and 8.
SIGNAL_TOPIC = "VehicleData"
SIGNAL_PATH = "current_rpms.FL"
SIGNAL_JSON = "(message->'current_rpms'->>'FL')::float8"
MAT_TOPICS = ["VehicleData", "MCUOutputData", "ACUAllData"]


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---- talking to the server ---------------------------------------------------


class SqlError(Exception):
    pass


class Psql:
    """One psql session kept open: queries go in one at a time, and each
    comes back with its rows and the wall-clock time psql's \\timing
    measured for it (the round trip of that query, without connecting)."""

    TIME_RE = re.compile(r"^Time: ([0-9.]+) ms")

    def __init__(self, dbname=DB, appname="hdaq-bench"):
        env = dict(os.environ, PGAPPNAME=appname)
        self.proc = subprocess.Popen(
            ["psql", "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=0", "-d", dbname],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            env=env,
        )
        self.proc.stdin.write("\\timing on\n")
        self.pid = int(self.query("SELECT pg_backend_pid()")[0][0])

    def query(self, sql, timed=False):
        """Rows as lists of strings; with timed=True, (rows, milliseconds)."""
        self.proc.stdin.write(f"\\echo @@begin\n{sql.strip().rstrip(';')};\n\\echo @@end\n")
        self.proc.stdin.flush()
        rows, errors, ms = [], [], None
        started = False
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line == "@@begin":
                started = True
                continue
            if line == "@@end":
                break
            if not started:
                continue
            m = self.TIME_RE.match(line)
            if m:
                ms = float(m.group(1))
            elif re.match(r"^(psql:[^ ]*: )?(ERROR|FATAL):", line) or (line.startswith("psql:") and "error" in line):
                errors.append(line)
            elif re.match(r"^(psql:[^ ]*: )?(NOTICE|WARNING|DETAIL|HINT|CONTEXT|LINE \d+):", line):
                if errors:
                    errors.append(line)
            elif line != "":
                rows.append(line.split("|"))
        else:
            raise SqlError("psql exited")
        if errors:
            raise SqlError("\n".join(errors) + f"\n  in: {sql.strip()[:300]}")
        return (rows, ms) if timed else rows

    def value(self, sql):
        rows = self.query(sql)
        return rows[0][0] if rows and rows[0] else None

    def close(self):
        try:
            self.proc.stdin.write("\\q\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait()


def psql_cmd(sql, dbname=DB):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dbname, "-c", sql], check=True, stdout=subprocess.DEVNULL)


def run_timed(cmd, env=None, stdout=subprocess.PIPE):
    """Run a command; return (seconds of wall clock, its stdout)."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()[:500]}")
    return dt, p.stdout


def proc_status(pid):
    """Memory fields of /proc/PID/status in kB, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            out = {}
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem"):
                    out[k] = int(v.split()[0])
            return out
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


class BackendMemory(threading.Thread):
    """Watch the server backend of a client identified by its application
    name: its VmHWM (peak resident set, as the kernel counts it) at the
    last look before it exited, and the largest private (RssAnon) and
    shared-memory (RssShmem) parts seen, sampled every few milliseconds."""

    def __init__(self, appname):
        super().__init__(daemon=True)
        self.appname = appname
        self.stop = threading.Event()
        self.pid = None
        self.hwm_kb = 0
        self.anon_kb = 0
        self.shmem_kb = 0

    def run(self):
        watcher = Psql(appname="hdaq-bench-watch")
        try:
            while not self.stop.is_set() and self.pid is None:
                pid = watcher.value(
                    f"SELECT pid FROM pg_stat_activity WHERE application_name = '{self.appname}' ORDER BY backend_start DESC LIMIT 1"
                )
                if pid:
                    self.pid = int(pid)
                else:
                    time.sleep(0.005)
        finally:
            watcher.close()
        while self.pid is not None:
            st = proc_status(self.pid)
            if st is None:
                break
            self.hwm_kb = max(self.hwm_kb, st.get("VmHWM", 0))
            self.anon_kb = max(self.anon_kb, st.get("RssAnon", 0))
            self.shmem_kb = max(self.shmem_kb, st.get("RssShmem", 0))
            if self.stop.is_set():
                break
            time.sleep(0.01)


def median(xs):
    return statistics.median(xs) if xs else None


# ---- the figures -----------------------------------------------------------------


class Bench:
    def __init__(self, args):
        self.args = args
        self.session = os.path.abspath(args.session)
        self.small = os.path.abspath(args.small)
        self.work = os.path.abspath(args.work)
        os.makedirs(self.work, exist_ok=True)
        self.results = {"figures": {}, "checks": []}
        self.failed = []

    # -- setup

    def setup(self):
        psql_cmd(f"DROP DATABASE IF EXISTS {DB}", "postgres")
        psql_cmd(f"CREATE DATABASE {DB}", "postgres")
        # checkpoints spread over the run rather than forced every 1 GB of WAL
        psql_cmd("ALTER SYSTEM SET max_wal_size = '8GB'", "postgres")
        psql_cmd("SELECT pg_reload_conf()", "postgres")
        self.sql = Psql()
        self.results["env"] = self.environment()

    def environment(self):
        def out(cmd):
            try:
                return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
            except OSError:
                return ""

        cpu = ""
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem_kb = int(f.readline().split()[1])

        def npm_version(name):
            try:
                with open(os.path.join(GEN, "node_modules", name, "package.json")) as f:
                    return json.load(f)["version"]
            except OSError:
                return "?"

        git = out(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
        # the reports themselves do not count as changes to what is measured
        if out(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "--",
                ".", ":!bench/RESULTS.md", ":!bench/results.json", ":!bench/ANALYSIS.md"]):
            git += " (with uncommitted changes)"
        settings = {
            r[0]: r[1]
            for r in self.sql.query(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name IN "
                "('shared_buffers','work_mem','maintenance_work_mem','max_wal_size','synchronous_commit','fsync','wal_level')"
            )
        }
        return {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cpu": cpu,
            "cores": os.cpu_count(),
            "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "kernel": platform.release(),
            "load_at_start": os.getloadavg()[0],
            "postgres": self.sql.value("SHOW server_version"),
            "settings": settings,
            "hdaq_git": git,
            "node": out(["node", "--version"]),
            "mcap_core": npm_version("@mcap/core"),
            "protobufjs": npm_version("protobufjs"),
            "zstd": "zstd " + (re.findall(r"v[0-9.]+", out(["zstd", "--version"])) or ["?"])[0],
            "mode": self.args.mode,
            "reps": self.args.reps,
            "ingest_reps": self.args.ingest_reps,
        }

    def figure(self, key, fn):
        log(f"figure {key}")
        t0 = time.perf_counter()
        try:
            fn()
        except Exception as e:  # one broken figure must not hide the others
            traceback.print_exc()
            self.failed.append(key)
            self.results["figures"].setdefault(key, {})["error"] = str(e)[:2000]
        self.results["figures"].setdefault(key, {})["bench_seconds"] = round(time.perf_counter() - t0, 1)

    def has_function(self, signature):
        return self.sql.value(f"SELECT to_regprocedure('{signature}') IS NOT NULL") == "t"

    def check(self, what, ok, detail=""):
        self.results["checks"].append({"what": what, "ok": bool(ok), "detail": detail})
        if not ok:
            log(f"CHECK FAILED: {what} {detail}")

    def sql_times(self, queries, reps, warmup=1):
        """Time SQL queries in the one session, interleaved: for each rep,
        each query once.  Returns {label: [ms...]} and the last rows."""
        times = {k: [] for k in queries}
        rows = {}
        for _ in range(warmup):
            for k, q in queries.items():
                rows[k] = self.sql.query(q)
        for _ in range(reps):
            for k, q in queries.items():
                rows[k], ms = self.sql.query(q, timed=True)
                times[k].append(ms)
        return times, rows

    # -- 1 and 2: ingest, and the backend's memory during it

    def fig_ingest(self):
        size = os.path.getsize(self.session)
        hdaq_s, lo_s, hwm, anon, shmem, lo_hwm = [], [], [], [], [], []
        for rep in range(self.args.ingest_reps):
            self.sql.query("SET hdaq.allow_drop = on")
            self.sql.query("DROP EXTENSION IF EXISTS hdaq CASCADE")
            self.sql.query("CREATE EXTENSION hdaq")
            self.sql.query("CHECKPOINT")
            mon = BackendMemory("hdaq-bench-ingest")
            mon.start()
            dt, _ = run_timed([HDAQ, "ingest", self.session], env=dict(os.environ, PGAPPNAME="hdaq-bench-ingest", PGDATABASE=DB))
            mon.stop.set()
            mon.join()
            hdaq_s.append(dt)
            hwm.append(mon.hwm_kb)
            anon.append(mon.anon_kb)
            shmem.append(mon.shmem_kb)

            self.sql.query("CHECKPOINT")
            mon = BackendMemory("hdaq-bench-lo")
            mon.start()
            dt, out = run_timed(
                ["psql", "-X", "-q", "-d", DB, "-c", f"\\lo_import '{self.session}'"],
                env=dict(os.environ, PGAPPNAME="hdaq-bench-lo"),
            )
            mon.stop.set()
            mon.join()
            lo_s.append(dt)
            lo_hwm.append(mon.hwm_kb)
            self.sql.query("SELECT lo_unlink(oid) FROM pg_largeobject_metadata")
            self.sql.query("VACUUM pg_largeobject")
            log(f"  ingest rep {rep + 1}: hdaq {hdaq_s[-1]:.2f} s (VmHWM {hwm[-1] / 1024:.0f} MB), lo_import {lo_s[-1]:.2f} s")
        self.check("the ingesting backend was found and watched", min(hwm) > 0, f"VmHWM {hwm} kB")
        self.sql.query("ANALYZE")
        self.file_id = int(self.sql.value("SELECT max(file_id) FROM hdaq.file"))
        stored = int(self.sql.value(f"SELECT message_count FROM hdaq.file WHERE file_id = {self.file_id}"))
        info = subprocess.run([HDAQ, "info", self.session], capture_output=True, text=True).stdout
        m = re.search(r"^messages:\s+(\d+)", info, re.M)
        in_file = int(m.group(1)) if m else None
        self.check("hdaq.file.message_count equals the count in the file's summary", stored == in_file, f"{stored} vs {in_file}")
        h, b = median(hdaq_s), median(lo_s)
        self.results["figures"]["1"] = {
            "hdaq_s": hdaq_s,
            "baseline_s": lo_s,
            "value_s": h,
            "baseline_value_s": b,
            "ratio": h / b,
            "file_mb": size / 1e6,
            "hdaq_mb_s": size / 1e6 / h,
            "baseline_mb_s": size / 1e6 / b,
        }
        self.results["figures"]["2"] = {
            "vmhwm_kb": hwm,
            "rss_anon_kb": anon,
            "rss_shmem_kb": shmem,
            "value_mb": median(hwm) / 1024,
            "anon_mb": median(anon) / 1024,
            "shmem_mb": median(shmem) / 1024,
            "baseline_vmhwm_mb": median(lo_hwm) / 1024,
        }

    # -- 6: storage (the session file alone in the tables)

    def fig_storage(self):
        rows = self.sql.query(
            "SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid), "
            "pg_indexes_size(c.oid), coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'hdaq' AND c.relkind = 'r' ORDER BY 2 DESC"
        )
        tables = {r[0]: {"total": int(r[1]), "heap": int(r[2]), "indexes": int(r[3]), "toast": int(r[4])} for r in rows}
        total = sum(t["total"] for t in tables.values())
        size = os.path.getsize(self.session)
        seg = self.sql.query(
            "SELECT count(*), sum(length(data)), sum(uncompressed_size) FROM hdaq.segment s "
            f"JOIN hdaq.channel c USING (channel_key) WHERE c.file_id = {self.file_id}"
        )[0]
        self.results["figures"]["6"] = {
            "tables": tables,
            "value_mb": total / 1e6,
            "baseline_mb": size / 1e6,
            "ratio": total / size,
            "segments": int(seg[0]),
            "segment_data_mb": int(seg[1]) / 1e6,
            "segment_uncompressed_mb": int(seg[2]) / 1e6,
        }

    def ingest_small(self):
        run_timed([HDAQ, "ingest", self.small], env=dict(os.environ, PGDATABASE=DB))
        self.small_id = int(self.sql.value("SELECT max(file_id) FROM hdaq.file"))
        self.sql.query("ANALYZE")

    # -- 3: every message

    def fig_messages(self):
        chunks = os.path.join(self.work, "chunks.zst")
        info = json.loads(subprocess.run(["node", os.path.join(GEN, "chunk-bytes.mjs"), self.session, chunks], check=True, capture_output=True, text=True).stdout)
        q = f"SELECT count(*) FROM hdaq.messages(file_id => {self.file_id})"
        hdaq_ms, node_s, zstd_s = [], [], []
        # warm up: the file and the tables in the page cache
        count = int(self.sql.value(q))
        node_out = json.loads(run_timed(["node", os.path.join(GEN, "read-all.mjs"), self.session])[1])
        run_timed(["zstd", "-d", "-q", "-c", chunks], stdout=subprocess.DEVNULL)
        for _ in range(self.args.reps):
            _, ms = self.sql.query(q, timed=True)
            hdaq_ms.append(ms)
            node_s.append(run_timed(["node", os.path.join(GEN, "read-all.mjs"), self.session])[0])
            zstd_s.append(run_timed(["zstd", "-d", "-q", "-c", chunks], stdout=subprocess.DEVNULL)[0])
        self.check("hdaq.messages and @mcap/core count the same messages", count == node_out["messages"], f"{count} vs {node_out['messages']}")
        h, n, z = median(hdaq_ms) / 1e3, median(node_s), median(zstd_s)
        self.results["figures"]["3"] = {
            "hdaq_ms": hdaq_ms,
            "node_s": node_s,
            "zstd_s": zstd_s,
            "messages": count,
            "value_s": h,
            "baseline_s": n,
            "zstd_value_s": z,
            "speedup": n / h,
            "vs_zstd": h / z,
            "chunks": info,
            "hdaq_msgs_per_s": count / h,
            "node_msgs_per_s": count / n,
        }

    # -- 4: one signal

    def fig_signal(self):
        qs = {
            "signal": f"SELECT count(*), sum(value) FROM hdaq.signal('{SIGNAL_TOPIC}', '{SIGNAL_PATH}', file_id => {self.file_id})",
            "json": f"SELECT count(*), sum({SIGNAL_JSON}) FROM hdaq.messages_json(ARRAY['{SIGNAL_TOPIC}'], file_id => {self.file_id})",
        }
        node_cmd = ["node", os.path.join(GEN, "read-signal.mjs"), self.session, SIGNAL_TOPIC, SIGNAL_PATH]
        node_out = json.loads(run_timed(node_cmd)[1])
        times = {"signal": [], "json": []}
        node_s = []
        rows = {}
        for k, q in qs.items():
            rows[k] = self.sql.query(q)
        for _ in range(self.args.reps):
            for k, q in qs.items():
                rows[k], ms = self.sql.query(q, timed=True)
                times[k].append(ms)
            node_s.append(run_timed(node_cmd)[0])
        n_sig, s_sig = int(rows["signal"][0][0]), float(rows["signal"][0][1])
        n_json, s_json = int(rows["json"][0][0]), float(rows["json"][0][1])
        self.check(
            "hdaq.signal, messages_json and protobufjs agree on the signal",
            n_sig == n_json == node_out["count"] and abs(s_sig - node_out["sum"]) <= 1e-6 * max(1, abs(s_sig)) and abs(s_json - s_sig) <= 1e-5 * max(1, abs(s_sig)),
            f"count {n_sig}/{n_json}/{node_out['count']}, sum {s_sig}/{s_json}/{node_out['sum']}",
        )
        h, j, n = median(times["signal"]) / 1e3, median(times["json"]) / 1e3, median(node_s)
        self.results["figures"]["4"] = {
            "signal_ms": times["signal"],
            "json_ms": times["json"],
            "node_s": node_s,
            "samples": n_sig,
            "value_s": h,
            "baseline_s": n,
            "json_s": j,
            "speedup": n / h,
            "json_ratio": j / h,
        }

    # -- 5: a 10 s window

    def fig_window(self):
        def window(fid):
            start_ns, end_ns = map(int, self.sql.query(f"SELECT start_ns, end_ns FROM hdaq.file WHERE file_id = {fid}")[0])
            mid = (start_ns + end_ns) // 2
            t0 = f"hdaq.ns_to_timestamptz({mid - 5_000_000_000})"
            t1 = f"hdaq.ns_to_timestamptz({mid + 5_000_000_000})"
            return t0, t1

        (a0, a1), (b0, b1) = window(self.file_id), window(self.small_id)
        qs = {
            "long_json": f"SELECT count(*) FROM hdaq.messages_json(ARRAY['{SIGNAL_TOPIC}'], {a0}, {a1}, file_id => {self.file_id})",
            "short_json": f"SELECT count(*) FROM hdaq.messages_json(ARRAY['{SIGNAL_TOPIC}'], {b0}, {b1}, file_id => {self.small_id})",
            "long_raw": f"SELECT count(*) FROM hdaq.messages(ARRAY['{SIGNAL_TOPIC}'], {a0}, {a1}, file_id => {self.file_id})",
            "short_raw": f"SELECT count(*) FROM hdaq.messages(ARRAY['{SIGNAL_TOPIC}'], {b0}, {b1}, file_id => {self.small_id})",
        }
        times, rows = self.sql_times(qs, self.args.window_reps, warmup=2)
        counts = {k: int(v[0][0]) for k, v in rows.items()}
        self.check("the two windows hold the same number of messages", counts["long_json"] == counts["short_json"], str(counts))
        m = {k: median(v) for k, v in times.items()}
        self.results["figures"]["5"] = {
            "times_ms": times,
            "messages": counts["long_json"],
            "value_ms": m["long_json"],
            "baseline_ms": m["short_json"],
            "ratio": m["long_json"] / m["short_json"],
            "raw_value_ms": m["long_raw"],
            "raw_baseline_ms": m["short_raw"],
            "raw_ratio": m["long_raw"] / m["short_raw"],
        }

    # -- 7: a Grafana panel

    def fig_downsample(self):
        if not any(
            self.has_function(f"hdaq.downsample(text,text,timestamptz,timestamptz,interval,bigint{extra})")
            for extra in (",boolean,text", ",boolean", "")
        ):
            self.results["figures"]["7"] = {"not_available": "hdaq.downsample does not exist in this build"}
            return
        start_ns, end_ns = map(int, self.sql.query(f"SELECT start_ns, end_ns FROM hdaq.file WHERE file_id = {self.file_id}")[0])
        bucket_us = max(1, (end_ns - start_ns) // 1000 // 1000)
        s = f"hdaq.ns_to_timestamptz({start_ns})"
        e = f"hdaq.ns_to_timestamptz({end_ns})"
        b = f"interval '{bucket_us} microseconds'"
        self.sql.query("DROP TABLE IF EXISTS bench_plain")
        self.sql.query("CREATE TABLE bench_plain (time timestamptz NOT NULL, value float8)")
        self.sql.query(f"INSERT INTO bench_plain SELECT time, value FROM hdaq.signal('{SIGNAL_TOPIC}', '{SIGNAL_PATH}', file_id => {self.file_id})")
        self.sql.query("CREATE INDEX bench_plain_time_idx ON bench_plain (time)")
        self.sql.query("VACUUM ANALYZE bench_plain")
        qs = {
            "hdaq": f"SELECT count(*) FROM hdaq.downsample('{SIGNAL_TOPIC}', '{SIGNAL_PATH}', {s}, {e}, {b}, file_id => {self.file_id})",
            # M4 as its authors write it in SQL: the bucket's extremes by
            # aggregation, then the rows that hold them
            "plain": f"""SELECT count(*) FROM (
                WITH a AS (
                    SELECT date_bin({b}, time, 'epoch') AS bk, min(time) AS t_first, max(time) AS t_last,
                           min(value) AS v_min, max(value) AS v_max
                      FROM bench_plain WHERE time >= {s} AND time <= {e} GROUP BY 1)
                SELECT DISTINCT ON (p.time) p.time, p.value
                  FROM bench_plain p JOIN a ON date_bin({b}, p.time, 'epoch') = a.bk
                 WHERE p.time >= {s} AND p.time <= {e}
                   AND (p.time IN (a.t_first, a.t_last) OR p.value IN (a.v_min, a.v_max))
                 ORDER BY p.time) x""",
        }
        times, rows = self.sql_times(qs, self.args.reps, warmup=1)
        plain_bytes = int(self.sql.value("SELECT pg_total_relation_size('bench_plain')"))
        plain_rows = int(self.sql.value("SELECT count(*) FROM bench_plain"))
        # hdaq's storage of the signal's topic (every field of it), with its share of the catalog
        topic_bytes = int(
            self.sql.value(
                "SELECT sum(pg_column_size(s.*)) FROM hdaq.segment s JOIN hdaq.channel c USING (channel_key) "
                f"WHERE c.file_id = {self.file_id} AND c.topic = '{SIGNAL_TOPIC}'"
            )
        )
        # every numeric value of the session, as the plain design would hold it: one row each
        leaves = self.sql.query(
            f"""SELECT c.topic, c.message_count,
                       (SELECT count(*) FROM jsonb_path_query(
                           (SELECT message FROM hdaq.messages_json(ARRAY[c.topic], c.start_time, c.start_time + interval '2 s',
                                                                   file_id => {self.file_id}) LIMIT 1),
                           'strict $.** ? (@.type() == "number")'))
                  FROM hdaq.channel c WHERE c.file_id = {self.file_id} ORDER BY 1"""
        )
        values = sum(int(r[1]) * int(r[2]) for r in leaves)
        hdaq_total = self.results["figures"].get("6", {}).get("value_mb", 0) * 1e6
        per_row = plain_bytes / plain_rows
        h, p = median(times["hdaq"]), median(times["plain"])
        self.results["figures"]["7"] = {
            "hdaq_ms": times["hdaq"],
            "plain_ms": times["plain"],
            "bucket_us": bucket_us,
            "hdaq_rows": int(rows["hdaq"][0][0]),
            "plain_rows_out": int(rows["plain"][0][0]),
            "value_ms": h,
            "baseline_ms": p,
            "ratio": h / p,
            "plain_mb": plain_bytes / 1e6,
            "plain_rows": plain_rows,
            "plain_bytes_per_value": per_row,
            "topic_mb": topic_bytes / 1e6,
            "signal_storage_ratio": plain_bytes / topic_bytes,
            "session_values": values,
            "session_plain_mb": values * per_row / 1e6,
            "session_hdaq_mb": hdaq_total / 1e6,
            "session_storage_ratio": (values * per_row) / hdaq_total if hdaq_total else None,
        }

    # -- 8: export

    def fig_export(self):
        out_mcap = os.path.join(self.work, "export.mcap")
        out_mat = os.path.join(self.work, "export.mat")
        out_cp = os.path.join(self.work, "copy.mcap")
        env = dict(os.environ, PGDATABASE=DB)
        mcap_cmd = [HDAQ, "export", "--file-id", str(self.file_id), "--topics", SIGNAL_TOPIC, "--mcap", out_mcap]
        mat_cmd = [HDAQ, "export", "--file-id", str(self.file_id), "--topics", ",".join(MAT_TOPICS), "--mat", out_mat]
        have_mat = self.has_function("hdaq.export_mat(bigint,text[],timestamptz,timestamptz,text,text)")
        cp_cmd = ["cp", self.session, out_cp]
        mcap_s, mat_s, cp_s = [], [], []
        run_timed(mcap_cmd, env=env)
        mat_error = None
        if have_mat:
            try:
                run_timed(mat_cmd, env=env)
            except RuntimeError as e:
                mat_error = str(e)
                have_mat = False
        run_timed(cp_cmd)
        for _ in range(self.args.export_reps):
            mcap_s.append(run_timed(mcap_cmd, env=env)[0])
            if have_mat:
                mat_s.append(run_timed(mat_cmd, env=env)[0])
            cp_s.append(run_timed(cp_cmd)[0])
            os.unlink(out_cp)
        c = median(cp_s)
        fig = {
            "mcap_s": mcap_s,
            "cp_s": cp_s,
            "baseline_s": c,
            "mcap_value_s": median(mcap_s),
            "mcap_ratio": median(mcap_s) / c,
            "mcap_mb": os.path.getsize(out_mcap) / 1e6,
            "file_mb": os.path.getsize(self.session) / 1e6,
        }
        if have_mat:
            fig.update(mat_s=mat_s, mat_value_s=median(mat_s), mat_ratio=median(mat_s) / c, mat_mb=os.path.getsize(out_mat) / 1e6)
        else:
            fig["mat_not_available"] = mat_error or "hdaq.export_mat does not exist in this build"
        self.results["figures"]["8"] = fig
        for f in (out_mcap, out_mat):
            if os.path.exists(f):
                os.unlink(f)

    def run(self):
        t0 = time.perf_counter()
        self.setup()
        self.figure("1", self.fig_ingest)
        self.results["figures"].setdefault("2", {})
        if "1" in self.failed:
            self.failed.append("2")
        self.figure("6", self.fig_storage)
        try:
            self.ingest_small()
        except Exception as e:
            traceback.print_exc()
            self.small_id = None
        self.figure("3", self.fig_messages)
        self.figure("4", self.fig_signal)
        self.figure("5", self.fig_window)
        self.figure("7", self.fig_downsample)
        self.figure("8", self.fig_export)
        self.sql.close()
        env = self.results["env"]
        env["load_at_end"] = os.getloadavg()[0]
        env["bench_seconds"] = round(time.perf_counter() - t0, 1)


# ---- the report ---------------------------------------------------------------------


def fmt_s(s):
    if s is None:
        return "—"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def fmt_ms(ms):
    return fmt_s(ms / 1e3 if ms is not None else None)


def met(ok):
    return "**met**" if ok else "**missed**"


def render(results, args):
    env = results["env"]
    F = results["figures"]
    L = []
    w = L.append
    w("# hdaq benchmark results")
    w("")
    if args.mode == "quick":
        w("_Quick run (a short session, few repetitions): it shows the harness works, not what hdaq achieves._")
        w("")
    w(f"- **date**: {env['date']}; whole run {env.get('bench_seconds', 0) / 60:.1f} min")
    w(f"- **machine**: {env['cores']} cores ({env['cpu']}), {env['memory_gb']} GB memory, Linux {env['kernel']}; "
      f"load average {env['load_at_start']:.1f} at the start, {env.get('load_at_end', 0):.1f} at the end "
      "(the machine is shared: absolute times are noisy, ratios within a run are what count)")
    s = env["settings"]
    w(f"- **PostgreSQL** {env['postgres']} (throwaway cluster from pg_virtualenv: shared_buffers {s.get('shared_buffers')}, "
      f"work_mem {s.get('work_mem')}, max_wal_size {s.get('max_wal_size')}, fsync {s.get('fsync')}, synchronous_commit {s.get('synchronous_commit')})")
    w(f"- **hdaq** at commit {env['hdaq_git']}")
    w(f"- **baselines**: node {env['node']}, @mcap/core {env['mcap_core']}, protobufjs {env['protobufjs']}, {env['zstd']}")
    sess = F.get("1", {})
    chunks = F.get("3", {}).get("chunks", {})
    w(f"- **data**: `{os.path.basename(args.session)}`, {sess.get('file_mb', 0):.0f} MB, "
      f"{F.get('3', {}).get('messages', 0):,} messages, {chunks.get('chunks', '?')} zstd chunks "
      f"({chunks.get('uncompressed', 0) / 1e6:.0f} MB uncompressed); the 1-minute file `{os.path.basename(args.small)}`")
    w(f"- **method**: median of {env['reps']} runs per figure ({env['ingest_reps']} for ingest), each run of hdaq next to a run of "
      "its baseline; caches warm (one unmeasured run first); SQL times are psql's `\\timing` in one session; "
      "command times are wall clock of the whole command")
    w("")

    rows = []

    def row(n, figure, value, baseline, ratio, target, ok):
        rows.append(f"| {n} | {figure} | {value} | {baseline} | {ratio} | {target} | {ok} |")

    def na(n, figure, why):
        rows.append(f"| {n} | {figure} | not available | | | | {why} |")

    def err(n, figure):
        rows.append(f"| {n} | {figure} | error | | | | see below |")

    f = F.get("1", {})
    if "ratio" in f:
        row(1, "ingest the session (`hdaq ingest`)", f"{fmt_s(f['value_s'])} ({f['hdaq_mb_s']:.0f} MB/s)",
            f"lo_import {fmt_s(f['baseline_value_s'])} ({f['baseline_mb_s']:.0f} MB/s)", f"{f['ratio']:.2f}", "≤ 2", met(f["ratio"] <= 2))
    else:
        err(1, "ingest")
    f = F.get("2", {})
    if "value_mb" in f:
        row(2, "backend peak RSS during ingest (VmHWM)", f"{f['value_mb']:.0f} MB",
            f"lo_import's backend {f['baseline_vmhwm_mb']:.0f} MB", "", "≤ 256 MB", met(f["value_mb"] <= 256))
    else:
        err(2, "peak RSS")
    f = F.get("3", {})
    if "speedup" in f:
        row(3, "decode every message: `count(*) FROM hdaq.messages(file_id => id)`", fmt_s(f["value_s"]),
            f"@mcap/core {fmt_s(f['baseline_s'])}; `zstd -d` {fmt_s(f['zstd_value_s'])}",
            f"{f['speedup']:.2f}× faster than @mcap/core; {f['vs_zstd']:.1f}× zstd -d", "≥ 3× faster", met(f["speedup"] >= 3))
    else:
        err(3, "every message")
    f = F.get("4", {})
    if "speedup" in f:
        row(4, f"one signal over the session: `hdaq.signal('{SIGNAL_TOPIC}', '{SIGNAL_PATH}')`", fmt_s(f["value_s"]),
            f"node {fmt_s(f['baseline_s'])}; messages_json {fmt_s(f['json_s'])}",
            f"{f['speedup']:.1f}× faster than node; {f['json_ratio']:.1f}× faster than messages_json", "≥ 10× faster", met(f["speedup"] >= 10))
    else:
        err(4, "one signal")
    f = F.get("5", {})
    if "ratio" in f:
        row(5, f"10 s window of {SIGNAL_TOPIC} (`messages_json`) on the session", fmt_ms(f["value_ms"]),
            f"1-minute file {fmt_ms(f['baseline_ms'])}", f"{f['ratio']:.2f} (raw `messages`: {f['raw_ratio']:.2f})", "≤ 1.5", met(f["ratio"] <= 1.5))
    else:
        err(5, "10 s window")
    f = F.get("6", {})
    if "ratio" in f:
        row(6, "storage: hdaq's tables and indexes", f"{f['value_mb']:.0f} MB", f"MCAP file {f['baseline_mb']:.0f} MB",
            f"{f['ratio']:.3f}", "≤ 1.1", met(f["ratio"] <= 1.1))
    else:
        err(6, "storage")
    f = F.get("7", {})
    if "not_available" in f:
        na(7, "`hdaq.downsample` into 1,000 buckets", f["not_available"])
    elif "ratio" in f:
        ok = f["ratio"] <= 2 and (f["session_storage_ratio"] or 0) >= 5
        row(7, f"Grafana panel: `hdaq.downsample` over the session into 1,000 buckets", fmt_ms(f["value_ms"]),
            f"plain table + date_bin M4 {fmt_ms(f['baseline_ms'])}",
            f"time {f['ratio']:.2f}; storage {f['session_storage_ratio']:.1f}× less", "time ≤ 2, storage ≥ 5× less", met(ok))
    else:
        err(7, "downsample")
    f = F.get("8", {})
    if "mcap_ratio" in f:
        row(8, f"export {SIGNAL_TOPIC} as MCAP (`hdaq export --mcap`)", fmt_s(f["mcap_value_s"]), f"`cp` of the file {fmt_s(f['baseline_s'])}",
            f"{f['mcap_ratio']:.2f}", "stated", "—")
        if "mat_ratio" in f:
            row(8, f"export {', '.join(MAT_TOPICS)} as MAT v7 (`hdaq export --mat`)", fmt_s(f["mat_value_s"]), f"`cp` {fmt_s(f['baseline_s'])}",
                f"{f['mat_ratio']:.2f}", "stated", "—")
        else:
            na(8, "export three topics as MAT v7", f["mat_not_available"][:120])
    else:
        err(8, "export")

    w("## Figures")
    w("")
    w("| # | figure | hdaq | baseline (same run) | ratio | target | |")
    w("|---|---|---|---|---|---|---|")
    L.extend(rows)
    w("")

    w("## Details")
    w("")
    f = F.get("1", {})
    if "ratio" in f:
        w(f"**1. Ingest.** `hdaq ingest FILE` (hashes the file, streams it into a large object, calls `hdaq.ingest_lo`, "
          f"commits) against `psql -c '\\lo_import FILE'`, both over the same kind of connection to the same server. "
          f"Runs: hdaq {', '.join(fmt_s(x) for x in f['hdaq_s'])}; lo_import {', '.join(fmt_s(x) for x in f['baseline_s'])}.")
        w("")
    f = F.get("2", {})
    if "value_mb" in f:
        w(f"**2. Memory.** VmHWM of the ingesting backend, read from /proc at the end of each ingest: "
          f"{', '.join(str(round(x / 1024)) + ' MB' for x in f['vmhwm_kb'])}. Of its largest sampled resident set, "
          f"{f['anon_mb']:.0f} MB was private memory (RssAnon) and {f['shmem_mb']:.0f} MB shared buffers touched (RssShmem).")
        w("")
    f = F.get("3", {})
    if "speedup" in f:
        w(f"**3. Every message.** {f['messages']:,} messages; hdaq {f['hdaq_msgs_per_s'] / 1e6:.2f} M msg/s, "
          f"@mcap/core (`McapIndexedReader.readMessages`, @mcap/support decompressors) {f['node_msgs_per_s'] / 1e6:.2f} M msg/s; "
          f"`zstd -d` of the file's {f['chunks']['chunks']} chunk payloads ({f['chunks']['compressed'] / 1e6:.0f} MB → "
          f"{f['chunks']['uncompressed'] / 1e6:.0f} MB) {fmt_s(f['zstd_value_s'])}.")
        w("")
    f = F.get("4", {})
    if "speedup" in f:
        w(f"**4. One signal.** {f['samples']:,} samples. Node: `read-signal.mjs` (@mcap/core reading the topic, "
          f"protobufjs decoding each message from the schema in the file). SQL: "
          f"`SELECT count(*), sum({SIGNAL_JSON}) FROM hdaq.messages_json(ARRAY['{SIGNAL_TOPIC}'], file_id => id)`.")
        w("")
    f = F.get("5", {})
    if "ratio" in f:
        w(f"**5. Window.** {f['messages']} messages in the middle 10 s of each file; "
          f"raw `hdaq.messages`: {fmt_ms(f['raw_value_ms'])} vs {fmt_ms(f['raw_baseline_ms'])}.")
        w("")
    f = F.get("6", {})
    if "ratio" in f:
        w(f"**6. Storage.** {f['segments']} segments, {f['segment_data_mb']:.0f} MB compressed "
          f"({f['segment_uncompressed_mb']:.0f} MB of message records uncompressed). By table (heap + TOAST + indexes):")
        w("")
        w("| table | total | heap | TOAST | indexes |")
        w("|---|---|---|---|---|")
        for name, t in f["tables"].items():
            w(f"| {name} | {t['total'] / 1e6:.2f} MB | {t['heap'] / 1e6:.2f} MB | {t['toast'] / 1e6:.2f} MB | {t['indexes'] / 1e6:.2f} MB |")
        w("")
    f = F.get("7", {})
    if "ratio" in f:
        w(f"**7. Downsample.** Buckets of {f['bucket_us'] / 1e6:g} s; hdaq returned {f['hdaq_rows']} rows, the plain query "
          f"{f['plain_rows_out']} (ties at a bucket's extremes). The plain table (time timestamptz, value float8, B-tree on time) "
          f"holds the signal's {f['plain_rows']:,} samples in {f['plain_mb']:.1f} MB, {f['plain_bytes_per_value']:.0f} bytes a value. "
          f"Storage is compared for the same values: the session has {f['session_values']:,} numeric values "
          f"(every numeric leaf of every message), which the plain design would hold in "
          f"{f['session_plain_mb']:.0f} MB against hdaq's {f['session_hdaq_mb']:.0f} MB for the whole file "
          f"({f['session_storage_ratio']:.1f}× less). For the one signal alone, its plain table is "
          f"{f['signal_storage_ratio']:.1f}× the size of hdaq's segments of the whole {SIGNAL_TOPIC} topic "
          f"({f['topic_mb']:.1f} MB, all its fields).")
        w("")
    f = F.get("8", {})
    if "mcap_ratio" in f:
        w(f"**8. Export.** The MCAP export is {f['mcap_mb']:.1f} MB (from a {f['file_mb']:.0f} MB file)"
          + (f"; the MAT file {f['mat_mb']:.1f} MB." if "mat_mb" in f else "."))
        w("")
    errors = [(k, v["error"]) for k, v in sorted(F.items()) if "error" in v]
    if errors:
        w("## Errors")
        w("")
        for k, e in errors:
            w(f"- figure {k}: `{e[:500]}`")
        w("")
    failed_checks = [c for c in results["checks"] if not c["ok"]]
    w("## Cross-checks")
    w("")
    for c in results["checks"]:
        w(f"- {'ok' if c['ok'] else '**FAILED**'}: {c['what']} ({c['detail']})")
    if not failed_checks:
        w("")
        w("All results agree with the baselines' results.")
    w("")
    # bench/seasons.py, bench/live.py, bench/relation.py, bench/jsonb.py and
    # bench/mat_pass.py measure on servers of their own, and
    # bench/many_files.py on stores of many files, not here: their last
    # reports are carried into the full report as they are
    for extra in ("ANALYSIS.md", "SEASONS.md", "LIVE.md", "RELATION.md", "JSONB.md", "many-files.md", "MAT_PASS.md"):
        path = os.path.join(HERE, extra)
        if args.mode == "full" and os.path.exists(path):
            with open(path) as fh:
                L.append(fh.read().rstrip())
            w("")
    w("## Reproduce")
    w("")
    w("```sh")
    w("make bench            # a 1-hour session (about 15-20 minutes on 2 cores, plus 4 to generate it once)")
    w("make bench QUICK=1    # a 2-minute session, for a check that the harness works")
    w("```")
    w("")
    w("The session is generated by `bench/gen` (deterministic: same seed, same bytes); the raw times are in "
      f"`{os.path.relpath(args.out_json, ROOT)}`.")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--session", required=True)
    ap.add_argument("--small", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out-md", required=True)
    ap.add_argument("--out-json", required=True)
    ap.add_argument("--mode", default="full", choices=["quick", "full"])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--ingest-reps", type=int, default=3)
    ap.add_argument("--window-reps", type=int, default=21)
    ap.add_argument("--export-reps", type=int, default=3)
    ap.add_argument("--render-only", action="store_true", help="rewrite the report from --out-json")
    args = ap.parse_args()

    if args.render_only:
        with open(args.out_json) as f:
            results = json.load(f)
        with open(args.out_md, "w") as f:
            f.write(render(results, args))
        return 0

    bench = Bench(args)
    with open(os.path.join(bench.work, "started"), "w") as f:
        f.write(str(os.getpid()))
    bench.run()
    results = bench.results
    with open(args.out_json, "w") as f:
        json.dump(results, f, indent=1)
    with open(args.out_md, "w") as f:
        f.write(render(results, args))
    log(f"wrote {args.out_md}")
    expected = ["1", "2", "3", "4", "5", "6", "7", "8"]
    failed = sorted(set(bench.failed) | {k for k in expected if k not in results["figures"]})
    for k in failed:
        log(f"figure {k} FAILED: {results['figures'].get(k, {}).get('error', 'not produced')[:300]}")
    print(f"bench: {len(expected) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
