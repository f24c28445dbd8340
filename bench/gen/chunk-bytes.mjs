#!/usr/bin/env node
// chunk-bytes.mjs FILE OUT: write the compressed payloads of every chunk of
// an MCAP file, one after the other, to OUT (for zstd chunks: a stream of
// zstd frames that `zstd -d` reads whole).  Prints {"chunks", "compressed",
// "uncompressed", "compression"}.
import fs from "node:fs";
import { open } from "node:fs/promises";

import { McapIndexedReader } from "@mcap/core";
import { FileHandleReadable } from "@mcap/nodejs";

const [file, out] = process.argv.slice(2);
if (!out) {
  console.error("usage: chunk-bytes.mjs FILE OUT");
  process.exit(2);
}
const handle = await open(file, "r");
const reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(handle) });
const fd = fs.openSync(out, "w");
let compressed = 0;
let uncompressed = 0;
const compressions = new Set();
for (const index of reader.chunkIndexes) {
  // the chunk record: opcode, length, start, end, uncompressed size and crc,
  // compression (string), records length, records
  const { buffer } = await handle.read({
    buffer: Buffer.alloc(Number(index.chunkLength)),
    position: Number(index.chunkStartOffset),
  });
  let at = 1 + 8 + 8 + 8 + 8 + 4;
  const nameLength = buffer.readUInt32LE(at);
  at += 4 + nameLength;
  const recordsLength = Number(buffer.readBigUInt64LE(at));
  at += 8;
  fs.writeSync(fd, buffer, at, recordsLength);
  compressed += recordsLength;
  uncompressed += Number(index.uncompressedSize);
  compressions.add(index.compression);
}
fs.closeSync(fd);
await handle.close();
console.log(JSON.stringify({ chunks: reader.chunkIndexes.length, compressed, uncompressed, compression: [...compressions].join(",") }));
