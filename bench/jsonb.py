#!/usr/bin/env python3
"""Decoded messages as jsonb: one topic of a session (VehicleData, 100 Hz,
about 90 leaves a message) decoded to jsonb, four ways, against
protobufjs decoding the same topic to JS objects in node.

  - reference: hdaq.messages_json with hdaq.jsonb_reference on, that is
    PostgreSQL's own construction (pushJsonbValue, numeric_in over the
    JSON writer's text of each number): the code messages_json ran before
    the direct builder, kept as the reference the tests compare against;
  - messages_json: the same function with the direct builder (its rows go
    through the tuplestore of a set-returning function in FROM);
  - relation: data_json of the message relation (streamed, no tuplestore),
    count(data_json), and with a leaf read from each jsonb;
  - the relation's bytes alone (count(data)): the scan without decoding;
  - node: bench/gen/read-signal.mjs, @mcap/core reading the file and
    protobufjs decoding every message of the topic.

Runs alternate between the variants at every repetition, one unmeasured
round first; medians.

    jsonb.py --server CONNINFO --session FILE --work DIR [--reps N]
             [--out-md FILE] [--out-json FILE] [--render-only]

CONNINFO is a libpq connection string without dbname, of a superuser (the
reference variant sets hdaq.jsonb_reference); the server reads the session
itself (hdaq.ingest_file).  The last line printed is "jsonb: N passed, M
failed" (a check passes when the variants agree; nothing fails for being
slow).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # importing bench.py leaves no __pycache__
sys.path.insert(0, HERE)
from bench import GEN, Psql, log, run_timed  # noqa: E402
from relation import admin, checks_line, fresh_database, measure, report, run_info  # noqa: E402

DB = "hdaq_jsonb"
TOPIC, PATH = "VehicleData", "current_rpms.FL"


def leaf(column):
    """The signal's leaf read from a jsonb column, as a double."""
    return f"({column}->'current_rpms'->>'FL')::float8"


def measure_topic(server, args, file_id, checks):
    p = Psql(f"{server} dbname={DB}", "hdaq-jsonb")
    ref = Psql(f"{server} dbname={DB} options='-c hdaq.jsonb_reference=on'", "hdaq-jsonb-reference")
    sel = f"topic = '{TOPIC}' AND file_id = {file_id}"
    srf = f"hdaq.messages_json(ARRAY['{TOPIC}'], file_id => {file_id})"
    queries = {
        "reference": (ref, f"SELECT count(*) FROM {srf}"),
        "messages_json": (p, f"SELECT count(*) FROM {srf}"),
        "messages_json_leaf": (p, f"SELECT count(*), sum({leaf('message')}) FROM {srf}"),
        "relation": (p, f"SELECT count(data_json) FROM hdaq.message WHERE {sel}"),
        "relation_leaf": (p, f"SELECT count(*), sum({leaf('data_json')}) FROM hdaq.message WHERE {sel}"),
        "relation_bytes": (p, f"SELECT count(data) FROM hdaq.message WHERE {sel}"),
    }

    def sql(conn, q):
        def run(timed=False):
            rows, ms = conn.query(q, timed=True)
            return (ms / 1e3, rows) if timed else rows
        return run

    def cmd(c):
        def run(timed=False):
            t, out = run_timed(c)
            return (t, out) if timed else out
        return run

    variants = {k: sql(conn, q) for k, (conn, q) in queries.items()}
    variants["node"] = cmd(["node", os.path.join(GEN, "read-signal.mjs"), args.session, TOPIC, PATH])
    times, outs = measure(variants, args.reps)
    counts = {k: int(outs[k][0][0]) for k in queries}
    node = json.loads(outs["node"])
    checks.append(("every variant has every message of the topic",
                   len(set(counts.values())) == 1 and node["count"] == counts["relation"],
                   ", ".join(f"{k} {v}" for k, v in counts.items()) + f", node {node['count']}"))
    s_json, s_rel = float(outs["messages_json_leaf"][0][1]), float(outs["relation_leaf"][0][1])
    checks.append(("messages_json, data_json and protobufjs sum the leaf alike",
                   s_json == s_rel and abs(s_rel - node["sum"]) <= 1e-6 * max(1, abs(node["sum"])),
                   f"{s_json}, {s_rel}, {node['sum']}"))
    same = p.value(f"""SELECT count(*) FROM (SELECT row_number() OVER () AS n, message FROM {srf}) a
                       FULL JOIN (SELECT row_number() OVER () AS n, data_json FROM hdaq.message WHERE {sel}) b USING (n)
                       WHERE a.message::text IS DISTINCT FROM b.data_json::text""")
    checks.append(("messages_json and data_json give the same jsonb for every message", same == "0",
                   f"{same} differ"))
    ref.query(f"CREATE TEMP TABLE ref AS SELECT row_number() OVER () AS n, message::text AS t FROM {srf}")
    differ = ref.value(f"""SELECT count(*) FROM ref FULL JOIN
                           (SELECT row_number() OVER () AS n, data_json::text AS t FROM hdaq.message WHERE {sel}) d
                           USING (n) WHERE ref.t IS DISTINCT FROM d.t""")
    checks.append(("the direct builder gives the reference's jsonb for every message", differ == "0",
                   f"{differ} differ"))
    ref.close()
    p.close()
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items():
        log(f"{TOPIC}, {k}: {v:.3f} s")
    return {"queries": {k: q for k, (_, q) in queries.items()}, "raw_s": times, "s": med,
            "messages": counts["relation"]}


def fmt(s):
    return f"{s:.2f} s" if s >= 1 else f"{s * 1e3:.0f} ms"


def render(r):
    L = []
    w = L.append
    t = r["topic"]
    s, n = t["s"], t["messages"]
    w("## Decoded messages as jsonb")
    w("")
    w(f"- **date**: {r['date']}; {r['machine']}")
    w(f"- **hdaq** at commit {r['commit']}; PostgreSQL {r['postgres']}")
    w(f"- **data**: `{TOPIC}` ({n:,} messages, about 90 leaves each) of a {r['session_minutes']}-minute session "
      f"({r['session_mb']:.0f} MB) from `bench/gen/gen-session.mjs`")
    w(f"- **method**: median of {r['reps']} runs, the variants alternating in each run, one unmeasured run first; "
      "SQL times are psql's `\\timing` in one session, node's the wall clock of the command")
    w("")
    w("The reference is `hdaq.messages_json` with `hdaq.jsonb_reference = on`: PostgreSQL's own construction "
      "(`pushJsonbValue`, and `numeric_in` over the JSON writer's text of each number), which is the code "
      "`messages_json` ran before the direct builder; the target is 20 times its rate.")
    w("")
    w("| decoding the topic to jsonb | time | msg/s | × reference | × node |")
    w("|---|---:|---:|---:|---:|")
    rows = [
        ("reference", "reference: `count(*) FROM hdaq.messages_json(...)`, `hdaq.jsonb_reference = on`"),
        ("messages_json", "`count(*) FROM hdaq.messages_json(ARRAY['VehicleData'], file_id => id)`"),
        ("messages_json_leaf", "the same, summing `message->'current_rpms'->>'FL'`"),
        ("relation", "`count(data_json) FROM hdaq.message WHERE topic = 'VehicleData' AND file_id = id`"),
        ("relation_leaf", "the same, summing `data_json->'current_rpms'->>'FL'`"),
        ("relation_bytes", "no decoding: `count(data)` of the same rows"),
        ("node", "node: @mcap/core + protobufjs decoding every message (`read-signal.mjs`)"),
    ]
    for k, label in rows:
        w(f"| {label} | {fmt(s[k])} | {n / s[k]:,.0f} | {s['reference'] / s[k]:.1f} | {s['node'] / s[k]:.2f} |")
    w("")
    w(checks_line(r))
    w("")
    # what limits the figures: a profile and its reading, kept by hand
    analysis = os.path.join(HERE, "jsonb-analysis.md")
    if os.path.exists(analysis):
        with open(analysis) as f:
            w(f.read().rstrip())
        w("")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", default="")
    ap.add_argument("--session", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out-md", default=os.path.join(HERE, "JSONB.md"))
    ap.add_argument("--out-json", default=os.path.join(HERE, "jsonb.json"))
    ap.add_argument("--render-only", action="store_true")
    args = ap.parse_args()

    if args.render_only:
        r = json.load(open(args.out_json))
    else:
        os.makedirs(args.work, exist_ok=True)
        p = fresh_database(args.server, DB, "hdaq-jsonb-setup")
        log("ingesting the session")
        file_id = int(p.value(f"SELECT hdaq.ingest_file('{os.path.abspath(args.session)}')"))
        minutes = float(p.value(f"SELECT extract(epoch FROM end_time - start_time) / 60 FROM hdaq.file"
                                f" WHERE file_id = {file_id}"))
        p.query("VACUUM ANALYZE")
        r = dict(run_info(p), session_mb=os.path.getsize(args.session) / 1e6,
                 session_minutes=round(minutes), reps=args.reps)
        p.close()
        checks = []
        log(f"decoding {TOPIC}")
        r["topic"] = measure_topic(args.server, args, file_id, checks)
        r["load_end"] = os.getloadavg()[0]
        r["checks"] = checks
        admin(args.server, f"DROP DATABASE {DB}")
        with open(args.out_json, "w") as f:
            json.dump(r, f, indent=1)
    report(r, render, args.out_md, "jsonb")


if __name__ == "__main__":
    main()
