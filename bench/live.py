#!/usr/bin/env python3
"""Measure live sessions: a log queried while the car still writes it.

Runs against the server in the PG* environment (bench/run --live starts a
throwaway one).  Every figure is measured in this run, each beside its
baseline where it has one:

  visibility  bench/gen/grow.mjs writes a session in real time (32 KiB zstd
              chunks) while `hdaq ingest --follow` stores it; a poller asks
              the server every 50 ms how many messages of the file it has.
              A chunk's latency runs from the moment its last byte was in
              the file (grow.mjs's events log) to the first answer that
              counts its messages.  At the car's rate (about 1,200 msg/s)
              and at 10 times that.
  cpu         CPU time of the backend serving the follower, per second of
              recording (from /proc/PID/stat).
  compacted   the same file stored whole by `hdaq ingest` into another
              database (the baseline): storage of the segments, and
              hdaq.signal over the run, median of several runs each.
  resume      a large generated file uploaded by `hdaq ingest`, killed
              (SIGKILL) when the server holds half of it, again at 90%,
              then run to the end: bytes sent in all (the command's
              --verbose append lines) against the file's size; the stored
              file's sha256 and message count against the local file's.

    live.py --out-md FILE --out-json FILE [--quick] [--big FILE]

The last line printed is "live: N passed, M failed": a figure passes when
it was measured; checks (the stored copy equals the file, the follower
exited cleanly) fail when they do not hold.  No figure fails for being
slow: the targets are judged in the report.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bench import Psql, psql_cmd, log  # noqa: E402

HDAQ = os.environ.get("HDAQ_COMMAND", os.path.join(ROOT, "src", "cli", "hdaq"))
GROW = os.path.join(HERE, "gen", "grow.mjs")
GEN = os.path.join(HERE, "gen", "gen-session.mjs")
LIVE_DB = "hdaq_live"
WHOLE_DB = "hdaq_live_whole"
SIGNAL = ("VehicleData", "current_rpms.FL")


def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return None
    k = (len(xs) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def fresh_db(name):
    psql_cmd(f"DROP DATABASE IF EXISTS {name}", "postgres")
    psql_cmd(f"CREATE DATABASE {name}", "postgres")
    psql_cmd("CREATE EXTENSION hdaq", name)


def proc_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def read_events(path):
    events = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                events.append(json.loads(line))
    return events


class Poller(threading.Thread):
    """Asks every 50 ms how many messages of the file the server has."""

    def __init__(self, name):
        super().__init__(daemon=True)
        self.name_ = name
        self.samples = []
        self.stop = threading.Event()

    def run(self):
        db = Psql(LIVE_DB, "hdaq-live-poller")
        q = f"SELECT coalesce(sum(message_count), 0) FROM hdaq.file WHERE name = '{self.name_}'"
        while not self.stop.is_set():
            n = int(db.value(q))
            self.samples.append((time.time_ns(), n))
            time.sleep(0.05)
        db.close()


def follower_backend_pid(db, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        pid = db.value("SELECT pid FROM pg_stat_activity WHERE application_name = 'hdaq' "
                       f"AND datname = '{LIVE_DB}' ORDER BY backend_start DESC LIMIT 1")
        if pid:
            return int(pid)
        time.sleep(0.05)
    return None


def visibility(work, rate, seconds, results, checks):
    """One live session: grow.mjs writes, the follower stores, the poller asks."""
    name = f"live-rate{rate}.mcap"
    path = os.path.join(work, name)
    events_path = path + ".events"
    for p in (path, events_path):
        if os.path.exists(p):
            os.remove(p)
    fresh_db(LIVE_DB)
    env = dict(os.environ, PGDATABASE=LIVE_DB)
    wal = Psql(LIVE_DB, "hdaq-live-wal")
    lsn0 = wal.value("SELECT pg_current_wal_lsn()")
    grow = subprocess.Popen(["node", GROW, "--out", path, "--seconds", str(seconds), "--rate", str(rate),
                             "--chunk-size", "32768", "--events", events_path],
                            stdout=subprocess.PIPE, text=True)
    while not os.path.exists(path):
        time.sleep(0.01)
    follower = subprocess.Popen([HDAQ, "ingest", "--follow", "--commit-interval", "1", "--idle-timeout", "30",
                                 path], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    poller = Poller(name)
    poller.start()
    db = Psql(LIVE_DB, "hdaq-live-watch")
    pid = follower_backend_pid(db)
    cpu0 = proc_cpu_seconds(pid) if pid else None
    t0 = time.time()
    cpu1 = None
    grow_out, _ = grow.communicate()
    while follower.poll() is None:
        if pid and os.path.exists(f"/proc/{pid}"):
            cpu1 = proc_cpu_seconds(pid)
        time.sleep(0.1)
    wall = time.time() - t0
    wal_bytes = int(wal.value(f"SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '{lsn0}')"))
    wal.close()
    time.sleep(0.3)
    poller.stop.set()
    poller.join()
    out, err = follower.stdout.read(), follower.stderr.read()
    checks.append((f"follower at rate {rate} exits 0", follower.returncode == 0, err.strip()[-300:]))
    state = db.value(f"SELECT string_agg(state, ',') FROM hdaq.file WHERE name = '{name}'")
    checks.append((f"file at rate {rate} complete", state == "complete", f"state {state}"))
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    stored = db.value(f"SELECT encode(sha256, 'hex') FROM hdaq.file WHERE name = '{name}'")
    checks.append((f"file at rate {rate} stored byte for byte", stored == digest, f"{stored} != {digest}"))
    db.close()

    events = read_events(events_path)
    latencies = []
    cumulative = 0
    samples = poller.samples
    j = 0
    for ev in events:
        cumulative += int(ev["messages"])
        written = int(ev["wall_ns"])
        while j < len(samples) and (samples[j][1] < cumulative or samples[j][0] < written):
            j += 1
        if j < len(samples):
            latencies.append(max(0, samples[j][0] - written) / 1e9)
    summary = json.loads(grow_out.strip().splitlines()[-1])
    fig = {
        "rate": rate,
        "seconds": seconds,
        "messages": summary.get("messages"),
        "chunks": len(events),
        "latency_median_s": percentile(latencies, 0.5),
        "latency_p99_s": percentile(latencies, 0.99),
        "latency_max_s": max(latencies) if latencies else None,
        "chunks_measured": len(latencies),
        "backend_cpu_s": (cpu1 - cpu0) if (cpu0 is not None and cpu1 is not None) else None,
        "wall_s": wall,
        "file_bytes": os.path.getsize(path),
        "wal_bytes": wal_bytes,
        "wal_per_file_byte": wal_bytes / os.path.getsize(path),
    }
    if fig["backend_cpu_s"] is not None:
        fig["backend_cpu_per_s"] = fig["backend_cpu_s"] / seconds
    results[f"visibility_rate{rate}"] = fig
    log(f"rate {rate}: median {fig['latency_median_s']:.3f} s, p99 {fig['latency_p99_s']:.3f} s, "
        f"backend CPU {fig.get('backend_cpu_per_s', float('nan')):.3f} s/s")
    return path


SIGNAL_SQL = (f"SELECT count(*), sum(value) FROM hdaq.signal('{SIGNAL[0]}', '{SIGNAL[1]}', "
              "file_id => (SELECT file_id FROM hdaq.file LIMIT 1))")


def compacted(path, results, checks, reps=15):
    """The live file (in LIVE_DB) against the same file stored whole, in one
    transaction, by hdaq.ingest_lo (the baseline).  hdaq.signal is timed on
    the two in turn, so that the machine's noise hits both alike."""
    fresh_db(WHOLE_DB)
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", WHOLE_DB],
                   input=f"\\lo_import '{path}'\nSELECT hdaq.ingest_lo(:LASTOID, 'whole'), lo_unlink(:LASTOID);\n",
                   text=True, check=True, stdout=subprocess.DEVNULL)
    dbs = {name: Psql(name, "hdaq-live-compare") for name in (LIVE_DB, WHOLE_DB)}
    sizes, times = {}, {name: [] for name in dbs}
    for name, db in dbs.items():
        db.query("VACUUM ANALYZE hdaq.segment")
        rows = db.query("SELECT count(*), sum(pg_column_size(data)), sum(uncompressed_size) FROM hdaq.segment")
        sizes[name] = {"segments": int(rows[0][0]), "bytes": int(rows[0][1]), "uncompressed": int(rows[0][2]),
                       "signal": db.query(SIGNAL_SQL)[0]}
    for _ in range(reps):
        for name, db in dbs.items():
            times[name].append(db.query(SIGNAL_SQL, timed=True)[1])
    for name, db in dbs.items():
        sizes[name]["signal_ms"] = statistics.median(times[name])
        db.close()
    live, whole = sizes[LIVE_DB], sizes[WHOLE_DB]
    checks.append(("live and whole give the same signal", live["signal"] == whole["signal"],
                   f"{live['signal']} != {whole['signal']}"))
    results["compacted"] = {"live": live, "whole": whole,
                            "storage_ratio": live["bytes"] / whole["bytes"],
                            "signal_ratio": live["signal_ms"] / whole["signal_ms"]}
    log(f"compacted: storage {live['bytes']} / {whole['bytes']} = {live['bytes'] / whole['bytes']:.3f}, "
        f"signal {live['signal_ms']:.1f} / {whole['signal_ms']:.1f} ms")


def stored_bytes(db, name):
    v = db.value(f"SELECT coalesce(max(stored_bytes), 0) FROM hdaq.file WHERE name = '{name}'")
    return int(v or 0)


def upload_until(path, fraction, env, db, name):
    """Run `hdaq ingest -v`; kill it once the server holds fraction of the file
    (fraction None: let it finish).  Returns the bytes its append lines sent."""
    size = os.path.getsize(path)
    proc = subprocess.Popen([HDAQ, "ingest", "--verbose", path], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    if fraction is not None:
        while proc.poll() is None and stored_bytes(db, name) < fraction * size:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    reader.join()
    sent = 0
    for line in lines:
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "append":
            sent += int(parts[2])
    return sent, proc.returncode


def resume(big, results, checks):
    name = os.path.basename(big)
    size = os.path.getsize(big)
    fresh_db(LIVE_DB)
    env = dict(os.environ, PGDATABASE=LIVE_DB)
    db = Psql(LIVE_DB, "hdaq-live-resume")
    runs = []
    t0 = time.time()
    for fraction in (0.5, 0.9, None):
        sent, rc = upload_until(big, fraction, env, db, name)
        runs.append({"killed_at": fraction, "bytes_sent": sent, "stored_after": stored_bytes(db, name),
                     "exit": rc})
        log(f"resume: run to {fraction or 'the end'}: sent {sent}, server holds {runs[-1]['stored_after']}")
    wall = time.time() - t0
    digest = hashlib.sha256()
    with open(big, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    row = db.query(f"SELECT state, encode(sha256, 'hex'), message_count FROM hdaq.file WHERE name = '{name}'")
    db.close()
    total = sum(r["bytes_sent"] for r in runs)
    checks.append(("resumed upload complete", bool(row) and row[0][0] == "complete", str(row)))
    checks.append(("resumed upload byte for byte", bool(row) and row[0][1] == digest.hexdigest(), str(row)))
    checks.append(("the last run exits 0", runs[-1]["exit"] == 0, str(runs[-1])))
    results["resume"] = {"file_bytes": size, "runs": runs, "bytes_sent": total, "ratio": total / size,
                         "messages": int(row[0][2]) if row else None, "wall_s": wall}
    log(f"resume: {total} bytes sent for {size} ({total / size:.4f})")


def report(results, checks, args):
    v1, v10 = results.get("visibility_rate1", {}), results.get("visibility_rate10", {})
    c, r = results.get("compacted", {}), results.get("resume", {})

    def s(x, fmt="{:.2f}"):
        return "n/a" if x is None else fmt.format(x)

    lines = [
        "## Live sessions",
        "",
        f"Measured {datetime.date.today().isoformat()} on {platform.node()} ({os.cpu_count()} cores), "
        f"mode {'quick' if args.quick else 'full'}, by `bench/live.py`.  The writer is "
        "`bench/gen/grow.mjs` (32 KiB zstd chunks, real time), the follower "
        "`hdaq ingest --follow --commit-interval 1`, the reader a query every 50 ms of the file's "
        "`message_count` (updated in the transaction that stores the segments).  A chunk's latency "
        "runs from its last byte in the file (the writer's events log) to the first answer counting "
        f"its messages.  Load average at the end: {os.getloadavg()[0]:.1f}.",
        "",
        "| figure | at 1,200 msg/s | at 12,000 msg/s | target |",
        "|---|---|---|---|",
        f"| visibility, median | {s(v1.get('latency_median_s'))} s | {s(v10.get('latency_median_s'))} s | ≤ 2 s at 1,200 msg/s |",
        f"| visibility, p99 | {s(v1.get('latency_p99_s'))} s | {s(v10.get('latency_p99_s'))} s | ≤ 5 s at 1,200 msg/s |",
        f"| visibility, max | {s(v1.get('latency_max_s'))} s | {s(v10.get('latency_max_s'))} s | |",
        f"| chunks measured | {v1.get('chunks_measured', 'n/a')} | {v10.get('chunks_measured', 'n/a')} | |",
        f"| backend CPU per second of recording | {s(v1.get('backend_cpu_per_s'), '{:.3f}')} s | "
        f"{s(v10.get('backend_cpu_per_s'), '{:.3f}')} s | |",
        f"| WAL written per byte of the file (the whole server, during the session) | "
        f"{s(v1.get('wal_per_file_byte'))} | {s(v10.get('wal_per_file_byte'))} | |",
        "",
    ]
    if c:
        lines += [
            "The file recorded live at 1,200 msg/s, compacted when its footer arrived, against the same "
            "file stored whole in one transaction by `hdaq.ingest_lo` (the baseline); `hdaq.signal` "
            "timed on the two in turn:",
            "",
            "| | live, compacted | whole | ratio | target |",
            "|---|---|---|---|---|",
            f"| segments | {c['live']['segments']} | {c['whole']['segments']} | | |",
            f"| stored bytes | {c['live']['bytes']:,} | {c['whole']['bytes']:,} | {c['storage_ratio']:.3f} | ≤ 1.05 |",
            f"| `hdaq.signal` over the run, median | {c['live']['signal_ms']:.1f} ms | "
            f"{c['whole']['signal_ms']:.1f} ms | {c['signal_ratio']:.3f} | ≤ 1.1 |",
            "",
        ]
    if r:
        lines += [
            f"Resume: a generated file of {r['file_bytes']:,} bytes uploaded by `hdaq ingest`, killed with "
            "SIGKILL when the server held 50%, again at 90%, then run to the end:",
            "",
            "| run | bytes sent | server holds after |",
            "|---|---|---|",
        ]
        for run in r["runs"]:
            label = f"killed at {int(run['killed_at'] * 100)}%" if run["killed_at"] else "to the end"
            lines.append(f"| {label} | {run['bytes_sent']:,} | {run['stored_after']:,} |")
        lines += ["", f"Bytes sent in all: {r['bytes_sent']:,}, **{r['ratio']:.4f}×** the file (target ≤ 1.01×); "
                  f"{r['wall_s']:.0f} s in all.", ""]
    failed = [c for c in checks if not c[1]]
    lines.append(f"Checks: {len(checks) - len(failed)} of {len(checks)} hold" +
                 ("." if not failed else ": " + "; ".join(f"{c[0]} ({c[2]})" for c in failed)))
    lines.append("")
    with open(args.out_md, "w") as f:
        f.write("\n".join(lines))
    with open(args.out_json, "w") as f:
        json.dump({"results": results, "checks": checks}, f, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-md", required=True)
    ap.add_argument("--out-json", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--big", help="the file of the resume figure (generated if absent)")
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench", "live"))
    ap.add_argument("--only", choices=["visibility", "resume"], help="measure only these figures")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    results, checks, errors = {}, [], []

    def figure(name, fn):
        try:
            return fn()
        except Exception as e:  # a figure that raised is reported, the others go on
            errors.append(name)
            checks.append((f"{name} measured", False, repr(e)[:300]))
            log(f"{name}: {e!r}")
            return None

    seconds1, seconds10 = (30, 15) if args.quick else (120, 60)
    if args.only != "resume":
        path1 = figure("visibility at 1,200 msg/s", lambda: visibility(args.work, 1, seconds1, results, checks))
        if path1:
            figure("compacted against whole", lambda: compacted(path1, results, checks))
        figure("visibility at 12,000 msg/s", lambda: visibility(args.work, 10, seconds10, results, checks))
    if args.big and args.only != "visibility":
        figure("resume", lambda: resume(args.big, results, checks))
    report(results, checks, args)
    failed = sum(1 for c in checks if not c[1])
    print(f"live: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
