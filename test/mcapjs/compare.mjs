#!/usr/bin/env node
// compare.mjs A.json B.json [--ignore=ids,header]
// Compare two content documents (from dump.mjs, or written by hand in the
// same shape) after putting both in canonical order.  --ignore=ids drops
// schema and channel ids (a file re-exported with new ids); --ignore=header
// drops the header's profile and library.  Exits 1 on a difference.

import { readFile } from "node:fs/promises";

import { canonicalize, diffDocs, strip } from "./lib.mjs";

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith("--"));
const ignoreArg = args.find((a) => a.startsWith("--ignore="));
const ignore = new Set(ignoreArg ? ignoreArg.slice("--ignore=".length).split(",") : []);
if (files.length !== 2) {
  console.error("usage: compare.mjs A.json B.json [--ignore=ids,header]");
  process.exit(2);
}
const [a, b] = await Promise.all(files.map(async (f) => strip(canonicalize(JSON.parse(await readFile(f, "utf8"))), ignore)));
const diffs = diffDocs(a, b);
for (const d of diffs) console.error(`differs at ${d}`);
process.exitCode = diffs.length ? 1 : 0;
