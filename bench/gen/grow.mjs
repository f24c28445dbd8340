#!/usr/bin/env node
// grow.mjs: write the car's telemetry session (session.mjs) as an MCAP file
// in real time, the file growing on disk as the car's logger writes it, for
// tests and benchmarks of live ingest (a follower reads the file while it
// grows).
//
//   node grow.mjs --out FILE --seconds S [--rate X] [--chunk-size BYTES]
//                 [--unchunked] [--compression zstd|lz4|none] [--level L]
//                 [--shuffle-ms MS] [--seed N] [--cut-at-seconds T]
//                 [--events FILE] [--tick-ms MS] [--fsync] [--proto-dir DIR]
//
// Messages are made at the pace of the wall clock, in batches: every tick
// (10 ms) makes the messages that came due since the last one.  A message's
// log time is the real-time clock (ns since the epoch) when it came due, so
// that a reader can compare it with its own clock.  --rate X makes the
// session X times faster (X times more messages per second, log times still
// the real clock; the signals run X times faster too); --seconds is the
// time spent writing, on the wall clock.
//
// Chunked files are written by @mcap/core's McapWriter into a sink that
// writes each piece with fs.writeSync as soon as the writer hands it over:
// a chunk and its message indexes are in the file when the writer closes
// the chunk.  @mcap/core's writer keeps unchunked messages in memory until
// the end, so --unchunked writes its records with @mcap/core's
// McapRecordBuilder here instead, every tick's messages at the end of the
// tick (LiveUnchunkedWriter below).
//
// --shuffle-ms MS: each message's log time lags its due time by a random
// 0..MS ms, as messages that reach the logger late, so the file holds them
// out of log-time order.  --cut-at-seconds T stops at T seconds as a power
// loss does: what the writer had not handed over (the open chunk) is lost,
// and the file has no data end, summary or footer.
//
// --events FILE writes a JSON line for each group of records holding
// messages once it is in the file (for chunks: the chunk and its message
// indexes; unchunked: a tick's messages):
//   {"start": S, "offset": E, "wall_ns": W, "max_log_time_ns": L, "messages": N}
// S and E are the group's first and past-the-end byte offsets, W the clock
// when its last byte was written, L the largest log time in it.  At the
// end a one-line JSON summary goes to stdout.

import fs from "node:fs";
import zlib from "node:zlib";
import { parseArgs } from "node:util";
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";

import { McapRecordBuilder, McapWriter, Opcode } from "@mcap/core";

import {
  DEFAULT_PROTO_DIR,
  VERSION,
  advance,
  hashKey,
  loadProto,
  nextDue,
  publishTime,
  registerStreams,
  rng,
  sessionMetadata,
  startSchedule,
} from "./session.mjs";

const require = createRequire(import.meta.url);
const zstd = require("@foxglove/wasm-zstd");
const lz4 = require("lz4js");

// ---- the clock -------------------------------------------------------------------

// The real-time clock in ns since the epoch (BigInt), read through the
// monotonic clock from one reading of the real-time one.
const clockAnchor = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
const hrAnchor = process.hrtime.bigint();
const nowNs = () => clockAnchor + (process.hrtime.bigint() - hrAnchor);

// ---- the file --------------------------------------------------------------------

// A sink that writes every piece to the file at once (fs.writeSync), and
// tells AFTERWRITE(bytes, endOffset) about it.
class SyncFileWritable {
  constructor(file, { fsync, afterWrite }) {
    this.fd = fs.openSync(file, "w");
    this.fsync = fsync;
    this.afterWrite = afterWrite;
    this.pos = 0n;
  }
  async write(bytes) {
    this.writeNow(bytes);
  }
  writeNow(bytes) {
    if (bytes.length === 0) return;
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(this.fd, bytes, done, bytes.length - done);
    if (this.fsync) fs.fdatasyncSync(this.fd);
    this.pos += BigInt(bytes.length);
    this.afterWrite(bytes, this.pos);
  }
  position() {
    return this.pos;
  }
  close() {
    fs.closeSync(this.fd);
  }
}

// An unchunked MCAP writer with McapWriter's interface that hands each
// tick's records to the file at once (flush()): Header, then Schema and
// Channel records before a channel's first message, Message and Metadata
// records; at the end a data end and a summary (schemas, channels,
// statistics, metadata index, summary offsets) with their CRCs.
class LiveUnchunkedWriter {
  constructor(writable) {
    this.out = writable;
    this.rec = new McapRecordBuilder();
    this.dataCrc = 0;
    this.schemas = new Map();
    this.channels = new Map();
    this.written = new Set();
    this.metadataIndexes = [];
    this.statistics = {
      messageCount: 0n,
      schemaCount: 0,
      channelCount: 0,
      attachmentCount: 0,
      metadataCount: 0,
      chunkCount: 0,
      messageStartTime: 0n,
      messageEndTime: 0n,
      channelMessageCounts: new Map(),
    };
  }
  flush() {
    const bytes = this.rec.buffer;
    this.dataCrc = zlib.crc32(bytes, this.dataCrc);
    this.out.writeNow(bytes);
    this.rec.reset();
  }
  async start(header) {
    this.rec.writeMagic();
    this.rec.writeHeader(header);
    this.flush();
  }
  async registerSchema(info) {
    const id = this.schemas.size + 1;
    this.schemas.set(id, { ...info, id });
    this.statistics.schemaCount++;
    return id;
  }
  async registerChannel(info) {
    const id = this.channels.size;
    this.channels.set(id, { ...info, id });
    this.statistics.channelCount++;
    return id;
  }
  async addMetadata(metadata) {
    this.flush();
    const offset = this.out.position();
    const length = this.rec.writeMetadata(metadata);
    this.metadataIndexes.push({ name: metadata.name, offset, length });
    this.statistics.metadataCount++;
    this.flush();
  }
  async addMessage(message) {
    const st = this.statistics;
    if (st.messageCount === 0n || message.logTime < st.messageStartTime) st.messageStartTime = message.logTime;
    if (st.messageCount === 0n || message.logTime > st.messageEndTime) st.messageEndTime = message.logTime;
    st.messageCount++;
    st.channelMessageCounts.set(message.channelId, (st.channelMessageCounts.get(message.channelId) ?? 0n) + 1n);
    if (!this.written.has(message.channelId)) {
      const channel = this.channels.get(message.channelId);
      this.rec.writeSchema(this.schemas.get(channel.schemaId));
      this.rec.writeChannel(channel);
      this.written.add(message.channelId);
    }
    this.rec.writeMessage(message);
  }
  async end() {
    this.flush();
    this.rec.writeDataEnd({ dataSectionCrc: this.dataCrc });
    this.out.writeNow(this.rec.buffer);
    this.rec.reset();

    // the summary, its groups at the offsets the summary offsets give
    const summaryStart = this.out.position();
    const groups = [];
    const group = (opcode, write) => {
      const before = this.rec.length;
      write();
      const length = BigInt(this.rec.length - before);
      if (length > 0n) groups.push({ groupOpcode: opcode, groupStart: summaryStart + BigInt(before), groupLength: length });
    };
    group(Opcode.SCHEMA, () => this.schemas.forEach((s) => this.rec.writeSchema(s)));
    group(Opcode.CHANNEL, () => this.channels.forEach((c) => this.rec.writeChannel(c)));
    group(Opcode.STATISTICS, () => this.rec.writeStatistics(this.statistics));
    group(Opcode.METADATA_INDEX, () => this.metadataIndexes.forEach((m) => this.rec.writeMetadataIndex(m)));
    const summaryOffsetStart = summaryStart + BigInt(this.rec.length);
    for (const g of groups) this.rec.writeSummaryOffset(g);
    // the footer's CRC covers the summary and the footer up to the CRC
    const footerHead = new DataView(new ArrayBuffer(1 + 8 + 8 + 8));
    footerHead.setUint8(0, Opcode.FOOTER);
    footerHead.setBigUint64(1, 20n, true);
    footerHead.setBigUint64(9, summaryStart, true);
    footerHead.setBigUint64(17, summaryOffsetStart, true);
    const summaryCrc = zlib.crc32(new Uint8Array(footerHead.buffer), zlib.crc32(this.rec.buffer));
    this.rec.writeFooter({ summaryStart, summaryOffsetStart, summaryCrc });
    this.rec.writeMagic();
    this.out.writeNow(this.rec.buffer);
    this.rec.reset();
  }
}

// ---- the command -------------------------------------------------------------------

function usage(message) {
  if (message) console.error(`grow: ${message}`);
  console.error(
    "usage: grow.mjs --out FILE --seconds S [--rate X] [--chunk-size BYTES] [--unchunked] [--compression zstd|lz4|none] [--level L]\n" +
      "                [--shuffle-ms MS] [--seed N] [--cut-at-seconds T] [--events FILE] [--tick-ms MS] [--fsync] [--proto-dir DIR]",
  );
  process.exit(2);
}

function parse() {
  let args;
  try {
    args = parseArgs({
      options: {
        out: { type: "string" },
        seconds: { type: "string" },
        rate: { type: "string", default: "1" },
        "chunk-size": { type: "string", default: "32768" },
        unchunked: { type: "boolean", default: false },
        compression: { type: "string", default: "zstd" },
        level: { type: "string", default: "3" },
        "shuffle-ms": { type: "string", default: "0" },
        seed: { type: "string", default: "1" },
        "cut-at-seconds": { type: "string" },
        events: { type: "string" },
        "tick-ms": { type: "string", default: "10" },
        fsync: { type: "boolean", default: false },
        "proto-dir": { type: "string", default: DEFAULT_PROTO_DIR },
        help: { type: "boolean", default: false },
      },
    }).values;
  } catch (e) {
    usage(e.message);
  }
  if (args.help) usage();
  if (!args.out) usage("--out is required");
  const positive = (name) => {
    const v = Number(args[name]);
    if (!(v > 0)) usage(`--${name} must be a positive number`);
    return v;
  };
  const o = {
    out: args.out,
    seconds: positive("seconds"),
    rate: positive("rate"),
    chunkSize: positive("chunk-size"),
    unchunked: args.unchunked,
    compression: args.compression,
    level: Number(args.level),
    shuffleMs: Number(args["shuffle-ms"]),
    seed: Number(args.seed) >>> 0,
    cutAt: args["cut-at-seconds"] === undefined ? null : positive("cut-at-seconds"),
    events: args.events,
    tickMs: positive("tick-ms"),
    fsync: args.fsync,
    protoDir: args["proto-dir"],
  };
  if (!["zstd", "lz4", "none"].includes(o.compression)) usage(`--compression: zstd, lz4 or none, not ${o.compression}`);
  if (!(o.shuffleMs >= 0)) usage("--shuffle-ms must be 0 or more");
  return o;
}

function compressor(name, level) {
  switch (name) {
    case "zstd":
      return (data) => ({ compression: "zstd", compressedData: zstd.compress(data, level) });
    case "lz4":
      return (data) => ({ compression: "lz4", compressedData: lz4.compress(data) });
  }
  return undefined;
}

async function main() {
  const o = parse();
  const proto = loadProto(o.protoDir);
  await zstd.isLoaded;

  const eventsFd = o.events ? fs.openSync(o.events, "w") : null;
  // the messages given to the writer and not yet in the file
  let pending = { count: 0, maxLogTime: 0n };
  let groupStart = 0n;
  let inFile = 0;
  let groups = 0;
  const durable = (end) => {
    const wallNs = nowNs();
    inFile += pending.count;
    groups++;
    if (eventsFd !== null)
      fs.writeSync(
        eventsFd,
        `{"start": ${groupStart}, "offset": ${end}, "wall_ns": ${wallNs}, "max_log_time_ns": ${pending.maxLogTime}, "messages": ${pending.count}}\n`,
      );
    pending = { count: 0, maxLogTime: 0n };
    groupStart = end;
  };

  // McapWriter hands over a chunk, then its message indexes: the group is
  // whole after the message indexes.  Unchunked, a tick's flush is a group.
  const writable = new SyncFileWritable(o.out, {
    fsync: o.fsync,
    afterWrite: (bytes, end) => {
      if (o.unchunked ? pending.count > 0 : bytes[0] === Opcode.MESSAGE_INDEX) durable(end);
      else if (o.unchunked) groupStart = end;
      else if (bytes[0] === Opcode.CHUNK) groupStart = end - BigInt(bytes.length);
    },
  });
  const writer = o.unchunked
    ? new LiveUnchunkedWriter(writable)
    : new McapWriter({ writable, chunkSize: o.chunkSize, compressChunk: compressor(o.compression, o.level) });
  await writer.start({ profile: "", library: `hdaq-bench-gen ${VERSION} grow` });
  const streams = await registerStreams(writer, proto, o.seed);
  startSchedule(streams, o.seed);
  // protobufjs builds a type's encoder at its first message: build them all
  // now, not in the first tick
  for (const s of streams) s.encode(0, 0);
  const lateness = rng(hashKey(o.seed, "shuffle"));

  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  // session time (ns since the start, for the schedule and the signals)
  // runs RATE times faster than the wall clock
  const startNs = nowNs();
  await writer.addMetadata(
    sessionMetadata(o.seed, [
      ["mode", "live"],
      ["rate", String(o.rate)],
      ["start_ns", String(startNs)],
    ]),
  );
  const sessionNs = (wallElapsedNs) => BigInt(Math.round(Number(wallElapsedNs) * o.rate));
  const wallOf = (sessionOffsetNs) => startNs + BigInt(Math.round(Number(sessionOffsetNs) / o.rate));
  const stopWallNs = BigInt(Math.round((o.cutAt !== null ? Math.min(o.cutAt, o.seconds) : o.seconds) * 1e9));
  const endSession = sessionNs(stopWallNs);
  const shuffleNs = o.shuffleMs * 1e6;
  const tickNs = BigInt(Math.round(o.tickMs * 1e6));

  let produced = 0;
  let minLogTime = null;
  let maxLogTime = 0n;
  let maxBehindNs = 0n;
  // each tick at the next multiple of the tick after the last one's end
  for (let tick = 1n; ; tick = (nowNs() - startNs) / tickNs + 1n) {
    const wait = Number(startNs + tick * tickNs - nowNs()) / 1e6;
    if (wait > 0) await sleep(wait);
    const elapsed = nowNs() - startNs;
    const last = stopping || elapsed >= stopWallNs;
    const due = last ? endSession : sessionNs(elapsed) + 1n;
    let first = true;
    for (let s; !stopping && (s = nextDue(streams, due < endSession ? due : endSession)) !== null; ) {
      const dueWall = wallOf(s.next);
      if (first) {
        const behind = nowNs() - dueWall;
        if (behind > maxBehindNs) maxBehindNs = behind;
        first = false;
      }
      const logTime = shuffleNs > 0 ? dueWall - BigInt(Math.floor(lateness() * shuffleNs)) : dueWall;
      const data = s.encode(Number(s.next) / 1e9, s.seq);
      pending.count++;
      if (logTime > pending.maxLogTime) pending.maxLogTime = logTime;
      if (minLogTime === null || logTime < minLogTime) minLogTime = logTime;
      if (logTime > maxLogTime) maxLogTime = logTime;
      await writer.addMessage({ channelId: s.channelId, sequence: s.seq, logTime, publishTime: publishTime(s, logTime), data });
      advance(s);
      produced++;
    }
    if (o.unchunked) writer.flush();
    if (last) break;
  }

  const cut = o.cutAt !== null && o.cutAt < o.seconds && !stopping;
  if (!cut) await writer.end();
  writable.close();
  if (eventsFd !== null) fs.closeSync(eventsFd);
  console.log(
    JSON.stringify({
      messages: cut ? inFile : produced,
      produced,
      bytes: Number(writable.position()),
      topics: streams.length,
      chunks: o.unchunked ? 0 : groups,
      cut,
      seconds: Number(nowNs() - startNs) / 1e9,
      rate: o.rate,
      start_ns: String(startNs),
      min_log_time_ns: String(minLogTime ?? 0n),
      max_log_time_ns: String(maxLogTime),
      max_behind_ms: Number(maxBehindNs) / 1e6,
    }),
  );
}

main().catch((e) => {
  console.error(`grow: ${e.stack ?? e}`);
  process.exit(1);
});
