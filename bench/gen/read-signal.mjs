#!/usr/bin/env node
// read-signal.mjs FILE TOPIC PATH: one numeric field of a protobuf topic over
// a whole MCAP file, read with the official TypeScript reader (@mcap/core)
// and decoded with protobufjs from the schema stored in the file: what a user
// scripts to get a signal out of a log.  PATH is like current_rpms.FL or
// cell_voltages[3].  Prints {"count": N, "sum": S}.
import { open } from "node:fs/promises";
import { createRequire } from "node:module";

import { McapIndexedReader } from "@mcap/core";
import { FileHandleReadable } from "@mcap/nodejs";
import { loadDecompressHandlers } from "@mcap/support";
import protobuf from "protobufjs";

const require = createRequire(import.meta.url);
const descriptor = require("protobufjs/ext/descriptor");

const [file, topic, leafPath] = process.argv.slice(2);
if (!leafPath) {
  console.error("usage: read-signal.mjs FILE TOPIC PATH");
  process.exit(2);
}
// "a.b[3].c" -> ["a", "b", 3, "c"]
const steps = [];
for (const part of leafPath.split(".")) {
  const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
  if (!m) throw new Error(`bad path ${leafPath}`);
  steps.push(m[1]);
  for (const idx of m[2].matchAll(/\[(\d+)\]/g)) steps.push(Number(idx[1]));
}

const handle = await open(file, "r");
const reader = await McapIndexedReader.Initialize({
  readable: new FileHandleReadable(handle),
  decompressHandlers: await loadDecompressHandlers(),
});
const channelIds = [];
const types = new Map();
for (const channel of reader.channelsById.values()) {
  if (channel.topic !== topic) continue;
  const schema = reader.schemasById.get(channel.schemaId);
  const root = protobuf.Root.fromDescriptor(descriptor.FileDescriptorSet.decode(schema.data));
  types.set(channel.id, root.lookupType(schema.name));
  channelIds.push(channel.id);
}
if (channelIds.length === 0) throw new Error(`no topic ${topic} in ${file}`);

let count = 0;
let sum = 0;
for await (const message of reader.readMessages({ topics: [topic] })) {
  let value = types.get(message.channelId).decode(message.data);
  for (const step of steps) value = value == null ? undefined : value[step];
  if (value == null) value = 0; // proto3: an absent scalar is its default
  count++;
  sum += Number(value);
}
await handle.close();
console.log(JSON.stringify({ count, sum }));
