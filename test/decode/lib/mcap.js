// Read every schema, channel and message of an MCAP file with @mcap/core.
"use strict";

const fs = require("fs");
const { McapStreamReader } = require("@mcap/core");
const fzstd = require("fzstd");
const lz4 = require("lz4js");

const decompressHandlers = {
  zstd: (buf, size) => fzstd.decompress(buf, new Uint8Array(Number(size))),
  lz4: (buf, size) => lz4.decompress(buf, Number(size)),
};

// Returns { channels: Map(id -> {topic, messageEncoding, schema}), messages: [{channelId, data}] }.
// Reading stops at the first record the reader rejects (a file cut short, or
// bytes after the footer); what was read before is kept.
function readMcap(file) {
  const reader = new McapStreamReader({ decompressHandlers, validateCrcs: true });
  reader.append(fs.readFileSync(file));
  const schemas = new Map();
  const channels = new Map();
  const messages = [];
  let rec;
  try {
    while ((rec = reader.nextRecord())) {
      if (rec.type === "Schema") schemas.set(rec.id, rec);
      else if (rec.type === "Channel") channels.set(rec.id, { ...rec, schema: schemas.get(rec.schemaId) });
      else if (rec.type === "Message") messages.push({ channelId: rec.channelId, data: rec.data });
    }
  } catch (e) {
    // keep what was read
  }
  return { channels, messages };
}

module.exports = { readMcap };
