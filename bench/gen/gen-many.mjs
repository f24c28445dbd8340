#!/usr/bin/env node
// gen-many.mjs: write many short, distinct sessions quickly, as copies of a
// few sessions made by gen-session.mjs moved in time.
//
//   node gen-many.mjs PLAN.json
//
// PLAN.json is an array of {"out": FILE, "base": FILE, "start": NS,
// "metadata": {KEY: VALUE...}}.  Each entry's file holds the messages of
// its base file (read with @mcap/core's indexed reader) with their log and
// publish times moved so that the first message is at "start" (nanoseconds
// since the epoch, as a decimal string), the base file's schemas and
// channels, and one Metadata record "session" holding the entry's metadata.
// It is written, like the base, by @mcap/core's writer with zstd chunks, a
// summary and indexes.  Moving a session costs a fraction of generating
// one (no message is encoded again), so that a store of 10,000 runs can be
// made in minutes; each file has its own bytes (its times and metadata), so
// the store's sha256 deduplication keeps every one.
//
// Prints the number of files written on stdout.
import fs from "node:fs";
import { open } from "node:fs/promises";
import { createRequire } from "node:module";

import { McapIndexedReader, McapWriter } from "@mcap/core";
import { FileHandleReadable } from "@mcap/nodejs";
import { loadDecompressHandlers } from "@mcap/support";

const require = createRequire(import.meta.url);
const zstd = require("@foxglove/wasm-zstd");

// A base session held in memory: its records, message times relative to
// its first message.
async function loadBase(file, decompressHandlers) {
  const handle = await open(file, "r");
  const reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(handle), decompressHandlers });
  const messages = [];
  for await (const m of reader.readMessages()) messages.push(m);
  await handle.close();
  if (messages.length === 0) throw new Error(`${file} has no message`);
  const first = messages[0].logTime;
  return {
    header: reader.header,
    schemas: [...reader.schemasById.values()],
    channels: [...reader.channelsById.values()],
    messages: messages.map((m) => ({ ...m, logTime: m.logTime - first, publishTime: m.publishTime - first })),
  };
}

// A file sink for McapWriter that keeps the whole file in memory.
class BufferWritable {
  constructor() {
    this.parts = [];
    this.pos = 0n;
  }
  async write(bytes) {
    this.parts.push(Buffer.from(bytes));
    this.pos += BigInt(bytes.length);
  }
  position() {
    return this.pos;
  }
}

async function writeMoved(base, entry) {
  const start = BigInt(entry.start);
  const writable = new BufferWritable();
  const writer = new McapWriter({
    writable,
    compressChunk: (data) => ({ compression: "zstd", compressedData: zstd.compress(data, 3) }),
  });
  await writer.start({ profile: base.header.profile, library: base.header.library });
  const schemaIds = new Map();
  for (const s of base.schemas)
    schemaIds.set(s.id, await writer.registerSchema({ name: s.name, encoding: s.encoding, data: s.data }));
  const channelIds = new Map();
  for (const c of base.channels)
    channelIds.set(
      c.id,
      await writer.registerChannel({
        topic: c.topic,
        messageEncoding: c.messageEncoding,
        schemaId: c.schemaId === 0 ? 0 : schemaIds.get(c.schemaId),
        metadata: c.metadata,
      }),
    );
  await writer.addMetadata({
    name: "session",
    metadata: new Map(Object.entries(entry.metadata ?? {}).map(([k, v]) => [k, String(v)])),
  });
  for (const m of base.messages)
    await writer.addMessage({
      channelId: channelIds.get(m.channelId),
      sequence: m.sequence,
      logTime: m.logTime + start,
      publishTime: m.publishTime + start,
      data: m.data,
    });
  await writer.end();
  const tmp = `${entry.out}.tmp`;
  fs.writeFileSync(tmp, Buffer.concat(writable.parts));
  fs.renameSync(tmp, entry.out);
}

async function main() {
  if (process.argv.length !== 3) {
    console.error("usage: gen-many.mjs PLAN.json");
    process.exit(2);
  }
  const plan = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  await zstd.isLoaded;
  const decompressHandlers = await loadDecompressHandlers();
  const bases = new Map();
  for (const entry of plan) {
    if (!bases.has(entry.base)) bases.set(entry.base, await loadBase(entry.base, decompressHandlers));
    await writeMoved(bases.get(entry.base), entry);
  }
  console.log(plan.length);
}

main().catch((e) => {
  console.error(`gen-many: ${e.stack ?? e}`);
  process.exit(1);
});
