// Writer of the framed stream that decode_stream.c reads (see its header).
"use strict";

function u32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

function lenString(s) {
  const b = typeof s === "string" ? Buffer.from(s, "utf8") : Buffer.from(s);
  return Buffer.concat([u32(b.length), b]);
}

class StreamWriter {
  constructor() {
    this.parts = [];
  }
  frame(type, payload) {
    this.parts.push(Buffer.from(type), u32(payload.length), payload);
  }
  schema(id, messageEncoding, schemaEncoding, schemaName, schemaData) {
    this.frame("S", Buffer.concat([u32(id), lenString(messageEncoding), lenString(schemaEncoding),
      lenString(schemaName), lenString(schemaData || new Uint8Array())]));
  }
  message(id, data) {
    this.frame("M", Buffer.concat([u32(id), Buffer.from(data)]));
  }
  bytes() {
    return Buffer.concat(this.parts);
  }
}

module.exports = { StreamWriter };
