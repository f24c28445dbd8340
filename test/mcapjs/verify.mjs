#!/usr/bin/env node
// verify.mjs FILE.mcap EXPECTED.json [--ignore=ids,header]
// Read FILE with @mcap/core (indexed and stream readers, CRCs, statistics)
// and compare its content with EXPECTED (see lib.mjs for the shape).
// Prints "ok - FILE" or "not ok - FILE" with the reasons; exits 1 on failure.

import { readFile } from "node:fs/promises";

import { canonicalize, diffDocs, dumpMcap, strip } from "./lib.mjs";

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith("--"));
const ignoreArg = args.find((a) => a.startsWith("--ignore="));
const ignore = new Set(ignoreArg ? ignoreArg.slice("--ignore=".length).split(",") : []);
if (files.length !== 2) {
  console.error("usage: verify.mjs FILE.mcap EXPECTED.json [--ignore=ids,header]");
  process.exit(2);
}
const [file, expectedFile] = files;
let problems;
try {
  const dumped = await dumpMcap(file);
  const expected = canonicalize(JSON.parse(await readFile(expectedFile, "utf8")));
  problems = [...dumped.problems, ...diffDocs(strip(dumped.doc, ignore), strip(expected, ignore)).map((d) => `content differs at ${d} (file vs expected)`)];
} catch (e) {
  problems = [`cannot read: ${e.message}`];
}
console.log(`${problems.length ? "not ok" : "ok"} - ${file}`);
for (const p of problems) console.log(`#   ${p}`);
process.exitCode = problems.length ? 1 : 0;
