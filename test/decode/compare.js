// Decode every message of MCAP files with src/decode (through decode_stream)
// and with independent decoders (lib/reference.js), and compare them value
// by value.  One check per (file, channel): it passes when every message of
// the channel decodes and equals the reference.  Channels whose encoding
// src/decode does not support must be reported as unsupported.
//
// usage: node compare.js DECODE_STREAM_BINARY FILE.mcap...
"use strict";

const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { readMcap } = require("./lib/mcap");
const { StreamWriter } = require("./lib/stream");
const { referenceDecoder } = require("./lib/reference");
const { diff } = require("./lib/compare");
const lossless = require("./lib/lossless");
const synthetic = require("./lib/synthetic");

function runDecoder(binary, stream) {
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hdaq-compare-")), "stream.bin");
  fs.writeFileSync(tmp, stream);
  try {
    const out = execFileSync(binary, [tmp], { maxBuffer: 1 << 30 }).toString("utf8");
    return out.split("\n").slice(0, -1);
  } finally {
    fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
  }
}

// Each case: {name, messageEncoding, schemaEncoding, schemaName, schemaData, messages: [bytes]}
function casesFromFiles(files) {
  const cases = [];
  for (const file of files) {
    const { channels, messages } = readMcap(file);
    for (const [id, ch] of channels) {
      const msgs = messages.filter((m) => m.channelId === id).map((m) => m.data);
      if (msgs.length === 0) continue;
      cases.push({
        name: `${path.basename(file)} ${ch.topic}`,
        messageEncoding: ch.messageEncoding,
        schemaEncoding: ch.schema ? ch.schema.encoding : "",
        schemaName: ch.schema ? ch.schema.name : "",
        schemaData: ch.schema ? ch.schema.data : new Uint8Array(),
        messages: msgs,
      });
    }
  }
  return cases;
}

function checkCase(c, lines) {
  let reference;
  try {
    reference = referenceDecoder(c.messageEncoding, c.schemaEncoding, c.schemaName, c.schemaData);
  } catch (e) {
    return `reference decoder cannot compile schema: ${e.message}`;
  }
  if (reference === null) {
    const bad = lines.find((l) => !l.startsWith("!unsupported"));
    return bad === undefined ? null : `expected "unsupported", got ${bad.slice(0, 100)}`;
  }
  for (let i = 0; i < c.messages.length; i++) {
    if (lines[i].startsWith("!")) return `message ${i}: ${lines[i]}`;
    let expected, actual;
    try {
      expected = reference(c.messages[i]);
    } catch (e) {
      return `message ${i}: reference decoder failed: ${e.message}`;
    }
    try {
      actual = lossless.parse(lines[i]);
    } catch (e) {
      return `message ${i}: output is not JSON: ${e.message}`;
    }
    const d = diff(expected, actual);
    if (d) return `message ${i}: ${d}`;
  }
  return null;
}

function main() {
  const [binary, ...files] = process.argv.slice(2);
  const cases = casesFromFiles(files).concat(synthetic.cases());
  const writer = new StreamWriter();
  cases.forEach((c, id) => {
    writer.schema(id, c.messageEncoding, c.schemaEncoding, c.schemaName, c.schemaData);
    for (const m of c.messages) writer.message(id, m);
  });
  const lines = runDecoder(binary, writer.bytes());
  let pos = 0, passed = 0, failed = 0, messages = 0, n = 0;
  for (const c of cases) {
    const mine = lines.slice(pos, pos + c.messages.length);
    pos += c.messages.length;
    messages += c.messages.length;
    const problem = mine.length < c.messages.length ? "decoder output ended early" : checkCase(c, mine);
    n++;
    if (problem) {
      failed++;
      console.log(`not ok ${n} - ${c.name} (${c.messages.length} messages): ${problem}`);
    } else {
      passed++;
      console.log(`ok ${n} - ${c.name} (${c.messages.length} messages)`);
    }
  }
  console.log(`# ${messages} messages in ${cases.length} channels compared`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main();
