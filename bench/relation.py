#!/usr/bin/env python3
"""The message relation: hdaq.message (a foreign table whose scan streams
rows) against the set-returning function hdaq.messages() and against the
baselines of figure 3, and a Grafana panel's query on it and on the sample
relation hdaq.sample against hdaq.downsample and hdaq.signal.

  - every message of a 10-minute session (--short): through the relation
    (count(*); sum(length(data)); sum(get_byte(data, 0)), which copies each
    message's bytes out), through hdaq.messages() (its tuplestore), by
    @mcap/core reading the file (bench/gen/read-all.mjs), and `zstd -d` of
    the file's chunk payloads;
  - a Grafana panel over a 1-hour session (--long) into 1,000 buckets, its
    macros expanded as Grafana expands them: messages per bucket of one
    topic and of every topic on the relation, the average of one signal
    per bucket on hdaq.sample and on hdaq.signal() in FROM, against
    hdaq.downsample of that signal (M4) over the same range and buckets.

Runs alternate between the variants at every repetition; medians.

    relation.py --server CONNINFO --short FILE --long FILE --work DIR
                [--reps N] [--out-md FILE] [--out-json FILE]

CONNINFO is a libpq connection string without dbname; the server reads
the files itself (hdaq.ingest_file), so they must be readable by its user.
The last line printed is "relation: N passed, M failed" (a check passes
when the variants agree; no figure fails for being slow).
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
from bench import GEN, Psql, log, run_timed  # noqa: E402

DB = "hdaq_relation"
TOPIC, PATH = "VehicleData", "current_rpms.FL"
BUCKETS = 1000


def admin(server, sql):
    env = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", f"{server} dbname=postgres", "-c", sql],
                   check=True, stdout=subprocess.DEVNULL, env=env)


def median(xs):
    return statistics.median(xs)


def rfc3339(t):
    """A time as Grafana writes $__timeFrom() and $__timeTo()."""
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + (
        f".{t.microsecond // 1000:03d}Z" if t.microsecond else "Z")


def measure(variants, reps):
    """{name: [seconds]} over reps rounds, each round running every variant
    once in turn, after one unmeasured round; and each variant's output."""
    out = {name: fn() for name, fn in variants.items()}
    times = {name: [] for name in variants}
    for _ in range(reps):
        for name, fn in variants.items():
            t, _ = fn(timed=True)
            times[name].append(t)
    return times, out


def run_info(p):
    """When, where and what a run measured: for its report."""
    return {
        "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, Linux {platform.release()},"
                   f" load average {os.getloadavg()[0]:.1f} at the start",
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                 cwd=HERE).stdout.strip(),
        "postgres": p.value("SHOW server_version"),
    }


def fresh_database(server, db, appname):
    """A new database db with hdaq in it, and a session of it."""
    admin(server, f"DROP DATABASE IF EXISTS {db}")
    admin(server, f"CREATE DATABASE {db}")
    p = Psql(f"{server} dbname={db}", appname)
    p.query("CREATE EXTENSION hdaq")
    p.query("SET client_min_messages = warning")
    return p


def checks_line(r):
    return "Checks: " + "; ".join(f"{'ok' if ok else 'FAILED'}: {what} ({detail})"
                                  for what, ok, detail in r["checks"]) + "."


def report(r, render, out_md, name):
    """Write the report, print the checks and the closing "name: N passed, M failed"."""
    with open(out_md, "w") as f:
        f.write(render(r))
    passed = sum(1 for _, ok, _ in r["checks"] if ok)
    for what, ok, detail in r["checks"]:
        log(f"{'ok' if ok else 'FAILED'}: {what} ({detail})")
    print(f"{name}: {passed} passed, {len(r['checks']) - passed} failed")


def every_message(p, args, short_id, checks):
    chunks = os.path.join(args.work, "chunks.zst")
    info = json.loads(subprocess.run(["node", os.path.join(GEN, "chunk-bytes.mjs"), args.short, chunks],
                                     check=True, capture_output=True, text=True).stdout)
    queries = {
        "relation": f"SELECT count(*) FROM hdaq.message WHERE file_id = {short_id}",
        "relation_length": f"SELECT count(*), sum(length(data)) FROM hdaq.message WHERE file_id = {short_id}",
        "relation_copy": f"SELECT count(*), sum(get_byte(data, 0)) FROM hdaq.message WHERE file_id = {short_id}",
        "function": f"SELECT count(*) FROM hdaq.messages(file_id => {short_id})",
        "function_length": f"SELECT count(*), sum(length(data)) FROM hdaq.messages(file_id => {short_id})",
    }

    def sql(q):
        def run(timed=False):
            rows, ms = p.query(q, timed=True)
            return (ms / 1e3, rows) if timed else rows
        return run

    def cmd(c, stdout=subprocess.PIPE):
        def run(timed=False):
            t, out = run_timed(c, stdout=stdout)
            return (t, out) if timed else out
        return run

    variants = {k: sql(q) for k, q in queries.items()}
    variants["mcap_core"] = cmd(["node", os.path.join(GEN, "read-all.mjs"), args.short])
    variants["zstd"] = cmd(["zstd", "-d", "-q", "-c", chunks], stdout=subprocess.DEVNULL)
    times, outs = measure(variants, args.reps)
    node = json.loads(outs["mcap_core"])
    rel_count = int(outs["relation"][0][0])
    checks.append(("the relation, the function and @mcap/core count the same messages",
                   rel_count == int(outs["function"][0][0]) == node["messages"],
                   f"{rel_count}, {outs['function'][0][0]}, {node['messages']}"))
    checks.append(("the relation and the function sum the same bytes, as @mcap/core",
                   int(outs["relation_length"][0][1]) == int(outs["function_length"][0][1]) == node["bytes"],
                   f"{outs['relation_length'][0][1]}, {outs['function_length'][0][1]}, {node['bytes']}"))
    med = {k: median(v) for k, v in times.items()}
    for k, v in med.items():
        log(f"every message, {k}: {v:.3f} s")
    return {"queries": queries, "raw_s": times, "s": med, "messages": rel_count, "chunks": info,
            "payload_bytes": node["bytes"]}


def grafana(p, args, long_id, checks):
    start, end = p.query(f"SELECT start_time, end_time FROM hdaq.file WHERE file_id = {long_id}")[0]
    t0 = datetime.datetime.fromisoformat(p.value(f"SELECT date_trunc('second', '{start}'::timestamptz)"
                                                 " AT TIME ZONE 'UTC'")).replace(tzinfo=datetime.timezone.utc)
    t1 = t0 + datetime.timedelta(hours=1)
    f, t = rfc3339(t0), rfc3339(t1)
    interval_ms = int((t1 - t0).total_seconds() * 1000 / BUCKETS)
    secs = interval_ms / 1000
    group = f"floor(extract(epoch from log_time)/{secs:g})*{secs:g}"
    sample_group = f"floor(extract(epoch from time)/{secs:g})*{secs:g}"
    queries = {
        # SELECT $__timeGroupAlias(log_time, $__interval), count(*) AS messages
        #   FROM hdaq.message WHERE file_id = $run AND topic = 'VehicleData'
        #    AND $__timeFilter(log_time) GROUP BY 1 ORDER BY 1
        "relation_topic": (f'SELECT {group} AS "time", count(*) AS messages FROM hdaq.message'
                           f" WHERE file_id = {long_id} AND topic = '{TOPIC}'"
                           f" AND log_time BETWEEN '{f}' AND '{t}' GROUP BY 1 ORDER BY 1"),
        # the same buckets with date_bin instead of the macro's numeric arithmetic
        "relation_topic_date_bin": (f"SELECT date_bin('{interval_ms} ms', log_time, '{f}') AS \"time\","
                                    " count(*) AS messages FROM hdaq.message"
                                    f" WHERE file_id = {long_id} AND topic = '{TOPIC}'"
                                    f" AND log_time BETWEEN '{f}' AND '{t}' GROUP BY 1 ORDER BY 1"),
        "relation_all": (f'SELECT {group} AS "time", count(*) AS messages FROM hdaq.message'
                         f" WHERE file_id = {long_id} AND log_time BETWEEN '{f}' AND '{t}' GROUP BY 1 ORDER BY 1"),
        # SELECT $__timeGroupAlias(time, $__interval), avg(value) AS "FL"
        #   FROM hdaq.sample WHERE file_id = $run AND topic = 'VehicleData'
        #    AND path = 'current_rpms.FL' AND $__timeFilter(time) GROUP BY 1 ORDER BY 1
        "sample": (f'SELECT {sample_group} AS "time", avg(value) AS "FL" FROM hdaq.sample'
                   f" WHERE file_id = {long_id} AND topic = '{TOPIC}' AND path = '{PATH}'"
                   f" AND time BETWEEN '{f}' AND '{t}' GROUP BY 1 ORDER BY 1"),
        "sample_date_bin": (f"SELECT date_bin('{interval_ms} ms', time, '{f}') AS \"time\","
                            ' avg(value) AS "FL" FROM hdaq.sample'
                            f" WHERE file_id = {long_id} AND topic = '{TOPIC}' AND path = '{PATH}'"
                            f" AND time BETWEEN '{f}' AND '{t}' GROUP BY 1 ORDER BY 1"),
        # the same buckets of hdaq.signal() in FROM
        "signal": (f'SELECT {sample_group} AS "time", avg(value) AS "FL"'
                   f" FROM hdaq.signal('{TOPIC}', '{PATH}', '{f}', '{t}', {long_id}) GROUP BY 1 ORDER BY 1"),
        # SELECT time, value FROM hdaq.downsample('VehicleData', 'current_rpms.FL',
        #   $__timeFrom(), $__timeTo(), $__interval_ms * interval '1 ms', $run)
        "downsample": (f"SELECT time, value FROM hdaq.downsample('{TOPIC}', '{PATH}', '{f}', '{t}',"
                       f" {interval_ms} * interval '1 ms', {long_id})"),
    }

    def sql(q):
        def run(timed=False):
            rows, ms = p.query(q, timed=True)
            return (ms / 1e3, rows) if timed else rows
        return run

    times, outs = measure({k: sql(q) for k, q in queries.items()}, args.reps)
    topic_messages = sum(int(r[1]) for r in outs["relation_topic"])
    all_messages = sum(int(r[1]) for r in outs["relation_all"])
    expect_topic = int(p.value(f"SELECT sum(message_count) FROM hdaq.channel WHERE file_id = {long_id}"
                               f" AND topic = '{TOPIC}'"))
    expect_all = int(p.value(f"SELECT message_count FROM hdaq.file WHERE file_id = {long_id}"))
    checks.append(("the panel on the relation counts every message of the topic in the hour",
                   topic_messages == expect_topic, f"{topic_messages} vs {expect_topic}"))
    checks.append(("and of every topic", all_messages == expect_all, f"{all_messages} vs {expect_all}"))
    checks.append(("the panel on hdaq.sample gives the buckets and averages of hdaq.signal's",
                   outs["sample"] == outs["signal"] and len(outs["sample"]) == BUCKETS,
                   f"{len(outs['sample'])} and {len(outs['signal'])} buckets,"
                   f" {sum(1 for a, b in zip(outs['sample'], outs['signal']) if a != b)} differ"))
    explain = [r[0] for r in p.query("EXPLAIN (COSTS OFF) " + queries["relation_topic"])]
    explain_sample = [r[0] for r in p.query("EXPLAIN (COSTS OFF) " + queries["sample"])]
    med = {k: median(v) for k, v in times.items()}
    for k, v in med.items():
        log(f"grafana, {k}: {v * 1e3:.1f} ms")
    return {"queries": queries, "raw_s": times, "s": med, "from": f, "to": t, "interval_ms": interval_ms,
            "rows": {k: len(v) for k, v in outs.items()}, "topic_messages": topic_messages,
            "all_messages": all_messages, "explain": explain, "explain_sample": explain_sample}


def fmt(s):
    return f"{s:.2f} s" if s >= 1 else f"{s * 1e3:.1f} ms"


def render(r):
    L = []
    w = L.append
    m, g = r["every_message"], r["grafana"]
    s = m["s"]
    w("## The message relation")
    w("")
    w(f"- **date**: {r['date']}; {r['machine']}")
    w(f"- **hdaq** at commit {r['commit']}; PostgreSQL {r['postgres']}")
    w(f"- **data**: a 10-minute session ({r['short_mb']:.1f} MB, {m['messages']:,} messages, "
      f"{m['chunks']['chunks']} zstd chunks) and a 1-hour session ({r['long_mb']:.0f} MB), both from "
      "`bench/gen/gen-session.mjs`, in one database")
    w(f"- **method**: median of {r['reps']} runs, the variants alternating in each run, one unmeasured run "
      "first (caches warm); SQL times are psql's `\\timing` in one session, command times the wall clock of "
      "the command")
    w("")
    w("`hdaq.message` is a foreign table whose scan hands each message to the executor as it reads it; "
      "`hdaq.messages()` in `FROM` fills a tuplestore first, which spills to a temporary file past `work_mem`.")
    w("")
    w("**Figure 3 through the relation**: every message of the 10-minute session.")
    w("")
    w("| reading every message | time | msg/s | @mcap/core / this | this / `zstd -d` |")
    w("|---|---:|---:|---:|---:|")
    rows = [
        ("relation", "`count(*) FROM hdaq.message WHERE file_id = id`"),
        ("relation_length", "`count(*), sum(length(data)) FROM hdaq.message WHERE file_id = id`"),
        ("relation_copy", "`count(*), sum(get_byte(data, 0)) FROM hdaq.message WHERE file_id = id` (each message copied into a bytea)"),
        ("function", "`count(*) FROM hdaq.messages(file_id => id)` (the function, as figure 3 measures it)"),
        ("function_length", "`count(*), sum(length(data)) FROM hdaq.messages(file_id => id)`"),
        ("mcap_core", "@mcap/core reading the file (`bench/gen/read-all.mjs`)"),
        ("zstd", f"`zstd -d` of the file's {m['chunks']['chunks']} chunk payloads "
                 f"({m['chunks']['compressed'] / 1e6:.0f} MB → {m['chunks']['uncompressed'] / 1e6:.0f} MB)"),
    ]
    for k, label in rows:
        w(f"| {label} | {fmt(s[k])} | {m['messages'] / s[k] / 1e6:.2f} M | {s['mcap_core'] / s[k]:.2f}× "
          f"| {s[k] / s['zstd']:.2f} |")
    w("")
    w(f"Through the relation every message is read {s['mcap_core'] / s['relation']:.1f}× faster than @mcap/core "
      f"reads the file (target ≥ 3×, goal 5×), {s['function'] / s['relation']:.1f}× faster than through "
      f"`hdaq.messages()`, and within {s['relation'] / s['zstd']:.1f}× of `zstd -d` of the same bytes. "
      "`length(data)` reads a message's size without copying it (the column points at the message in its "
      "decompressed segment); `get_byte` makes the copy a function taking a `bytea` makes.")
    w("")
    gs = g["s"]
    w(f"**A Grafana panel on the relation**: one hour of the 1-hour session, {BUCKETS:,} buckets of "
      f"{g['interval_ms']} ms (`$__timeFrom()` = `{g['from']}`, `$__timeTo()` = `{g['to']}`), "
      "macros expanded as Grafana expands them; `$run` is the session's `file_id`.")
    w("")
    w("| panel query | time | rows | / downsample |")
    w("|---|---:|---:|---:|")
    labels = {
        "relation_topic": f"messages per bucket of `{TOPIC}` on `hdaq.message` ({g['topic_messages']:,} messages read)",
        "relation_topic_date_bin": f"the same with `date_bin('{g['interval_ms']} ms', log_time, $__timeFrom())` as the bucket",
        "relation_all": f"messages per bucket of every topic on `hdaq.message` ({g['all_messages']:,} messages read)",
        "sample": f"average of `{PATH}` per bucket on `hdaq.sample` (every message of the topic decoded)",
        "sample_date_bin": f"the same with `date_bin('{g['interval_ms']} ms', time, $__timeFrom())` as the bucket",
        "signal": f"the same buckets of `hdaq.signal('{TOPIC}', '{PATH}', ...)` in `FROM`",
        "downsample": f"`hdaq.downsample('{TOPIC}', '{PATH}', ...)`: M4 of one signal, every message of the topic decoded",
    }
    for k, label in labels.items():
        w(f"| {label} | {fmt(gs[k])} | {g['rows'][k]} | {gs[k] / gs['downsample']:.2f} |")
    w("")
    w("The queries:")
    w("")
    w("```")
    w("-- on the relation, as written in Grafana")
    w("SELECT $__timeGroupAlias(log_time, $__interval), count(*) AS messages")
    w("  FROM hdaq.message")
    w(f" WHERE file_id = $run AND topic = '{TOPIC}' AND $__timeFilter(log_time)")
    w(" GROUP BY 1 ORDER BY 1")
    w("-- as Grafana sends it")
    w(g["queries"]["relation_topic"])
    w("-- on the sample relation, as written in Grafana")
    w('SELECT $__timeGroupAlias(time, $__interval), avg(value) AS "FL"')
    w("  FROM hdaq.sample")
    w(f" WHERE file_id = $run AND topic = '{TOPIC}' AND path = '{PATH}' AND $__timeFilter(time)")
    w(" GROUP BY 1 ORDER BY 1")
    w("-- as Grafana sends it")
    w(g["queries"]["sample"])
    w("-- the function")
    w(g["queries"]["signal"])
    w("-- downsample")
    w(g["queries"]["downsample"])
    w("```")
    w("")
    w("The plan of the first (`EXPLAIN (COSTS OFF)`): the scan takes the file, the topic and the range, "
      "and reads only the segments of that channel in it.")
    w("")
    w("```")
    for line in g["explain"]:
        w(line)
    w("```")
    w("")
    w("On `hdaq.sample` the scan takes the topic and the path as well, and decodes that one leaf of each "
      "message:")
    w("")
    w("```")
    for line in g.get("explain_sample", []):
        w(line)
    w("```")
    w("")
    gs_ = g["s"]
    if "sample" in gs_:
        w(f"The panel on `hdaq.sample` took {fmt(gs_['sample'])} ({fmt(gs_['sample_date_bin'])} with `date_bin`), "
          f"the same query on `hdaq.signal()` in `FROM` {fmt(gs_['signal'])} (its rows stored in a tuplestore before "
          f"they are aggregated), and `hdaq.downsample` {fmt(gs_['downsample'])} (up to four samples per bucket, M4, "
          "computed in C, where the panel's average is computed by the executor). All three read and decode the "
          "same segments; about half of the panel's time on the relation goes to Grafana's `numeric` bucket expression, "
          "as the `date_bin` row shows.")
        w("")
    if r.get("sample_cpu"):
        w(r["sample_cpu"])
        w("")
    w(f"On the relation the panel costs the scan of the topic plus Grafana's bucket expression, "
      f"`floor(extract(epoch from log_time)/{g['interval_ms'] / 1000:g})*{g['interval_ms'] / 1000:g}`, which computes in "
      "`numeric` for each row (`extract` returns `numeric`); `date_bin` buckets the same rows in `timestamptz`. "
      "`hdaq.downsample` reads the same segments and decodes one field of each message.")
    w("")
    par = r.get("parallel")
    if par:
        w("**A parallel scan across files, measured and not kept.** " + par["what"])
        w("")
        w("| query | serial | 1 worker | 2 workers | serial / 2 workers |")
        w("|---|---:|---:|---:|---:|")
        for q in par["queries"]:
            ms = q["ms"]
            w(f"| `{q['sql']}` | {ms['0']:.0f} ms | {ms['1']:.0f} ms | {ms['2']:.0f} ms | {ms['0'] / ms['2']:.2f}× |")
        w("")
        w(par["verdict"])
        w("")
    w(checks_line(r))
    w("")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", default="")
    ap.add_argument("--short", required=True)
    ap.add_argument("--long", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--out-md", default=os.path.join(HERE, "RELATION.md"))
    ap.add_argument("--out-json", default=os.path.join(HERE, "relation.json"))
    ap.add_argument("--render-only", action="store_true")
    args = ap.parse_args()

    if args.render_only:
        r = json.load(open(args.out_json))
    else:
        os.makedirs(args.work, exist_ok=True)
        p = fresh_database(args.server, DB, "hdaq-relation")
        log("ingesting the sessions")
        short_id = int(p.value(f"SELECT hdaq.ingest_file('{os.path.abspath(args.short)}')"))
        long_id = int(p.value(f"SELECT hdaq.ingest_file('{os.path.abspath(args.long)}')"))
        p.query("VACUUM ANALYZE")
        checks = []
        r = dict(run_info(p), short_mb=os.path.getsize(args.short) / 1e6,
                 long_mb=os.path.getsize(args.long) / 1e6, reps=args.reps)
        log("every message of the short session")
        r["every_message"] = every_message(p, args, short_id, checks)
        log("a Grafana panel over the long session")
        r["grafana"] = grafana(p, args, long_id, checks)
        r["checks"] = checks
        p.close()
        admin(args.server, f"DROP DATABASE {DB}")
        if os.path.exists(args.out_json):
            # figures measured once by hand (the parallel scan) are carried over
            r.setdefault("parallel", json.load(open(args.out_json)).get("parallel"))
        with open(args.out_json, "w") as f:
            json.dump(r, f, indent=1)
    report(r, render, args.out_md, "relation")


if __name__ == "__main__":
    main()
