// Synthetic cases for the comparison: random messages (fixed seed) of
// every message type of the HyTech descriptor sets and of
// test/data/decode/alltypes*.proto, encoded by protobufjs; random ROS 2
// messages encoded by @foxglove/rosmsg2-serialization, ROS 1 messages by
// @foxglove/rosmsg-serialization; random JSON documents.  Some protobuf
// messages are written with their fields shuffled (each field encoded
// alone, then concatenated), which is the same message on the wire but not
// in canonical order.
"use strict";

const fs = require("fs");
const path = require("path");
const protobuf = require("protobufjs");
const descriptor = require("protobufjs/ext/descriptor");
const { parse: parseMsgdef } = require("@foxglove/rosmsg");
const { MessageWriter: Ros2Writer } = require("@foxglove/rosmsg2-serialization");
const { MessageWriter: Ros1Writer } = require("@foxglove/rosmsg-serialization");
const { ros2idlDefinitions } = require("./reference");

const DATA = path.join(__dirname, "..", "..", "data", "decode");
const MESSAGES_PER_TYPE = 20;

function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let random = rng(20240317);
const int = (n) => Math.floor(random() * n);
const pick = (a) => a[int(a.length)];

function randomString() {
  const pieces = ["a", "Z", "é", "€", "😀", '"', "\\", "\n", "\t", "\u0001", " ", "0", "ü", "/"];
  let s = "";
  for (let i = int(8); i > 0; i--) s += pick(pieces);
  return s;
}

function randomBytes() {
  const b = new Uint8Array(int(7));
  for (let i = 0; i < b.length; i++) b[i] = int(256);
  return b;
}

function randomDouble() {
  return pick([0, -0, 1, -1.5, 0.1, 1e300, -2.5e-308, 5e-324, NaN, Infinity, -Infinity,
    random() * 1e6 - 5e5, (random() - 0.5) * 1e-9, 123456789.123456789, 2 ** 53 + 2]);
}

function randomFloat() {
  return Math.fround(pick([0, -0, 1, 0.1, 3.4e38, -1.17549435e-38, 1e-45, NaN, Infinity, -Infinity,
    random() * 1000 - 500, 16777217, 24.2890625, 0.3]));
}

function randomLong(signed, bits) {
  const choices = signed
    ? ["0", "-1", "9223372036854775807", "-9223372036854775808", "123456789012345678", "-42"]
    : ["0", "1", "18446744073709551615", "9007199254740993", "4294967296"];
  if (bits === 32) return signed ? pick([0, -1, 2147483647, -2147483648, 7, -300]) : pick([0, 1, 4294967295, 300]);
  return pick(choices);
}

// ----------------------------------------------------------------------
// protobuf
// ----------------------------------------------------------------------
function randomScalar(type, field) {
  switch (type) {
    case "double": return randomDouble();
    case "float": return randomFloat();
    case "int32": case "sint32": case "sfixed32": return randomLong(true, 32);
    case "uint32": case "fixed32": return randomLong(false, 32);
    case "int64": case "sint64": case "sfixed64": return randomLong(true, 64);
    case "uint64": case "fixed64": return randomLong(false, 64);
    case "bool": return random() < 0.5;
    case "string": return randomString();
    case "bytes": return randomBytes();
    default: break;
  }
  const r = field.resolvedType;
  if (r instanceof protobuf.Enum) {
    const values = Object.values(r.values);
    return random() < 0.15 ? 77 : pick(values); // 77: not a declared value
  }
  return null;
}

function randomValue(field, depth) {
  const r = field.resolvedType;
  if (r instanceof protobuf.Type) return depth > 3 ? {} : randomMessage(r, depth + 1);
  return randomScalar(field.type, field);
}

function randomMapKey(keyType) {
  switch (keyType) {
    case "string": return randomString();
    case "bool": return pick(["true", "false"]);
    default: return String(randomScalar(keyType, null));
  }
}

function randomMessage(type, depth = 0) {
  const obj = {};
  const oneofChosen = new Set();
  for (const field of type.fieldsArray) {
    if (random() < 0.25) continue;
    if (field.partOf) {
      if (oneofChosen.has(field.partOf.name) || random() < 0.5) continue;
      oneofChosen.add(field.partOf.name);
    }
    if (field.map) {
      const m = {};
      for (let i = int(4); i > 0; i--) m[randomMapKey(field.keyType)] = randomValue(field, depth);
      obj[field.name] = m;
    } else if (field.repeated) {
      const a = [];
      for (let i = int(5); i > 0; i--) a.push(randomValue(field, depth));
      obj[field.name] = a;
    } else {
      obj[field.name] = randomValue(field, depth);
    }
  }
  return obj;
}

// The same message with its fields encoded one by one, in shuffled order
function shuffledEncoding(type, obj) {
  const parts = Object.keys(obj).map((k) => type.encode(type.fromObject({ [k]: obj[k] })).finish());
  for (let i = parts.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [parts[i], parts[j]] = [parts[j], parts[i]];
  }
  return Buffer.concat(parts.map((p) => Buffer.from(p)));
}

function allTypes(ns, prefix = "") {
  const out = [];
  for (const nested of ns.nestedArray || []) {
    if (nested instanceof protobuf.Type) out.push(nested);
    if (nested.nestedArray) out.push(...allTypes(nested));
  }
  return out;
}

function protobufCases(label, setBytes) {
  const root = protobuf.Root.fromDescriptor(descriptor.FileDescriptorSet.decode(setBytes));
  root.resolveAll();
  const cases = [];
  for (const type of allTypes(root)) {
    if (type.options && type.options.map_entry) continue;
    const fullName = type.fullName.replace(/^\./, "");
    const messages = [];
    for (let i = 0; i < MESSAGES_PER_TYPE; i++) {
      const obj = randomMessage(type);
      const msg = type.fromObject(obj);
      if (type.verify(msg)) continue;
      messages.push(i % 2 ? shuffledEncoding(type, obj) : Buffer.from(type.encode(msg).finish()));
    }
    if (!type.fieldsArray.some((f) => f.required)) messages.push(Buffer.alloc(0)); // every field absent
    cases.push({ name: `synthetic ${label} ${fullName}`, messageEncoding: "protobuf", schemaEncoding: "protobuf",
      schemaName: fullName, schemaData: setBytes, messages });
  }
  return cases;
}

function descriptorSetOf(protoFile) {
  const root = protobuf.parse(fs.readFileSync(protoFile, "utf8"), { keepCase: true }).root;
  root.resolveAll();
  const set = root.toDescriptor(/proto2/.test(fs.readFileSync(protoFile, "utf8")) ? "proto2" : "proto3");
  // as protoc writes them: no json_name (protobufjs would use it as the field name)
  const strip = (m) => {
    for (const f of m.field || []) delete f.jsonName;
    for (const n of m.nestedType || []) strip(n);
  };
  for (const file of set.file) for (const m of file.messageType || []) strip(m);
  return Buffer.from(descriptor.FileDescriptorSet.encode(set).finish());
}

// ----------------------------------------------------------------------
// ROS
// ----------------------------------------------------------------------
const ROS2_SCHEMA = `# synthetic ROS 2 message
std_msgs/Header header
bool flag
byte b
char c
int8 i8
uint8 u8
int16 i16
uint16 u16
int32 i32
uint32 u32
int64 i64
uint64 u64
float32 f32
float64 f64
string s
string<=10 bounded_s
int16[3] fixed
float64[] seq
uint8[<=4] bounded_seq
Point[] points
Point[2] pair
string[] names
int32 CONSTANT=7
int64 last 5
================================================================================
MSG: std_msgs/Header
builtin_interfaces/Time stamp
string frame_id
================================================================================
MSG: builtin_interfaces/Time
int32 sec
uint32 nanosec
================================================================================
MSG: hdaq_test/Point
float64 x
float32 y
uint8 z
`;

const ROS1_SCHEMA = `Header header
time t
duration d
bool flag
byte b
char c
int8 i8
uint16 u16
int32 i32
uint64 u64
float32 f32
float64 f64
string s
int16[3] fixed
float64[] seq
Point[] points
string[] names
================================================================================
MSG: std_msgs/Header
uint32 seq
time stamp
string frame_id
================================================================================
MSG: hdaq_test/Point
float64 x
float32 y
uint8 z
`;

function rosValue(field, defsByName, ros2) {
  const one = () => {
    if (field.isComplex) return rosMessage(defsByName.get(field.type) || defsByName.get(`hdaq_test/${field.type}`), defsByName, ros2);
    if (field.upperBound !== undefined && field.type === "string") return "short";
    switch (field.type) {
      case "bool": return random() < 0.5;
      case "int8": return pick([-128, 0, 127, -5]);
      case "uint8": case "byte": case "char": return pick([0, 255, 7]);
      case "int16": return pick([-32768, 32767, -2]);
      case "uint16": return pick([0, 65535]);
      case "int32": return pick([-2147483648, 2147483647, -1]);
      case "uint32": return pick([0, 4294967295]);
      case "int64": return pick([-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n]);
      case "uint64": return pick([0n, 2n ** 64n - 1n, 2n ** 53n + 1n]);
      case "float32": return randomFloat();
      case "float64": return randomDouble();
      case "string": return randomString().replace(/\u0000/g, "");
      case "time": case "duration": return { sec: int(1e9), nsec: int(1e9) };
      default: throw new Error(`no random value for ${field.type}`);
    }
  };
  if (!field.isArray) return one();
  const n = field.arrayLength !== undefined ? field.arrayLength : int(field.arrayUpperBound !== undefined ? field.arrayUpperBound + 1 : 4);
  const a = [];
  for (let i = 0; i < n; i++) a.push(one());
  return a;
}

function rosMessage(def, defsByName, ros2) {
  const obj = {};
  for (const f of def.definitions) if (!f.isConstant) obj[f.name] = rosValue(f, defsByName, ros2);
  return obj;
}

function rosCases(ros2) {
  const text = ros2 ? ROS2_SCHEMA : ROS1_SCHEMA;
  const defs = parseMsgdef(text, { ros2 });
  const byName = new Map(defs.map((d) => [d.name, d]));
  const writer = ros2 ? new Ros2Writer(defs) : new Ros1Writer(defs);
  const messages = [];
  for (let i = 0; i < MESSAGES_PER_TYPE * 2; i++) messages.push(Buffer.from(writer.writeMessage(rosMessage(defs[0], byName, ros2))));
  return [{ name: `synthetic ${ros2 ? "ROS 2 cdr" : "ROS 1"} hdaq_test/Everything`, messageEncoding: ros2 ? "cdr" : "ros1",
    schemaEncoding: ros2 ? "ros2msg" : "ros1msg", schemaName: ros2 ? "hdaq_test/msg/Everything" : "hdaq_test/Everything",
    schemaData: Buffer.from(text), messages }];
}

function ros2idlCases() {
  const text = fs.readFileSync(path.join(DATA, "sample.idl"), "utf8");
  const defs = ros2idlDefinitions("hdaq_test/msg/Sample", text);
  const byName = new Map(defs.map((d) => [d.name, d]));
  const writer = new Ros2Writer(defs);
  const messages = [];
  for (let i = 0; i < MESSAGES_PER_TYPE * 2; i++) messages.push(Buffer.from(writer.writeMessage(rosMessage(defs[0], byName, true))));
  return [{ name: "synthetic ROS 2 cdr (idl) hdaq_test/msg/Sample", messageEncoding: "cdr", schemaEncoding: "ros2idl",
    schemaName: "hdaq_test/msg/Sample", schemaData: Buffer.from(text), messages }];
}

// ----------------------------------------------------------------------
// JSON
// ----------------------------------------------------------------------
function randomJson(depth) {
  const r = int(depth > 4 ? 5 : 8);
  switch (r) {
    case 0: return JSON.stringify(randomString());
    case 1: return pick(["0", "-0", "1.5", "-12e-3", "1E+400", "18446744073709551615", "-9223372036854775808",
      "9223372036854775808", "123456789012345678901234567890", "0.1", "5e-324", "3.4028234663852886e38"]);
    case 2: return pick(["true", "false", "null"]);
    case 3: return JSON.stringify(random() * 1e6);
    case 4: return "\"\\u00e9\\ud83d\\ude00\\n\\/\"";
    case 5: {
      const items = [];
      for (let i = int(4); i > 0; i--) items.push(randomJson(depth + 1));
      return ` [ ${items.join(" ,\n")} ] `;
    }
    default: {
      const members = [];
      for (let i = int(4); i > 0; i--) members.push(`${JSON.stringify(randomString() + i)}:${randomJson(depth + 1)}`);
      return `{${members.join(",")}}`;
    }
  }
}

function jsonCases() {
  const messages = [];
  for (let i = 0; i < 200; i++) messages.push(Buffer.from(randomJson(0)));
  return [{ name: "synthetic json documents", messageEncoding: "json", schemaEncoding: "", schemaName: "",
    schemaData: Buffer.alloc(0), messages }];
}

function cases() {
  random = rng(20240317);
  return [
    ...protobufCases("hytech 2024", fs.readFileSync(path.join(DATA, "hytech_proto_2024-03_FileDescriptorSet.bin"))),
    ...protobufCases("hytech 2026", fs.readFileSync(path.join(DATA, "hytech_msgs_McapInfo_FileDescriptorSet_2026-03.bin"))),
    ...protobufCases("alltypes", descriptorSetOf(path.join(DATA, "alltypes.proto"))),
    ...protobufCases("alltypes2", descriptorSetOf(path.join(DATA, "alltypes2.proto"))),
    ...rosCases(true),
    ...rosCases(false),
    ...ros2idlCases(),
    ...jsonCases(),
  ];
}

// n random messages of one type of a descriptor set, encoded by protobufjs
function randomEncoded(setBytes, typeName, n) {
  const root = protobuf.Root.fromDescriptor(descriptor.FileDescriptorSet.decode(setBytes));
  root.resolveAll();
  const type = root.lookupType(typeName);
  const out = [];
  for (let i = 0; i < n; i++) out.push(Buffer.from(type.encode(type.fromObject(randomMessage(type))).finish()));
  return out;
}

module.exports = { cases, randomEncoded };
