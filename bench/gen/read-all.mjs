#!/usr/bin/env node
// read-all.mjs FILE: read every message of an MCAP file with the official
// TypeScript reader (@mcap/core, indexed reading in log-time order, the
// decompressors of @mcap/support), as a user's script would.  Prints
// {"messages": N, "bytes": B} (B: total message payload bytes).
import { open } from "node:fs/promises";

import { McapIndexedReader } from "@mcap/core";
import { FileHandleReadable } from "@mcap/nodejs";
import { loadDecompressHandlers } from "@mcap/support";

const file = process.argv[2];
if (!file) {
  console.error("usage: read-all.mjs FILE");
  process.exit(2);
}
const handle = await open(file, "r");
const reader = await McapIndexedReader.Initialize({
  readable: new FileHandleReadable(handle),
  decompressHandlers: await loadDecompressHandlers(),
});
let messages = 0;
let bytes = 0;
for await (const message of reader.readMessages()) {
  messages++;
  bytes += message.data.byteLength;
}
await handle.close();
console.log(JSON.stringify({ messages, bytes }));
