#!/usr/bin/env node
// gen-session.mjs: write a deterministic, realistic telemetry session of a
// race car as an MCAP file.
//
//   node gen-session.mjs --out FILE --minutes M [--seed N] [--start ISO]
//                        [--proto-dir DIR] [--chunk-size BYTES] [--level L]
//   node gen-session.mjs --out FILE --laps N [--track fsae|TRACK.json]
//                        [--truth FILE.json] [--no-lap-trigger] [...]
//
// Track mode (--laps): the car drives N timed laps of a closed circuit
// (track.mjs): GPS (VnInsData at 50 Hz, VNData at 10 Hz), speeds and wheel
// speeds follow the drive, and LapTime carries the lap count and the last
// lap's time (unless --no-lap-trigger).  The session lasts as long as the
// drive; the truth (track, gate, each lap's start and time) is written as
// JSON beside the file (FILE with .truth.json for .mcap, or --truth).
//
// The session holds protobuf topics from the car's own .proto files
// (test/data/hytech/HT_proto) at their usual rates (1-250 Hz), and a few
// JSON topics, about 1,200 messages per second in all.  Every numeric leaf
// of every message follows its own smooth signal (a sum of two sines,
// quantized to a resolution that suits the field), chosen from the seed, so
// that the same arguments always give the same bytes.  The file is written
// by the official TypeScript writer (@mcap/core) with zstd chunks of 1 MiB,
// a summary, and chunk and message indexes, as a car's logger writes them.
//
// The session (its topics and signals) is in session.mjs, shared with
// grow.mjs.  See bench/README.md for what the session contains.

import fs from "node:fs";
import { parseArgs } from "node:util";
import { createRequire } from "node:module";

import { McapWriter } from "@mcap/core";

import { driveLeaves, driveTruth, loadTrack, planDrive } from "./track.mjs";
import {
  DEFAULT_PROTO_DIR,
  VERSION,
  advance,
  loadProto,
  nextDue,
  publishTime,
  registerStreams,
  sessionMetadata,
  startSchedule,
} from "./session.mjs";

const require = createRequire(import.meta.url);
const zstd = require("@foxglove/wasm-zstd");

// ---- writing ---------------------------------------------------------------------

// A file sink for McapWriter that writes in large blocks.
class FileWritable {
  constructor(file) {
    this.fd = fs.openSync(file, "w");
    this.buf = Buffer.allocUnsafe(8 << 20);
    this.used = 0;
    this.pos = 0n;
  }
  async write(bytes) {
    if (this.used + bytes.length > this.buf.length) this.flush();
    if (bytes.length > this.buf.length) fs.writeSync(this.fd, bytes);
    else {
      this.buf.set(bytes, this.used);
      this.used += bytes.length;
    }
    this.pos += BigInt(bytes.length);
  }
  position() {
    return this.pos;
  }
  flush() {
    if (this.used > 0) fs.writeSync(this.fd, this.buf, 0, this.used);
    this.used = 0;
  }
  close() {
    this.flush();
    fs.closeSync(this.fd);
  }
}

function usage(message) {
  if (message) console.error(`gen-session: ${message}`);
  console.error("usage: gen-session.mjs --out FILE --minutes M [--seed N] [--start ISO] [--proto-dir DIR] [--chunk-size BYTES] [--level L] [--quiet]");
  console.error("       gen-session.mjs --out FILE --laps N [--track fsae|TRACK.json] [--truth FILE.json] [--no-lap-trigger] [...]");
  process.exit(2);
}

async function main() {
  let args;
  try {
    args = parseArgs({
      options: {
        out: { type: "string" },
        minutes: { type: "string" },
        seed: { type: "string", default: "1" },
        start: { type: "string", default: "2024-06-15T14:00:00Z" },
        "proto-dir": { type: "string", default: DEFAULT_PROTO_DIR },
        "chunk-size": { type: "string", default: String(1 << 20) },
        level: { type: "string", default: "3" },
        quiet: { type: "boolean", default: false },
        laps: { type: "string" },
        track: { type: "string", default: "fsae" },
        truth: { type: "string" },
        "no-lap-trigger": { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }).values;
  } catch (e) {
    usage(e.message);
  }
  if (args.help) usage();
  if (!args.out) usage("--out is required");
  const seed = Number(args.seed) >>> 0;
  const startMs = Date.parse(args.start);
  if (Number.isNaN(startMs)) usage(`--start: not a date: ${args.start}`);
  const startNs = BigInt(startMs) * 1_000_000n;
  let minutes = Number(args.minutes);
  let drive = null;
  if (args.laps !== undefined) {
    const laps = Number(args.laps);
    if (!(Number.isInteger(laps) && laps >= 0)) usage("--laps must be a whole number");
    if (args.minutes !== undefined) usage("--laps sets the session's length: give no --minutes");
    drive = planDrive(loadTrack(args.track), laps, seed);
    minutes = drive.end / 60;
  }
  if (!(minutes > 0)) usage("--minutes must be a positive number");
  const durationNs = BigInt(Math.round(minutes * 60e9));
  const chunkSize = Number(args["chunk-size"]);
  const level = Number(args.level);

  const proto = loadProto(args["proto-dir"]);

  await zstd.isLoaded;
  const writable = new FileWritable(args.out);
  const writer = new McapWriter({
    writable,
    chunkSize,
    compressChunk: (data) => ({ compression: "zstd", compressedData: zstd.compress(data, level) }),
  });
  await writer.start({ profile: "", library: `hdaq-bench-gen ${VERSION}` });

  let options = {};
  let extra = [];
  if (drive) {
    const lapTrigger = !args["no-lap-trigger"];
    options = { overrides: driveLeaves(drive, startNs, lapTrigger).leaves, omit: lapTrigger ? [] : ["LapTime"] };
    extra = [["track", drive.track.name], ["laps", String(drive.laps)]];
    const truth = driveTruth(drive, startNs);
    if (lapTrigger) truth.lap_trigger = { topic: "LapTime", count: "lapcount", lap_time: "laptime_seconds", hz: 1 };
    const truthFile = args.truth ?? args.out.replace(/(\.mcap)?$/, ".truth.json");
    fs.writeFileSync(truthFile, JSON.stringify(truth, null, 2) + "\n");
  }
  const streams = await registerStreams(writer, proto, seed, options);
  await writer.addMetadata(sessionMetadata(seed, extra));

  // the writer gets the streams' messages merged in log-time order
  startSchedule(streams, seed);
  let count = 0;
  let lastReport = Date.now();
  for (;;) {
    const s = nextDue(streams, durationNs);
    if (s === null) break;
    const logTime = startNs + s.next;
    const t = Number(s.next) / 1e9;
    const data = s.encode(t, s.seq);
    await writer.addMessage({
      channelId: s.channelId,
      sequence: s.seq,
      logTime,
      publishTime: publishTime(s, logTime),
      data,
    });
    advance(s);
    count++;
    if (!args.quiet && (count & 0xffff) === 0 && Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      process.stderr.write(`gen-session: ${(t / 60).toFixed(1)} of ${minutes} min, ${count} messages\n`);
    }
  }
  await writer.end();
  writable.close();
  if (!args.quiet) {
    const size = fs.statSync(args.out).size;
    process.stderr.write(`gen-session: wrote ${args.out}: ${count} messages, ${(size / 1e6).toFixed(1)} MB\n`);
  }
}

main().catch((e) => {
  console.error(`gen-session: ${e.stack ?? e}`);
  process.exit(1);
});
