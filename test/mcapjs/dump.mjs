#!/usr/bin/env node
// dump.mjs FILE.mcap [--stream-only]
// Print the content of an MCAP file as canonical JSON (see lib.mjs), read
// with @mcap/core's indexed reader and checked against its stream reader.
// Exits 1, after printing, if the readers disagree or an index, statistic
// or CRC is wrong; 2 if the file cannot be read.

import { dumpMcap } from "./lib.mjs";

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--"));
if (!file) {
  console.error("usage: dump.mjs FILE.mcap [--stream-only]");
  process.exit(2);
}
try {
  const { doc, problems } = await dumpMcap(file, { streamOnly: args.includes("--stream-only") });
  process.stdout.write(JSON.stringify(doc, null, 1) + "\n");
  for (const p of problems) console.error(`${file}: ${p}`);
  process.exitCode = problems.length ? 1 : 0;
} catch (e) {
  console.error(`${file}: ${e.message}`);
  process.exitCode = 2;
}
