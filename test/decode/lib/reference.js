// Independent decoders the C decoders are checked against: protobufjs for
// protobuf, @foxglove/rosmsg2-serialization for ROS 2 CDR,
// @foxglove/rosmsg-serialization for ROS 1, and a JSON parser for json.
"use strict";

const protobuf = require("protobufjs");
const descriptor = require("protobufjs/ext/descriptor");
const { parse: parseMsgdef } = require("@foxglove/rosmsg");
const { parseRos2idl } = require("@foxglove/ros2idl-parser");
const { MessageReader: Ros2Reader } = require("@foxglove/rosmsg2-serialization");
const { MessageReader: Ros1Reader } = require("@foxglove/rosmsg-serialization");
const lossless = require("./lossless");

// The options that give the mapping src/decode documents: field names as in
// the .proto, every field (defaults included), enums by name, 64-bit
// integers exact (as strings here), bytes base64, oneof members only when set.
const TO_OBJECT = { defaults: true, enums: String, longs: String, bytes: String, oneofs: false, json: true };

function protobufDecoder(schemaName, schemaData) {
  const set = descriptor.FileDescriptorSet.decode(schemaData);
  const root = protobuf.Root.fromDescriptor(set);
  const type = root.lookupType(schemaName.replace(/^\./, ""));
  return (data) => type.toObject(type.decode(data), TO_OBJECT);
}

// A ROS 2 service event schema is the .srv text ("request --- response");
// the recorded message is service_msgs/ServiceEventInfo plus at most one
// request and one response.  Spell that out as a .msg definition.
function expandServiceEvent(schemaName, text) {
  const m = /^(.*)\/srv\/(.*)_Event$/.exec(schemaName);
  const parts = text.split(/^---\s*$/m);
  if (!m || parts.length !== 2) return text;
  const [pkg, srv] = [m[1], m[2]];
  const sep = "=".repeat(80);
  return [
    `service_msgs/ServiceEventInfo info\n${pkg}/${srv}_Request[<=1] request\n${pkg}/${srv}_Response[<=1] response\n`,
    `MSG: service_msgs/ServiceEventInfo\nuint8 event_type\nbuiltin_interfaces/Time stamp\nchar[16] client_gid\nint64 sequence_number\n`,
    `MSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n`,
    `MSG: ${pkg}/${srv}_Request\n${parts[0]}`,
    `MSG: ${pkg}/${srv}_Response\n${parts[1]}`,
  ].join(`${sep}\n`);
}

function ros2Decoder(schemaName, schemaData) {
  let text = new TextDecoder().decode(schemaData);
  if (/^---\s*$/m.test(text)) text = expandServiceEvent(schemaName, text);
  const reader = new Ros2Reader(parseMsgdef(text, { ros2: true }));
  return (data) => reader.readMessage(data);
}

// ROS 2 IDL: the definition named by the schema first (the reader's root)
function ros2idlDefinitions(schemaName, text) {
  const defs = parseRos2idl(text);
  const root = defs.findIndex((d) => d.name === schemaName);
  if (root > 0) defs.unshift(defs.splice(root, 1)[0]);
  return defs;
}

function ros2idlDecoder(schemaName, schemaData) {
  const reader = new Ros2Reader(ros2idlDefinitions(schemaName, new TextDecoder().decode(schemaData)));
  return (data) => reader.readMessage(data);
}

function ros1Decoder(schemaName, schemaData) {
  const reader = new Ros1Reader(parseMsgdef(new TextDecoder().decode(schemaData)));
  return (data) => reader.readMessage(data);
}

function jsonDecoder() {
  return (data) => lossless.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
}

// A decoding function for a channel, or null when there is no reference
// decoder for its encoding.
function referenceDecoder(messageEncoding, schemaEncoding, schemaName, schemaData) {
  if (messageEncoding === "protobuf" && schemaEncoding === "protobuf") return protobufDecoder(schemaName, schemaData);
  if (messageEncoding === "cdr" && schemaEncoding === "ros2msg") return ros2Decoder(schemaName, schemaData);
  if (messageEncoding === "cdr" && schemaEncoding === "ros2idl") return ros2idlDecoder(schemaName, schemaData);
  if (messageEncoding === "ros1" && schemaEncoding === "ros1msg") return ros1Decoder(schemaName, schemaData);
  if (messageEncoding === "json") return jsonDecoder();
  return null;
}

module.exports = { referenceDecoder, protobufDecoder, ros2idlDefinitions };
