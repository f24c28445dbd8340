#!/usr/bin/env node
// duck.mjs: the columnar baseline of bench/columnar.py.  DuckDB (the
// @duckdb/node-api package) is loaded with the decoded numeric leaves of
// one topic, one column per leaf as bench/columnar.py exported them
// (DIR/time.csv, DIR/leaf_N.csv, one value a line, every file in message
// order), into one table, then runs each query of QUERIES (a JSON list of
// {name, sql}) REPS times.  Prints one JSON object: the load time, the
// database file's size, and per query its rows and the median time.
// With --runs CSV instead of --dir and --leaves, the table v is (run
// BIGINT, value DOUBLE), one value a line (bench/stats_runs.py).
//
//   node duck.mjs --db FILE --dir DIR --leaves N --queries FILE [--reps 5]
//   node duck.mjs --db FILE --runs CSV --queries FILE [--reps 5]

import fs from "node:fs";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";

import { DuckDBInstance } from "@duckdb/node-api";

const { values: args } = parseArgs({
  options: {
    db: { type: "string" },
    dir: { type: "string" },
    leaves: { type: "string" },
    runs: { type: "string" },
    queries: { type: "string" },
    reps: { type: "string", default: "5" },
  },
});

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const nleaves = Number(args.leaves);
fs.rmSync(args.db, { force: true });
fs.rmSync(args.db + ".wal", { force: true });
const instance = await DuckDBInstance.create(args.db);
const con = await instance.connect();

// one table: a column per leaf, rows in message order (POSITIONAL JOIN),
// or the values of many runs
const t0 = performance.now();
if (args.runs) {
  await con.run(`CREATE TABLE v AS SELECT * FROM read_csv('${args.runs}', header = false, ` +
    `columns = {'run': 'BIGINT', 'value': 'DOUBLE'})`);
} else {
  let select = `SELECT t.column0 AS time`;
  let from = `read_csv('${args.dir}/time.csv', header = false, columns = {'column0': 'BIGINT'}) t`;
  for (let i = 0; i < nleaves; i++) {
    select += `, l${i}.column0 AS leaf_${i}`;
    from += ` POSITIONAL JOIN read_csv('${args.dir}/leaf_${i}.csv', header = false, columns = {'column0': 'DOUBLE'}) l${i}`;
  }
  await con.run(`CREATE TABLE v AS ${select} FROM ${from}`);
}
await con.run("CHECKPOINT");
const load_ms = performance.now() - t0;

const out = { load_ms, queries: {} };
for (const q of JSON.parse(fs.readFileSync(args.queries, "utf8"))) {
  const times = [];
  let rows;
  for (let r = 0; r < Number(args.reps); r++) {
    const s = performance.now();
    const reader = await con.runAndReadAll(q.sql);
    times.push(performance.now() - s);
    // a bigint beyond 2^53 (a file_id) as its decimal text, not rounded
    rows = reader.getRowsJS().map((row) => row.map((v) =>
      typeof v !== "bigint" ? v : Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()));
  }
  out.queries[q.name] = { ms: median(times), all_ms: times, rows };
}
con.closeSync();
instance.closeSync();
out.file_bytes = fs.statSync(args.db).size;
console.log(JSON.stringify(out));
