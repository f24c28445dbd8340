// Regenerate the decoder fixtures from the real logs and .proto files:
//   test/data/decode/alltypes.fds, alltypes2.fds   FileDescriptorSets (protobufjs)
//   test/data/decode/samples.stream                 the first messages of each
//                                                   distinct schema of the logs
//   test/fuzz/corpus/fuzz_decode_*/                 seed inputs
// samples.jsonl (the expected output) is written by run-compare.sh --golden.
//
// usage: node make-fixtures.js [DATA_DIR]   (default test/data)
"use strict";

const fs = require("fs");
const path = require("path");
const protobuf = require("protobufjs");
const descriptor = require("protobufjs/ext/descriptor");
const { readMcap } = require("./lib/mcap");
const { StreamWriter } = require("./lib/stream");
const { randomEncoded } = require("./lib/synthetic");

const ROOT = path.join(__dirname, "..", "..");
const DECODE_DATA = path.join(ROOT, "test", "data", "decode");
const CORPUS = path.join(ROOT, "test", "fuzz", "corpus");
const SAMPLES_PER_SCHEMA = 3;

function descriptorSet(protoFile) {
  const text = fs.readFileSync(protoFile, "utf8");
  const root = protobuf.parse(text, { keepCase: true }).root;
  root.resolveAll();
  const set = root.toDescriptor(/syntax = "proto2"/.test(text) ? "proto2" : "proto3");
  const strip = (m) => {
    for (const f of m.field || []) delete f.jsonName;
    for (const n of m.nestedType || []) strip(n);
  };
  for (const file of set.file) for (const m of file.messageType || []) strip(m);
  return Buffer.from(descriptor.FileDescriptorSet.encode(set).finish());
}

function mcapFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...mcapFiles(p));
    else if (e.name.endsWith(".mcap")) out.push(p);
  }
  return out.sort();
}

function writeSeed(target, name, bytes) {
  const dir = path.join(CORPUS, target);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), bytes);
}

// Seeds of fuzz_decode_protobuf: its first byte picks the type (see its table)
function protobufSeeds() {
  const types = [["alltypes.fds", "hdaq.test.Everything"], ["alltypes.fds", "hdaq.test.Maps"],
    ["alltypes.fds", "hdaq.test.Tree"], ["alltypes.fds", "hdaq.test.Repeated"], ["alltypes2.fds", "hdaq.test2.Legacy"],
    ["hytech_msgs_McapInfo_FileDescriptorSet_2026-03.bin", "hytech_msgs.VehicleData"],
    ["hytech_msgs_McapInfo_FileDescriptorSet_2026-03.bin", "hytech_msgs.ACUAllData"]];
  types.forEach(([file, name], t) => {
    randomEncoded(fs.readFileSync(path.join(DECODE_DATA, file)), name, 3).forEach((m, i) =>
      writeSeed("fuzz_decode_protobuf", `${name}-${i}`, Buffer.concat([Buffer.from([t]), m])));
  });
}

// Seeds of fuzz_decode_schema: encoding byte, name length, name, schema
function schemaSeeds() {
  const seed = (file, enc, name, data) =>
    writeSeed("fuzz_decode_schema", file, Buffer.concat([Buffer.from([enc, name.length]), Buffer.from(name), Buffer.from(data)]));
  seed("protobuf-alltypes", 0, "hdaq.test.Everything", fs.readFileSync(path.join(DECODE_DATA, "alltypes.fds")));
  seed("protobuf-legacy", 0, "hdaq.test2.Legacy", fs.readFileSync(path.join(DECODE_DATA, "alltypes2.fds")));
  seed("jsonschema", 1, "T", '{"type":"object","properties":{"a":{"type":"array","items":{"type":"number"}},"x":{}}}');
  seed("ros2msg", 2, "p/msg/T", "int32 a\nstring<=3[<=2] s\nfloat64[2] f\nQ q\n====\nMSG: p/Q\nbyte b # c\nint8 K=1\n");
  seed("ros2msg-srv", 2, "p/srv/S_Event", "int64 a\n---\nbool ok\n");
  seed("ros2idl", 3, "hdaq_test/msg/Sample", fs.readFileSync(path.join(DECODE_DATA, "sample.idl")));
  seed("ros1msg", 4, "p/T", "Header header\ntime t\nuint8[] data\n");
}

function main() {
  const data = process.argv[2] || path.join(ROOT, "test", "data");
  for (const name of ["alltypes", "alltypes2"])
    fs.writeFileSync(path.join(DECODE_DATA, `${name}.fds`), descriptorSet(path.join(DECODE_DATA, `${name}.proto`)));

  const writer = new StreamWriter();
  const seen = new Set();
  let id = 0;
  for (const dir of ["hytech", "keelson", "rosbag2"]) {
    if (!fs.existsSync(path.join(data, dir))) continue;
    for (const file of mcapFiles(path.join(data, dir))) {
      const { channels, messages } = readMcap(file);
      for (const [cid, ch] of channels) {
        const key = `${ch.messageEncoding} ${ch.schema ? ch.schema.name : ""}`;
        const msgs = messages.filter((m) => m.channelId === cid).slice(0, SAMPLES_PER_SCHEMA);
        if (seen.has(key) || msgs.length === 0 || (dir === "keelson" && seen.size > 40)) continue;
        seen.add(key);
        const s = ch.schema || { encoding: "", name: "", data: new Uint8Array() };
        writer.schema(id, ch.messageEncoding, s.encoding, s.name, s.data);
        msgs.forEach((m, i) => {
          writer.message(id, m.data);
          const seedName = `${id}-${i}`;
          if (ch.messageEncoding === "cdr" && i === 0)
            writeSeed("fuzz_decode_cdr", seedName, Buffer.concat([Buffer.from([id % 4]), m.data]));
          if (ch.messageEncoding === "json" && i === 0) writeSeed("fuzz_decode_json", seedName, m.data);
        });
        id++;
      }
    }
  }
  fs.writeFileSync(path.join(DECODE_DATA, "samples.stream"), writer.bytes());
  protobufSeeds();
  schemaSeeds();
  console.log(`samples.stream: ${id} schemas`);
}

main();
