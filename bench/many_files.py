#!/usr/bin/env python3
"""Many runs in one store: how hdaq's reads and ingest behave as a store
grows from 10 to 10,000 files.

Runs inside a throwaway PostgreSQL server, as bench.py does (bench/run
--many starts it with pg_virtualenv, which sets PGHOST, PGPORT, PGUSER...).
Grows one store in steps (10, 100, 1,000, 10,000 files) of short sessions
and, at each step, times the same reads, whose results are the same at every
step (they touch the same ten runs of a first test week), so that only the
size of the store around them changes:

  a  the runs of one event: SELECT * FROM hdaq.files WHERE tags @> ...;
     and a driver's runs on one car (properties @>), a result that grows
     with the store
  b  one signal of one run: hdaq.signal(topic, path, file_id => ...)
  c  one signal across every run in a 10 s window (two runs: two cars
     on track at once)
  d  hdaq.downsample over a week across runs (the test week, ten runs),
     and over the latest week of the season (every run of it)
  e  ingest of one more file, through the hdaq command and through SQL
  f  Grafana users at once: each week's downsample from 1, 2, 4 and 8
     sessions together (pgbench), panels per second

Each read is the median of several runs in one session, caches warm (one
unmeasured run first).  At each step the run also records the store's size
on disk, the bulk ingest rate, and the plans of the statements hdaq runs
for each read (auto_explain of the nested statements, with their buffers).

    many_files.py --base-dir DIR --work DIR --out-md FILE --out-json FILE
                  [--steps 10,100,1000,10000] [--reps N] [--mode quick|full]

The files are made from a few 2-second sessions of bench/gen/gen-session.mjs
moved in time by bench/gen/gen-many.mjs, in batches, while the previous
batch is ingested; they are deleted once stored.  Nothing here depends on
the values of file_id: runs are found by name.

The last line printed is "many-files: N passed, M failed": a step passes when
every figure of it was measured and every read returned what it returned at
the first step.
"""

import argparse
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as B  # noqa: E402  (Psql, run_timed, median, log)

ROOT = B.ROOT
GEN = B.GEN
HDAQ = B.HDAQ
DB = "hdaq_many"

TOPIC = "VehicleData"
PATH = "current_rpms.FL"

# The season.  Week 1 is a test week: five days, one run of each of the two
# cars a day.  Then the season proper: a run of each car every 40 minutes,
# day and night, one event a week (10,000 files end about 139 days later).
T0 = datetime.datetime(2025, 2, 3, 9, 0, tzinfo=datetime.timezone.utc)
SEASON_START = T0 + datetime.timedelta(days=8)
SLOT = datetime.timedelta(minutes=40)
TEST_WEEK_RUNS = 10
CARS = ["HT08", "HT09"]
DRIVERS = ["Ada", "Ben", "Chloe", "Dev", "Eli", "Femi", "Gus", "Hana"]
TEST_EVENT = "winter test"
# where the ingest figure's extra files go: after any season
PROBE_START = T0 + datetime.timedelta(days=400)

BASES = 20  # distinct generated sessions
BASE_SECONDS = 2
BATCH = 500  # files generated (and deleted) at a time


def ns(t):
    return int(t.timestamp()) * 1_000_000_000


def ts_sql(t):
    return f"'{t.isoformat()}'::timestamptz"


def run_plan(i):
    """Name, start, tags and metadata of run i (0-based), from i alone."""
    car = i % 2
    if i < TEST_WEEK_RUNS:
        day = i // 2
        start = T0 + datetime.timedelta(days=day, hours=1, seconds=car)
        event = TEST_EVENT
        driver = DRIVERS[(day + car) % len(DRIVERS)]
    else:
        slot = (i - TEST_WEEK_RUNS) // 2
        start = SEASON_START + slot * SLOT + datetime.timedelta(seconds=car)
        week = (start - T0).days // 7
        event = f"round {week:02d}"
        driver = DRIVERS[(slot * 3 + car) % len(DRIVERS)]
    return {
        "name": f"run-{i:05d}.mcap",
        "start": start,
        "tags": {"car": CARS[car], "driver": driver, "event": event},
        "metadata": {"run": str(i), "site": "test track", "base_seed": str(1001 + i % BASES)},
    }


def probe_plan(k):
    start = PROBE_START + k * SLOT
    return {
        "name": f"probe-{k:03d}.mcap",
        "start": start,
        "tags": {"car": "HT09", "driver": "Ada", "event": "probe"},
        "metadata": {"run": f"probe {k}", "site": "test track"},
        "base": k % BASES,
    }


# ---- data ----------------------------------------------------------------------


def make_bases(base_dir):
    """BASES sessions of BASE_SECONDS each, made once (kept while the
    generator and its arguments are unchanged)."""
    os.makedirs(base_dir, exist_ok=True)
    h = hashlib.sha256()
    for f in ("gen-session.mjs", "package-lock.json"):
        with open(os.path.join(GEN, f), "rb") as fh:
            h.update(fh.read())
    stamp = f"{h.hexdigest()[:16]} {BASES} {BASE_SECONDS}"
    stamp_file = os.path.join(base_dir, "stamp")
    files = [os.path.join(base_dir, f"base-{k:02d}.mcap") for k in range(BASES)]
    if os.path.exists(stamp_file) and open(stamp_file).read() == stamp and all(map(os.path.exists, files)):
        return files
    B.log(f"generating {BASES} base sessions of {BASE_SECONDS} s")
    for k, f in enumerate(files):
        subprocess.run(
            ["node", os.path.join(GEN, "gen-session.mjs"), "--out", f, "--minutes", str(BASE_SECONDS / 60),
             "--seed", str(1001 + k), "--start", "2025-01-01T00:00:00Z", "--quiet"],
            check=True,
        )
    with open(stamp_file, "w") as fh:
        fh.write(stamp)
    return files


class Batch:
    """Files of runs [lo, hi) being generated by gen-many.mjs in the
    background."""

    def __init__(self, work, bases, runs):
        self.dir = os.path.join(work, f"batch-{runs[0]:05d}")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.entries = []
        plan = []
        for i in runs:
            p = run_plan(i)
            out = os.path.join(self.dir, p["name"])
            plan.append({"out": out, "base": bases[i % len(bases)], "start": str(ns(p["start"])),
                         "metadata": p["metadata"]})
            self.entries.append((out, p))
        plan_file = os.path.join(self.dir, "plan.json")
        with open(plan_file, "w") as fh:
            json.dump(plan, fh)
        self.proc = subprocess.Popen(["node", os.path.join(GEN, "gen-many.mjs"), plan_file], stdout=subprocess.DEVNULL)

    def wait(self):
        if self.proc.wait() != 0:
            raise RuntimeError(f"gen-many.mjs failed for {self.dir}")
        return self.entries

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def ingest_sql(path, name, tags):
    return (f"SELECT hdaq.ingest(pg_catalog.pg_read_binary_file({sql_str(path)}), {sql_str(name)}, "
            f"{sql_str(json.dumps(tags))}::jsonb)")


# ---- the bench ----------------------------------------------------------------------


class Many:
    def __init__(self, args):
        self.args = args
        self.work = os.path.abspath(args.work)
        os.makedirs(self.work, exist_ok=True)
        self.results = {"steps": [], "checks": []}
        self.failed = []
        self.reference = {}  # what each read returned at the first step

    def setup(self):
        B.psql_cmd(f"DROP DATABASE IF EXISTS {DB}", "postgres")
        B.psql_cmd(f"CREATE DATABASE {DB}", "postgres")
        B.psql_cmd("ALTER SYSTEM SET max_wal_size = '8GB'", "postgres")
        B.psql_cmd("SELECT pg_reload_conf()", "postgres")
        self.sql = B.Psql(dbname=DB, appname="hdaq-many")
        self.sql.query("CREATE EXTENSION hdaq")
        self.results["env"] = self.environment()
        self.bases = make_bases(os.path.abspath(self.args.base_dir))
        self.base_bytes = sum(os.path.getsize(f) for f in self.bases) / len(self.bases)

    def environment(self):
        cpu = ""
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem_kb = int(f.readline().split()[1])
        git = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        if subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "--", ".",
                           ":!bench/RESULTS.md", ":!bench/results.json", ":!bench/many-files.md", ":!bench/many-files.json",
                           ":!bench/many-files-analysis.md"],
                          capture_output=True, text=True).stdout.strip():
            git += " (with uncommitted changes)"
        settings = {r[0]: r[1] for r in self.sql.query(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name IN "
            "('shared_buffers','work_mem','max_wal_size','fsync','synchronous_commit','autovacuum')")}
        return {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cpu": cpu,
            "cores": os.cpu_count(),
            "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "kernel": os.uname().release,
            "load_at_start": os.getloadavg()[0],
            "postgres": self.sql.value("SHOW server_version"),
            "settings": settings,
            "hdaq_git": git,
            "mode": self.args.mode,
            "reps": self.args.reps,
        }

    def check(self, what, ok, detail=""):
        self.results["checks"].append({"what": what, "ok": bool(ok), "detail": detail})
        if not ok:
            B.log(f"CHECK FAILED: {what} {detail}")

    # -- growing the store

    def grow(self, have, want):
        """Ingest runs [have, want) in batches, generating the next batch
        while the current one is ingested.  Returns the per-file ingest
        times (ms) and the wall time of the ingest itself."""
        runs = list(range(have, want))
        chunks = [runs[k:k + BATCH] for k in range(0, len(runs), BATCH)]
        times, wall, batches = [], 0.0, []
        pending = Batch(self.work, self.bases, chunks[0]) if chunks else None
        for n, _ in enumerate(chunks):
            entries = pending.wait()
            current = pending
            pending = Batch(self.work, self.bases, chunks[n + 1]) if n + 1 < len(chunks) else None
            t0 = time.perf_counter()
            for path, p in entries:
                rows, ms = self.sql.query(ingest_sql(path, p["name"], p["tags"]), timed=True)
                times.append(ms)
            wall += time.perf_counter() - t0
            batches.append({"stored": len(times) + have, "median_ms": B.median(times[-len(entries):])})
            current.remove()
            B.log(f"  stored runs up to {entries[-1][1]['name']}: {len(times)} files, median {B.median(times):.1f} ms a file")
        return times, wall, batches

    def size(self):
        rows = self.sql.query(
            "SELECT c.relname, pg_total_relation_size(c.oid), pg_indexes_size(c.oid) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'hdaq' AND c.relkind = 'r' ORDER BY 2 DESC")
        tables = {r[0]: {"total": int(r[1]), "indexes": int(r[2])} for r in rows}
        counts = self.sql.query(
            "SELECT (SELECT count(*) FROM hdaq.file), (SELECT count(*) FROM hdaq.channel), "
            "(SELECT count(*) FROM hdaq.segment), (SELECT count(*) FROM hdaq.schema), "
            "(SELECT coalesce(sum(size_bytes), 0) FROM hdaq.file), pg_database_size(current_database())")[0]
        return {
            "tables": tables,
            "hdaq_bytes": sum(t["total"] for t in tables.values()),
            "files": int(counts[0]),
            "channels": int(counts[1]),
            "segments": int(counts[2]),
            "schemas": int(counts[3]),
            "file_bytes": int(counts[4]),
            "database_bytes": int(counts[5]),
        }

    # -- the reads

    def reads(self, n):
        """The queries of figures a-d, as {label: (sql, fixed result?)}."""
        ids = dict(self.sql.query("SELECT name, file_id FROM hdaq.file WHERE name IN ('run-00002.mcap')"))
        one = ids["run-00002.mcap"]
        w0 = T0 + datetime.timedelta(days=2, hours=1) - datetime.timedelta(seconds=3)
        week0, week1 = T0, T0 + datetime.timedelta(days=7)
        last = run_plan(n - 1)["start"]
        latest0, latest1 = last - datetime.timedelta(days=7), last + datetime.timedelta(seconds=BASE_SECONDS + 1)
        bucket = "interval '604.8 s'"  # a week in 1,000 buckets
        return {
            "a_event": (f"SELECT * FROM hdaq.files WHERE tags @> '{json.dumps({'event': TEST_EVENT})}'", True),
            "a_driver": (f"SELECT file_id, name, start_time FROM hdaq.files WHERE properties @> "
                         f"'{json.dumps({'driver': 'Ada', 'car': 'HT08'})}'", False),
            "b_signal_file": (f"SELECT count(*), sum(value) FROM hdaq.signal('{TOPIC}', '{PATH}', file_id => {one})", True),
            "c_signal_window": (f"SELECT count(*), sum(value) FROM hdaq.signal('{TOPIC}', '{PATH}', {ts_sql(w0)}, "
                                f"{ts_sql(w0 + datetime.timedelta(seconds=10))})", True),
            "d_downsample_test_week": (f"SELECT count(*), sum(value) FROM hdaq.downsample('{TOPIC}', '{PATH}', {ts_sql(week0)}, "
                                       f"{ts_sql(week1)}, {bucket})", True),
            "d_downsample_latest_week": (f"SELECT count(*), sum(value) FROM hdaq.downsample('{TOPIC}', '{PATH}', {ts_sql(latest0)}, "
                                         f"{ts_sql(latest1)}, {bucket})", False),
        }

    def runs_in(self, start, end):
        return int(self.sql.value(
            f"SELECT count(*) FROM hdaq.file WHERE end_time >= {ts_sql(start)} AND start_time <= {ts_sql(end)}"))

    def time_reads(self, queries):
        sess = B.Psql(dbname=DB, appname="hdaq-many-read")
        try:
            times = {k: [] for k in queries}
            rows = {}
            for k, (q, _) in queries.items():
                rows[k] = sess.query(q)
            for _ in range(self.args.reps):
                for k, (q, _) in queries.items():
                    rows[k], ms = sess.query(q, timed=True)
                    times[k].append(ms)
            return times, rows
        finally:
            sess.close()

    def explain(self, sql):
        """The plans of the statements hdaq runs for one query, as
        auto_explain prints them (nested statements, with buffers): a
        list of {"sql", "ms", "plan"}, the same statement's plans merged
        with a count."""
        script = (
            "LOAD 'auto_explain';\n"
            "SET auto_explain.log_min_duration = 0;\n"
            "SET auto_explain.log_nested_statements = on;\n"
            "SET auto_explain.log_analyze = on;\n"
            "SET auto_explain.log_buffers = on;\n"
            "SET auto_explain.log_timing = on;\n"
            "SET auto_explain.log_level = notice;\n"
            "SET client_min_messages = notice;\n"
            f"{sql};\n"
        )
        p = subprocess.run(["psql", "-X", "-q", "-d", DB, "-v", "ON_ERROR_STOP=1"], input=script,
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(p.stderr[-2000:])
        plans = []
        for part in re.split(r"^(?:psql:[^\n]*?: )?NOTICE:  duration: ", p.stderr, flags=re.M)[1:]:
            m = re.match(r"([0-9.]+) ms  plan:\s*\nQuery Text: (.*?)\n(.*)", part, re.S)
            if not m:
                continue
            text = m.group(2).strip()
            if text.lstrip().startswith(sql.strip()[:30]):
                continue  # the query itself
            plans.append({"sql": text, "ms": float(m.group(1)), "plan": m.group(3).rstrip()})
        merged = {}
        for pl in plans:
            e = merged.setdefault(pl["sql"], {"sql": pl["sql"], "count": 0, "ms": 0.0, "plan": pl["plan"],
                                              "buffers": 0, "rows_removed": 0})
            e["count"] += 1
            e["ms"] += pl["ms"]
            e["buffers"] += buffers_of(pl["plan"])
            e["rows_removed"] += sum(int(x) for x in re.findall(r"Rows Removed by (?:Filter|Index Recheck): (\d+)", pl["plan"]))
        return sorted(merged.values(), key=lambda e: -e["ms"])

    # -- f: several sessions at once

    def concurrency(self, sql):
        """Panels a second when 1, 2, 4, 8 sessions run the query together
        for a few seconds each (pgbench, connections made beforehand)."""
        script = os.path.join(self.work, "panel.sql")
        with open(script, "w") as fh:
            fh.write(sql + ";\n")
        out = {}
        for clients in (1, 2, 4, 8):
            p = subprocess.run(["pgbench", "-n", "-c", str(clients), "-j", str(min(clients, 2)), "-T",
                                str(self.args.concurrency_seconds), "-f", script, DB],
                               capture_output=True, text=True)
            if p.returncode != 0:
                raise RuntimeError(f"pgbench failed: {p.stderr[-1000:]}")
            tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", p.stdout)
            lat = re.search(r"latency average = ([0-9.]+) ms", p.stdout)
            out[clients] = {"per_s": float(tps.group(1)), "latency_ms": float(lat.group(1)) if lat else None}
        return out

    # -- e: one more file

    def time_ingest(self, n_step):
        """Ingest a few extra files (after the season) through the hdaq
        command and through SQL, timed, then delete them again."""
        reps = self.args.ingest_reps
        plans = [probe_plan(k) for k in range(2 * reps)]
        d = os.path.join(self.work, "probe")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        spec = [{"out": os.path.join(d, p["name"]), "base": self.bases[p["base"]], "start": str(ns(p["start"])),
                 "metadata": p["metadata"]} for p in plans]
        with open(os.path.join(d, "plan.json"), "w") as fh:
            json.dump(spec, fh)
        subprocess.run(["node", os.path.join(GEN, "gen-many.mjs"), os.path.join(d, "plan.json")], check=True,
                       stdout=subprocess.DEVNULL)
        cmd_s, sql_ms = [], []
        env = dict(os.environ, PGDATABASE=DB)
        for k in range(reps):
            p = plans[2 * k]
            tags = [a for key, v in p["tags"].items() for a in ("-t", f"{key}={v}")]
            cmd_s.append(B.run_timed([HDAQ, "ingest", *tags, spec[2 * k]["out"]], env=env)[0])
            p = plans[2 * k + 1]
            sql_ms.append(self.sql.query(ingest_sql(spec[2 * k + 1]["out"], p["name"], p["tags"]), timed=True)[1])
        file_bytes = os.path.getsize(spec[0]["out"])
        stored = int(self.sql.value("SELECT count(*) FROM hdaq.file WHERE tags @> '{\"event\": \"probe\"}'"))
        self.check(f"the {2 * reps} extra files of step {n_step} were stored", stored == 2 * reps, f"{stored}")
        self.sql.query("SELECT hdaq.delete_file(file_id) FROM hdaq.file WHERE tags @> '{\"event\": \"probe\"}'")
        shutil.rmtree(d, ignore_errors=True)
        return {"command_s": cmd_s, "sql_ms": sql_ms, "file_bytes": file_bytes}

    # -- one step

    def step(self, have, n):
        B.log(f"step {n}: storing runs {have} to {n - 1}")
        st = {"files": n}
        times, wall, batches = self.grow(have, n)
        st["bulk"] = {"files": len(times), "wall_s": wall, "median_ms": B.median(times), "batches": batches,
                      "p90_ms": sorted(times)[int(0.9 * (len(times) - 1))] if times else None,
                      "files_per_s": len(times) / wall if wall else None}
        t0 = time.perf_counter()
        self.sql.query("VACUUM ANALYZE")
        self.sql.query("CHECKPOINT")
        st["vacuum_s"] = time.perf_counter() - t0
        st["size"] = self.size()
        self.check(f"step {n}: the store holds {n} files", st["size"]["files"] == n, str(st["size"]["files"]))
        queries = self.reads(n)
        last = run_plan(n - 1)["start"]
        st["latest_week_runs"] = self.runs_in(last - datetime.timedelta(days=7), last + datetime.timedelta(seconds=BASE_SECONDS + 1))
        st["test_week_runs"] = self.runs_in(T0, T0 + datetime.timedelta(days=7))
        B.log(f"  timing the reads ({self.args.reps} runs each)")
        times, rows = self.time_reads(queries)
        st["reads"] = {}
        for k, (q, fixed) in queries.items():
            r = {"ms": times[k], "median_ms": B.median(times[k]), "rows": len(rows[k]), "result": rows[k][:1] if k[0] != "a" else None}
            if k[0] == "a":
                r["result"] = [len(rows[k])]
            st["reads"][k] = r
            if fixed:
                ref = self.reference.setdefault(k, r["result"])
                self.check(f"step {n}: {k} returns what it returned at the first step", r["result"] == ref,
                           f"{r['result']} vs {ref}")
        B.log("  plans of the statements hdaq runs")
        st["plans"] = {}
        for k, (q, _) in queries.items():
            if k == "d_downsample_latest_week" and n > 1000:
                continue  # one segment statement per run: long, and the same plans as the test week's
            st["plans"][k] = self.explain(q)
        B.log("  sessions at once (pgbench)")
        st["concurrency"] = self.concurrency(queries["d_downsample_test_week"][0])
        st["concurrency_latest"] = self.concurrency(queries["d_downsample_latest_week"][0])
        B.log("  ingest of one more file")
        st["ingest"] = self.time_ingest(n)
        self.sql.query("VACUUM ANALYZE")
        for k, r in st["reads"].items():
            B.log(f"  {k}: {r['median_ms']:.2f} ms ({r['rows']} rows)")
        B.log(f"  ingest: command {B.median(st['ingest']['command_s']) * 1e3:.0f} ms, SQL {B.median(st['ingest']['sql_ms']):.0f} ms; "
              f"store {st['size']['hdaq_bytes'] / 1e6:.0f} MB")
        return st

    def run(self):
        t0 = time.perf_counter()
        self.setup()
        have = 0
        for n in self.args.steps:
            try:
                st = self.step(have, n)
                self.results["steps"].append(st)
            except Exception as e:
                traceback.print_exc()
                self.failed.append(n)
                self.results["steps"].append({"files": n, "error": str(e)[:2000]})
                break
            have = n
            with open(self.args.out_json, "w") as fh:
                json.dump(self.results, fh, indent=1, default=str)
        self.sql.close()
        env = self.results["env"]
        env["load_at_end"] = os.getloadavg()[0]
        env["bench_seconds"] = round(time.perf_counter() - t0, 1)
        env["base_file_bytes"] = self.base_bytes


def buffers_of(plan):
    """Shared buffers (hit + read) of a plan's top node."""
    m = re.search(r"Buffers: shared ([^\n]*)", plan)
    if not m:
        return 0
    return sum(int(x) for x in re.findall(r"(?:hit|read)=(\d+)", m.group(1)))


# ---- the report ------------------------------------------------------------------------


LABELS = {
    "a_event": "a. `hdaq.files WHERE tags @> '{\"event\": …}'` (the test week's 10 runs)",
    "a_driver": "a. `hdaq.files WHERE properties @> '{\"driver\": …, \"car\": …}'` (1 run in 16: grows with the store)",
    "b_signal_file": f"b. `hdaq.signal('{TOPIC}', '{PATH}', file_id => …)`: one run",
    "c_signal_window": "c. the same signal, every run, a 10 s window (2 runs)",
    "d_downsample_test_week": "d. `hdaq.downsample` over the test week, 1,000 buckets (10 runs)",
    "d_downsample_latest_week": "d. `hdaq.downsample` over the latest week (every run of it: grows to 504)",
}


SHORT = {
    "b_signal_file": "b",
    "c_signal_window": "c",
    "d_downsample_test_week": "d, test week",
    "d_downsample_latest_week": "d, latest week",
}


def run_minutes(env):
    return f"{env.get('bench_seconds', 0) / 60:.0f} minutes on this machine"


def fmt_ms(ms):
    if ms is None:
        return "—"
    if ms >= 1000:
        return f"{ms / 1e3:.2f} s"
    if ms >= 10:
        return f"{ms:.0f} ms"
    return f"{ms:.2f} ms"


def fmt_n(n):
    return f"{n:,}"


def short_sql(s):
    s = re.sub(r"\s+", " ", s)
    return s if len(s) < 140 else s[:137] + "..."


def render(results, args):
    env = results["env"]
    steps = [s for s in results["steps"] if "error" not in s]
    L = []
    w = L.append
    w("## Many runs in one store")
    w("")
    if env["mode"] == "quick":
        w("_Quick run (up to 1,000 files, few repetitions): it shows the harness works._")
        w("")
    w(f"- **date**: {env['date']}; whole run {env.get('bench_seconds', 0) / 60:.1f} min")
    w(f"- **machine**: {env['cores']} cores ({env['cpu']}), {env['memory_gb']} GB memory, Linux {env['kernel']}; "
      f"load average {env['load_at_start']:.1f} at the start, {env.get('load_at_end', 0):.1f} at the end")
    s = env["settings"]
    w(f"- **PostgreSQL** {env['postgres']} (throwaway cluster from pg_virtualenv: shared_buffers {s.get('shared_buffers')}, "
      f"work_mem {s.get('work_mem')}, fsync {s.get('fsync')}, autovacuum {s.get('autovacuum')}); hdaq at commit {env['hdaq_git']}")
    w(f"- **data**: runs of {BASE_SECONDS} s (~2,400 messages, {env.get('base_file_bytes', 0) / 1e3:.0f} kB a file, "
      f"most of it the files' 17 schemas, which the store keeps once): {BASES} sessions of `gen-session.mjs` "
      "moved in time by `gen-many.mjs`. A test week of 10 runs (two cars, one run each a day for five days, "
      "event `winter test`), then a season: a run of each car every 40 minutes, one event a week, "
      "drivers in turn; tags `car`, `driver`, `event` given at ingest, a Metadata record `session` per file")
    w(f"- **method**: the store grows by steps; at each step `VACUUM ANALYZE`, then each read in a fresh session, "
      f"median of {env['reps']} runs after one unmeasured run (psql `\\timing`). The reads marked fixed return the "
      "same result at every step (checked), so that only the store around them changes; ingest of one more file "
      "is the median of a few files, ingested then deleted")
    w("")
    w("### Time against the number of files")
    w("")
    head = "| read | " + " | ".join(fmt_n(s["files"]) + " files" for s in steps) + " |"
    w(head)
    w("|---|" + "---|" * len(steps))
    for k, label in LABELS.items():
        cells = []
        for s in steps:
            r = s["reads"].get(k)
            if r is None:
                cells.append("—")
                continue
            extra = ""
            if k == "a_driver":
                extra = f" ({r['rows']} rows)"
            if k == "d_downsample_latest_week":
                extra = f" ({s['latest_week_runs']} runs)"
            cells.append(fmt_ms(r["median_ms"]) + extra)
        w(f"| {label} | " + " | ".join(cells) + " |")
    cells = [f"{B.median(s['ingest']['command_s']) * 1e3:.0f} ms" for s in steps]
    w("| e. ingest one more file: `hdaq ingest -t … FILE` (connecting, hashing, large object, commit) | " + " | ".join(cells) + " |")
    cells = [fmt_ms(B.median(s["ingest"]["sql_ms"])) for s in steps]
    w("| e. ingest one more file: `hdaq.ingest(pg_read_binary_file(…), name, tags)` | " + " | ".join(cells) + " |")
    for key, what in (("concurrency", "test-week"), ("concurrency_latest", "latest-week")):
        for c in ("1", "2", "4", "8"):
            cells = []
            for s in steps:
                r = s.get(key, {}).get(c) or s.get(key, {}).get(int(c))
                cells.append(f"{r['per_s']:,.0f}/s ({fmt_ms(r['latency_ms'])} each)" if r else "—")
            w(f"| f. {what} downsample, {c} session{'s' if c != '1' else ''} at once: panels a second (pgbench) | "
              + " | ".join(cells) + " |")
    cells = [f"{fmt_ms(s['bulk']['median_ms'])} ({s['bulk']['files_per_s']:.0f} files/s)" for s in steps]
    w("| bulk ingest of the step's new files, median a file (rate) | " + " | ".join(cells) + " |")
    bulk = [(s["files"], s["bulk"].get("batches")) for s in steps if s["bulk"].get("batches")]
    if bulk:
        n_last, batches = bulk[-1]
        w("")
        w(f"Bulk ingest as the store grew to {fmt_n(n_last)} files, median a file of each batch of {BATCH}: "
          + ", ".join(f"{fmt_ms(b['median_ms'])} at {fmt_n(b['stored'])}" for b in batches[:: max(1, len(batches) // 8)])
          + f" (last batch {fmt_ms(batches[-1]['median_ms'])}).")
    w("")
    w("### The store on disk")
    w("")
    w("| files | channels | segments | hdaq's tables and indexes | per file | of which indexes | database | MCAP bytes ingested |")
    w("|---|---|---|---|---|---|---|---|")
    for s in steps:
        z = s["size"]
        idx = sum(t["indexes"] for t in z["tables"].values())
        w(f"| {fmt_n(z['files'])} | {fmt_n(z['channels'])} | {fmt_n(z['segments'])} | {z['hdaq_bytes'] / 1e6:,.1f} MB | "
          f"{z['hdaq_bytes'] / z['files'] / 1e3:,.0f} kB | {idx / 1e6:,.1f} MB | {z['database_bytes'] / 1e6:,.0f} MB | "
          f"{z['file_bytes'] / 1e6:,.0f} MB |")
    if steps:
        last = steps[-1]["size"]
        w("")
        w("By table at " + fmt_n(last["files"]) + " files: " + "; ".join(
            f"{name} {t['total'] / 1e6:,.1f} MB (indexes {t['indexes'] / 1e6:,.1f} MB)" for name, t in last["tables"].items()) + ".")
    w("")
    w("### The statements hdaq runs for each read")
    w("")
    w("Shared buffers touched (hit + read) by each statement the function runs, summed over its executions, "
      "from `auto_explain` (nested statements, `log_analyze`, `log_buffers`). A probe touches the same number "
      "of buffers whatever the store's size.")
    w("")
    w("| read | statement | runs | " + " | ".join(fmt_n(s["files"]) for s in steps) + " |")
    w("|---|---|---|" + "---|" * len(steps))
    for k in LABELS:
        if k.startswith("a_"):
            continue
        stmts = []
        for s in steps:
            for p in s["plans"].get(k, []):
                if p["sql"] not in stmts:
                    stmts.append(p["sql"])
        for sql in stmts:
            cells, count = [], None
            for s in steps:
                p = next((p for p in s["plans"].get(k, []) if p["sql"] == sql), None)
                if p is None:
                    cells.append("—")
                else:
                    count = p["count"] if count is None else count
                    cells.append(f"{fmt_n(p['buffers'])}" + (f" ({fmt_n(p['rows_removed'])} rows filtered)" if p["rows_removed"] else ""))
            w(f"| {SHORT[k]} | `{short_sql(sql)}` | {count} | " + " | ".join(cells) + " |")
    if steps:
        last = steps[-1]
        w("")
        w(f"Plans at {fmt_n(last['files'])} files of the statements that find the channels of the window's reads:")
        w("")
        w("```")
        shown = set()
        for k in ("c_signal_window", "d_downsample_test_week", "b_signal_file"):
            for p in last["plans"].get(k, []):
                if p["sql"].startswith("SELECT channel_key") and p["sql"] not in shown:
                    shown.add(p["sql"])
                    w(f"-- {k}: {short_sql(p['sql'])}")
                    w(p["plan"])
                    w("")
        w("```")
    w("")
    bad = [c for c in results["checks"] if not c["ok"]]
    w(f"Checks: {len(results['checks']) - len(bad)} of {len(results['checks'])} passed" +
      ("." if not bad else ": " + "; ".join(f"**failed** {c['what']} ({c['detail']})" for c in bad)))
    errors = [s for s in results["steps"] if "error" in s]
    for s in errors:
        w("")
        w(f"Step {fmt_n(s['files'])} failed: `{s['error'][:500]}`")
    analysis = os.path.join(HERE, "many-files-analysis.md")
    if os.path.exists(analysis) and env["mode"] == "full":
        w("")
        with open(analysis) as fh:
            w(fh.read().rstrip())
    w("")
    sizes = ",".join(str(s["files"]) for s in results["steps"])
    this = "make bench MANY=1" + ("" if sizes == "10,100,1000,10000" else f" MANY_STEPS={sizes}")
    w(f"Reproduce: `{this}` (this run, {run_minutes(env)}); `make bench MANY=1` grows the store to 10,000 files "
      "(a few minutes), `make bench MANY=1 QUICK=1` to 1,000 (under a minute); the raw numbers are in "
      "`bench/many-files.json`.")
    return "\n".join(L) + "\n"


def splice(results_md, section):
    """Put the section into RESULTS.md in place of its previous version
    (from its heading to the next "## " heading), or before "## Reproduce"."""
    text = open(results_md).read() if os.path.exists(results_md) else "# hdaq benchmark results\n\n"
    head = "## Many runs in one store"
    if head in text:
        a = text.index(head)
        m = re.search(r"^## ", text[a + len(head):], re.M)
        b = a + len(head) + m.start() if m else len(text)
        text = text[:a] + section + ("\n" if m else "") + text[b:]
    elif "## Reproduce" in text:
        a = text.index("## Reproduce")
        text = text[:a] + section + "\n" + text[a:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(results_md, "w") as fh:
        fh.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-dir", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out-md", required=True, help="the section, as its own file")
    ap.add_argument("--out-json", required=True)
    ap.add_argument("--results-md", help="also put the section into this RESULTS.md")
    ap.add_argument("--steps", default="10,100,1000,10000")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--ingest-reps", type=int, default=5)
    ap.add_argument("--concurrency-seconds", type=int, default=5)
    ap.add_argument("--mode", default="full", choices=["quick", "full"])
    ap.add_argument("--render-only", action="store_true", help="rewrite the report from --out-json")
    args = ap.parse_args()
    args.steps = [int(x) for x in args.steps.split(",")]

    if args.render_only:
        with open(args.out_json) as f:
            results = json.load(f)
    else:
        m = Many(args)
        with open(os.path.join(m.work, "started"), "w") as f:
            f.write(str(os.getpid()))
        m.run()
        results = m.results
        results["failed_steps"] = m.failed
        with open(args.out_json, "w") as f:
            json.dump(results, f, indent=1, default=str)
    section = render(results, args)
    with open(args.out_md, "w") as f:
        f.write(section)
    if args.results_md:
        splice(args.results_md, section)
    B.log(f"wrote {args.out_md}")
    done = [s for s in results["steps"] if "error" not in s]
    failed_checks = [c for c in results["checks"] if not c["ok"]]
    wanted = len(results["steps"]) if args.render_only else len(args.steps)
    failed = wanted - len(done) + (1 if failed_checks else 0)
    print(f"many-files: {len(done) - (1 if failed_checks else 0)} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
