#!/usr/bin/env node
// gen-session.mjs: write a deterministic, realistic telemetry session of a
// race car as an MCAP file.
//
//   node gen-session.mjs --out FILE --minutes M [--seed N] [--start ISO]
//                        [--proto-dir DIR] [--chunk-size BYTES] [--level L]
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
// See bench/README.md for what the session contains.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createRequire } from "node:module";

import { McapWriter } from "@mcap/core";
import protobuf from "protobufjs";

const require = createRequire(import.meta.url);
const descriptor = require("protobufjs/ext/descriptor");
const zstd = require("@foxglove/wasm-zstd");

const here = path.dirname(fileURLToPath(import.meta.url));
const VERSION = JSON.parse(fs.readFileSync(path.join(here, "package.json"), "utf8")).version;

// ---- the session's topics ---------------------------------------------------

// Protobuf topics: the topic is the message name, as on the car.
const PROTO_TOPICS = [
  { type: "MCUOutputData", hz: 250 },
  { type: "MCUCommandData", hz: 250 },
  { type: "VnImuData", hz: 200 },
  { type: "VehicleData", hz: 100 },
  { type: "VCRData_s", hz: 100 },
  { type: "VCFData_s", hz: 100 },
  { type: "VnInsData", hz: 50 },
  { type: "VnYprData", hz: 50 },
  { type: "EkfState", hz: 50 },
  { type: "VNData", hz: 10 },
  { type: "ACUAllData", hz: 10 },
  { type: "EkfDebugSnapshot", hz: 10 },
  { type: "VnDualGnssData", hz: 5 },
  { type: "LapTime", hz: 1 },
];

// JSON topics, with a JSON schema each.
const JSON_TOPICS = [
  { topic: "diagnostics", hz: 10 },
  { topic: "system_status", hz: 2 },
  { topic: "driver_events", hz: 1 },
];

// Lengths of repeated fields, by field name; others get DEFAULT_REPEATED.
const REPEATED_LENGTHS = {
  cell_voltages: 126,
  cell_temperatures: 48,
  board_temperatures: 6,
  invalid_packet_chip_counts: 12,
  readings_pa: 8,
  conversions: 2,
};
const DEFAULT_REPEATED = 4;

// ---- deterministic numbers --------------------------------------------------

// FNV-1a over a string, mixed with the seed: a 32-bit key per leaf.
function hashKey(seed, text) {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

// mulberry32: a small seeded generator of floats in [0, 1).
function rng(key) {
  let a = key >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Range and resolution of a numeric leaf, from its name (or, for a leaf
// such as FL, from its path): what such a sensor reads on the car, and how
// finely it is logged (steps over the range).  [low, high, steps], or null for a
// field the rules do not know.
function leafRange(name, leafPath) {
  const rules = [
    [/(^|_)lat(_|$)/, [33.774, 33.779, 12500]],
    [/(^|_)lon(_|$)/, [-84.401, -84.395, 15000]],
    [/alt/, [280, 300, 500]],
    [/rpm/, [0, 20000, 1000]],
    [/cell_voltage|cell_volt/, [3.55, 4.15, 150]],
    [/temp/, [22, 58, 90]],
    [/voltage|glv|volt/, [11.5, 600, 1024]],
    [/current/, [-40, 180, 1024]],
    [/percent|soc|soh|rate$|progress/, [0, 1, 250]],
    [/torque/, [-21, 21, 1024]],
    [/steering|angle/, [-110, 110, 1024]],
    [/accel|_ss|m_s2|mss/, [-25, 25, 1250]],
    [/gyro|rate|_rads|rad_s/, [-3, 3, 1500]],
    [/yaw|pitch|roll|ypr|psi/, [-3.14, 3.14, 1570]],
    [/vel|_ms|m_s/, [-5, 35, 1000]],
    [/load|weight/, [0, 1500, 1024]],
    [/pot|_mm|sus/, [0, 75, 256]],
    [/pressure|_pa/, [0, 3000, 1024]],
    [/power|watts|kw/, [0, 80000, 2000]],
  ];
  for (const text of [name.toLowerCase(), leafPath.toLowerCase()])
    for (const [re, range] of rules) if (re.test(text)) return range;
  return null;
}

const INT_TYPES = new Set(["int32", "uint32", "sint32", "fixed32", "sfixed32", "int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const UNSIGNED = new Set(["uint32", "fixed32", "uint64", "fixed64"]);

// The share of the other leaves (debug fields, counters, spare channels)
// that hold still during a session: a constant value.
const QUIET_SHARE = 0.5;

// A function of time (seconds since the start) for one numeric leaf: two
// sines with periods of a few seconds to a few minutes, quantized to the
// leaf's steps.
function numericSignal(key, name, leafPath, type) {
  const r = rng(key);
  const isInt = INT_TYPES.has(type);
  const known = leafRange(name, leafPath);
  let [low, high, steps] = known ?? (isInt ? [0, 4095, 1024] : [-100, 100, 500]);
  if (UNSIGNED.has(type) && low < 0) low = 0;
  let resolution = (high - low) / steps;
  if (isInt) resolution = Math.max(1, Math.round(resolution));
  const inv = 1 / resolution;
  const mid = (low + high) / 2;
  const half = (high - low) / 2;
  const quantize = (v) => (isInt ? Math.round(Math.round(v * inv) / inv) : Math.round(v * inv) / inv);
  if (!known && r() < QUIET_SHARE) {
    const v = r() < 0.5 ? 0 : quantize(mid + half * (r() - 0.5));
    return () => v;
  }
  const p1 = 5 + r() * 115;
  const p2 = 0.5 + r() * 4.5;
  const ph1 = r() * 2 * Math.PI;
  const ph2 = r() * 2 * Math.PI;
  const a1 = half * (0.55 + 0.3 * r());
  const a2 = half * 0.08 * r();
  const w1 = (2 * Math.PI) / p1;
  const w2 = (2 * Math.PI) / p2;
  return (t) => quantize(mid + a1 * Math.sin(w1 * t + ph1) + a2 * Math.sin(w2 * t + ph2));
}

// ---- building messages from a protobuf type ---------------------------------

// Compile a generator for a message type: a function of (t, seq) that
// returns a plain object protobufjs can encode.  Every leaf gets its signal
// once, here, so that making a message is only arithmetic.
function compileType(type, seed, prefix) {
  const fields = [];
  for (const field of type.fieldsArray) {
    field.resolve();
    const leafPath = prefix + field.name;
    fields.push([field.name, compileField(field, seed, leafPath)]);
  }
  return (t, seq) => {
    const obj = {};
    for (const [name, make] of fields) obj[name] = make(t, seq);
    return obj;
  };
}

function compileField(field, seed, leafPath) {
  if (field.repeated) {
    const n = REPEATED_LENGTHS[field.name] ?? DEFAULT_REPEATED;
    const items = [];
    for (let i = 0; i < n; i++) items.push(compileLeaf(field, seed, `${leafPath}[${i}]`));
    return (t, seq) => items.map((make) => make(t, seq));
  }
  return compileLeaf(field, seed, leafPath);
}

function compileLeaf(field, seed, leafPath) {
  const key = hashKey(seed, leafPath);
  const name = field.name;
  if (field.resolvedType instanceof protobuf.Type) return compileType(field.resolvedType, seed, leafPath + ".");
  if (field.resolvedType instanceof protobuf.Enum) {
    // step through the enum's values, a few minutes each
    const values = Object.values(field.resolvedType.values);
    const r = rng(key);
    const period = 60 + r() * 240;
    const offset = Math.floor(r() * values.length);
    return (t) => values[(offset + Math.floor(t / period)) % values.length];
  }
  switch (field.type) {
    case "bool": {
      const r = rng(key);
      const period = 20 + r() * 280;
      const duty = 0.2 + 0.7 * r();
      const phase = r() * period;
      return (t) => ((t + phase) % period) / period < duty;
    }
    case "string": {
      const r = rng(key);
      const hex = Array.from({ length: 40 }, () => Math.floor(r() * 16).toString(16)).join("");
      return () => hex;
    }
    case "bytes": {
      const r = rng(key);
      const bytes = Uint8Array.from({ length: 8 }, () => Math.floor(r() * 256));
      return () => bytes;
    }
  }
  // clocks of the sensors: time since their start-up
  if (/_ns$/.test(name)) return (t) => Math.round(t * 1e9) + 12_345_000_000;
  if (/millis$/.test(name)) return (t) => Math.round(t * 1e3) + 12_345;
  if (/count$/.test(name) || name === "lapcount") {
    const r = rng(key);
    const period = 1 + r() * 120;
    return (t) => Math.floor(t / period);
  }
  return numericSignal(key, name, leafPath, field.type);
}

// ---- JSON topics --------------------------------------------------------------

function jsonTopic(topic, seed) {
  const sig = (leaf, low, high, res) => {
    const r = rng(hashKey(seed, `${topic}/${leaf}`));
    const p = 5 + r() * 100;
    const ph = r() * 2 * Math.PI;
    return (t) => Math.round(((low + high) / 2 + ((high - low) / 2) * 0.8 * Math.sin((2 * Math.PI * t) / p + ph)) / res) * res;
  };
  switch (topic) {
    case "diagnostics": {
      const cpu = [0, 1, 2, 3].map((i) => sig(`cpu${i}`, 5, 95, 0.1));
      const mem = sig("mem", 200, 900, 1);
      const temp = sig("soc_temp", 40, 80, 0.1);
      const can = sig("can_load", 10, 70, 0.1);
      return {
        schema: {
          type: "object",
          properties: {
            cpu_percent: { type: "array", items: { type: "number" } },
            memory_mb: { type: "number" },
            soc_temp_c: { type: "number" },
            can_bus_load_percent: { type: "number" },
            uptime_s: { type: "number" },
          },
        },
        make: (t) => ({
          cpu_percent: cpu.map((f) => f(t)),
          memory_mb: mem(t),
          soc_temp_c: temp(t),
          can_bus_load_percent: can(t),
          uptime_s: Math.floor(t) + 600,
        }),
      };
    }
    case "system_status": {
      const states = ["STARTUP", "TRACTIVE_SYSTEM_ACTIVE", "READY_TO_DRIVE", "READY_TO_DRIVE", "READY_TO_DRIVE", "WANTING_READY_TO_DRIVE"];
      const glv = sig("glv", 23.5, 25.5, 0.01);
      return {
        schema: {
          type: "object",
          properties: {
            vehicle_state: { type: "string" },
            logging: { type: "boolean" },
            glv_voltage: { type: "number" },
            faults: { type: "array", items: { type: "string" } },
          },
        },
        make: (t) => ({
          vehicle_state: states[Math.floor(t / 90) % states.length],
          logging: true,
          glv_voltage: glv(t),
          faults: Math.floor(t / 45) % 7 === 3 ? ["IMD_WARN"] : [],
        }),
      };
    }
    case "driver_events": {
      const kinds = ["button_press", "mode_change", "lap_marker", "radio"];
      return {
        schema: {
          type: "object",
          properties: {
            kind: { type: "string" },
            value: { type: "integer" },
            note: { type: "string" },
          },
        },
        make: (t, seq) => ({ kind: kinds[seq % kinds.length], value: seq % 11, note: `event ${seq}` }),
      };
    }
  }
  throw new Error(`unknown JSON topic ${topic}`);
}

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
        "proto-dir": { type: "string", default: path.resolve(here, "../../test/data/hytech/HT_proto") },
        "chunk-size": { type: "string", default: String(1 << 20) },
        level: { type: "string", default: "3" },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }).values;
  } catch (e) {
    usage(e.message);
  }
  if (args.help) usage();
  if (!args.out) usage("--out is required");
  const minutes = Number(args.minutes);
  if (!(minutes > 0)) usage("--minutes must be a positive number");
  const seed = Number(args.seed) >>> 0;
  const startMs = Date.parse(args.start);
  if (Number.isNaN(startMs)) usage(`--start: not a date: ${args.start}`);
  const startNs = BigInt(startMs) * 1_000_000n;
  const durationNs = BigInt(Math.round(minutes * 60e9));
  const chunkSize = Number(args["chunk-size"]);
  const level = Number(args.level);

  // the car's message definitions, field names as written
  const root = new protobuf.Root();
  root.loadSync(
    ["base_msgs.proto", "hytech_msgs.proto"].map((f) => path.join(args["proto-dir"], f)),
    { keepCase: true },
  );
  root.resolveAll();
  const schemaData = descriptor.FileDescriptorSet.encode(root.toDescriptor("proto3")).finish();

  await zstd.isLoaded;
  const writable = new FileWritable(args.out);
  const writer = new McapWriter({
    writable,
    chunkSize,
    compressChunk: (data) => ({ compression: "zstd", compressedData: zstd.compress(data, level) }),
  });
  await writer.start({ profile: "", library: `hdaq-bench-gen ${VERSION}` });

  const streams = [];
  for (const { type: typeName, hz } of PROTO_TOPICS) {
    const type = root.lookupType(`hytech_msgs.${typeName}`);
    const schemaId = await writer.registerSchema({ name: type.fullName.slice(1), encoding: "protobuf", data: schemaData });
    const channelId = await writer.registerChannel({ topic: typeName, messageEncoding: "protobuf", schemaId, metadata: new Map() });
    const make = compileType(type, seed, `${typeName}/`);
    streams.push({ channelId, hz, encode: (t, seq) => type.encode(make(t, seq)).finish() });
  }
  const encoder = new TextEncoder();
  for (const { topic, hz } of JSON_TOPICS) {
    const { schema, make } = jsonTopic(topic, seed);
    const schemaId = await writer.registerSchema({
      name: topic,
      encoding: "jsonschema",
      data: encoder.encode(JSON.stringify(schema)),
    });
    const channelId = await writer.registerChannel({ topic, messageEncoding: "json", schemaId, metadata: new Map([["source", "telemetry-node"]]) });
    streams.push({ channelId, hz, encode: (t, seq) => encoder.encode(JSON.stringify(make(t, seq))) });
  }
  await writer.addMetadata({
    name: "session",
    metadata: new Map([
      ["car", "HT09"],
      ["driver", "test driver"],
      ["event", "endurance practice"],
      ["generator", `hdaq-bench-gen ${VERSION}`],
      ["seed", String(seed)],
    ]),
  });

  // Each stream's messages come at its rate, with a small fixed jitter (at
  // most a fifth of the period) drawn from its own generator; the writer gets
  // them merged in log-time order.
  for (const s of streams) {
    s.periodNs = 1e9 / s.hz;
    s.jitter = rng(hashKey(seed, `jitter/${s.channelId}`));
    s.seq = 0;
    s.next = startNs + BigInt(Math.round(s.periodNs * 0.2 * s.jitter()));
  }
  const endNs = startNs + durationNs;
  let count = 0;
  let lastReport = Date.now();
  for (;;) {
    let s = null;
    for (const c of streams) if (c.next < endNs && (s === null || c.next < s.next)) s = c;
    if (s === null) break;
    const logTime = s.next;
    const t = Number(logTime - startNs) / 1e9;
    const data = s.encode(t, s.seq);
    await writer.addMessage({
      channelId: s.channelId,
      sequence: s.seq,
      logTime,
      publishTime: logTime - 150_000n - BigInt(s.seq % 50) * 1000n,
      data,
    });
    s.seq++;
    s.next = startNs + BigInt(Math.round(s.periodNs * (s.seq + 0.2 * s.jitter())));
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
