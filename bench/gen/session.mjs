// session.mjs: the telemetry session of a race car that the generators
// write: its topics, the signal every numeric leaf follows, and the schedule
// of its messages.  gen-session.mjs writes a whole session at once into a
// file; grow.mjs writes one in real time, as the car's logger does.
//
// The session holds protobuf topics from the car's own .proto files
// (test/data/hytech/HT_proto) at their usual rates (1-250 Hz), and a few
// JSON topics, about 1,200 messages per second in all.  Every numeric leaf
// of every message follows its own smooth signal (a sum of two sines,
// quantized to a resolution that suits the field), chosen from the seed, so
// that the same seed always gives the same messages.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

import protobuf from "protobufjs";

const require = createRequire(import.meta.url);
const descriptor = require("protobufjs/ext/descriptor");

const here = path.dirname(fileURLToPath(import.meta.url));
export const VERSION = JSON.parse(fs.readFileSync(path.join(here, "package.json"), "utf8")).version;
export const DEFAULT_PROTO_DIR = path.resolve(here, "../../test/data/hytech/HT_proto");

// ---- the session's topics ---------------------------------------------------

// Protobuf topics: the topic is the message name, as on the car.
export const PROTO_TOPICS = [
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
export const JSON_TOPICS = [
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
export function hashKey(seed, text) {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

// mulberry32: a small seeded generator of floats in [0, 1).
export function rng(key) {
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
function compileType(type, seed, prefix, overrides = {}) {
  const fields = [];
  for (const field of type.fieldsArray) {
    field.resolve();
    const leafPath = prefix + field.name;
    fields.push([field.name, compileField(field, seed, leafPath, overrides)]);
  }
  return (t, seq) => {
    const obj = {};
    for (const [name, make] of fields) obj[name] = make(t, seq);
    return obj;
  };
}

function compileField(field, seed, leafPath, overrides) {
  if (field.repeated) {
    const n = REPEATED_LENGTHS[field.name] ?? DEFAULT_REPEATED;
    const items = [];
    for (let i = 0; i < n; i++) items.push(compileLeaf(field, seed, `${leafPath}[${i}]`, overrides));
    return (t, seq) => items.map((make) => make(t, seq));
  }
  return compileLeaf(field, seed, leafPath, overrides);
}

// A leaf's function of (t, seq): OVERRIDES[leafPath] when there is one (a
// signal that follows something else, such as the track mode's drive),
// otherwise its own.
function compileLeaf(field, seed, leafPath, overrides) {
  const key = hashKey(seed, leafPath);
  const name = field.name;
  if (overrides[leafPath]) return overrides[leafPath];
  if (field.resolvedType instanceof protobuf.Type) return compileType(field.resolvedType, seed, leafPath + ".", overrides);
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

// ---- the session in a writer ----------------------------------------------------

// The car's message definitions from DIR (field names as written), and
// the FileDescriptorSet that every protobuf schema of the session holds.
export function loadProto(protoDir = DEFAULT_PROTO_DIR) {
  const root = new protobuf.Root();
  root.loadSync(
    ["base_msgs.proto", "hytech_msgs.proto"].map((f) => path.join(protoDir, f)),
    { keepCase: true },
  );
  root.resolveAll();
  const schemaData = descriptor.FileDescriptorSet.encode(root.toDescriptor("proto3")).finish();
  return { root, schemaData };
}

// Register the session's schemas and channels with an McapWriter (the
// protobuf topics, then the JSON ones) and return its streams: one per
// topic, { channelId, hz, encode(t, seq) -> bytes } where t is the time in
// seconds since the session's start.  options.overrides maps leaf paths
// ('VnInsData/lat_deg') to functions of t that replace their signals;
// options.omit lists topics to leave out.
export async function registerStreams(writer, { root, schemaData }, seed, options = {}) {
  const streams = [];
  const omit = new Set(options.omit ?? []);
  for (const { type: typeName, hz } of PROTO_TOPICS) {
    if (omit.has(typeName)) continue;
    const type = root.lookupType(`hytech_msgs.${typeName}`);
    const schemaId = await writer.registerSchema({ name: type.fullName.slice(1), encoding: "protobuf", data: schemaData });
    const channelId = await writer.registerChannel({ topic: typeName, messageEncoding: "protobuf", schemaId, metadata: new Map() });
    const make = compileType(type, seed, `${typeName}/`, options.overrides);
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
  return streams;
}

// The session's metadata record, with EXTRA [key, value] pairs after the
// usual ones.
export function sessionMetadata(seed, extra = []) {
  return {
    name: "session",
    metadata: new Map([
      ["car", "HT09"],
      ["driver", "test driver"],
      ["event", "endurance practice"],
      ["generator", `hdaq-bench-gen ${VERSION}`],
      ["seed", String(seed)],
      ...extra,
    ]),
  };
}

// ---- the schedule ---------------------------------------------------------------

// Each stream's messages come at its rate, with a small fixed jitter (at
// most a fifth of the period) drawn from its own generator.  A stream's
// `next` is the time of its next message, in nanoseconds since the
// session's start (a BigInt), and `seq` its number.
export function startSchedule(streams, seed) {
  for (const s of streams) {
    s.periodNs = 1e9 / s.hz;
    s.jitter = rng(hashKey(seed, `jitter/${s.channelId}`));
    s.seq = 0;
    s.next = BigInt(Math.round(s.periodNs * 0.2 * s.jitter()));
  }
}

// The stream whose next message comes first, if it comes before END (ns
// since the start); null when none does.  Messages taken this way are
// merged in log-time order.
export function nextDue(streams, endNs) {
  let s = null;
  for (const c of streams) if (c.next < endNs && (s === null || c.next < s.next)) s = c;
  return s;
}

// Move a stream on past the message it just gave.
export function advance(s) {
  s.seq++;
  s.next = BigInt(Math.round(s.periodNs * (s.seq + 0.2 * s.jitter())));
}

// The publish time of a stream's message: the sensor's clock, a little
// before the logger's.
export function publishTime(s, logTime) {
  return logTime - 150_000n - BigInt(s.seq % 50) * 1000n;
}
