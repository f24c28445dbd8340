// lib.mjs: read an MCAP file with the official TypeScript reader (@mcap/core)
// and turn its content into a canonical JSON document, so that files written
// by hdaq can be compared with what they should contain.
//
// The document:
//   header:      { profile, library }
//   schemas:     [{ id, name, encoding, data }]                      by id
//   channels:    [{ id, topic, message_encoding, schema_id, schema, metadata }]  by id
//   messages:    [{ topic, channel_id, sequence, log_time, publish_time, data }]
//                sorted by (log_time, topic, sequence, publish_time, data)
//   metadata:    [{ name, metadata }]                                in file order
//   attachments: [{ name, media_type, log_time, create_time, data }] in file order
// Binary data is base64; 64-bit times are decimal strings; string maps are
// objects with sorted keys.

import { open, readFile } from "node:fs/promises";
import zlib from "node:zlib";

import { McapIndexedReader, McapStreamReader } from "@mcap/core";
import { FileHandleReadable } from "@mcap/nodejs";
import { loadDecompressHandlers } from "@mcap/support";

const MAGIC_SIZE = 8;
const FOOTER_RECORD_SIZE = 1 + 8 + 20;

const b64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");

function sortedMap(map) {
  const out = {};
  for (const key of [...map.keys()].sort()) out[key] = map.get(key);
  return out;
}

function compareStrings(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareMessages(a, b) {
  const ta = BigInt(a.log_time);
  const tb = BigInt(b.log_time);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (
    compareStrings(a.topic, b.topic) ||
    a.sequence - b.sequence ||
    compareStrings(String(a.publish_time).padStart(20, "0"), String(b.publish_time).padStart(20, "0")) ||
    compareStrings(a.data, b.data)
  );
}

// Put a document (from dump or written by hand) in canonical order.
export function canonicalize(doc) {
  const sortKeys = (obj) => {
    const out = {};
    for (const key of Object.keys(obj ?? {}).sort()) out[key] = obj[key];
    return out;
  };
  return {
    header: { profile: doc.header?.profile ?? "", library: doc.header?.library ?? "" },
    schemas: [...(doc.schemas ?? [])].sort((a, b) => a.id - b.id),
    channels: [...(doc.channels ?? [])]
      .map((c) => ({ ...c, metadata: sortKeys(c.metadata) }))
      .sort((a, b) => a.id - b.id),
    messages: [...(doc.messages ?? [])]
      .map((m) => ({ ...m, log_time: String(m.log_time), publish_time: String(m.publish_time) }))
      .sort(compareMessages),
    metadata: (doc.metadata ?? []).map((m) => ({ name: m.name, metadata: sortKeys(m.metadata) })),
    attachments: (doc.attachments ?? []).map((a) => ({
      ...a,
      log_time: String(a.log_time),
      create_time: String(a.create_time),
    })),
  };
}

function schemaJson(s) {
  return { id: s.id, name: s.name, encoding: s.encoding, data: b64(s.data) };
}

function channelJson(c, schemas) {
  return {
    id: c.id,
    topic: c.topic,
    message_encoding: c.messageEncoding,
    schema_id: c.schemaId,
    schema: c.schemaId === 0 ? null : (schemas.get(c.schemaId)?.name ?? null),
    metadata: sortedMap(c.metadata),
  };
}

function messageJson(m, channels) {
  return {
    topic: channels.get(m.channelId)?.topic ?? null,
    channel_id: m.channelId,
    sequence: m.sequence,
    log_time: m.logTime.toString(),
    publish_time: m.publishTime.toString(),
    data: b64(m.data),
  };
}

function attachmentJson(a) {
  return {
    name: a.name,
    media_type: a.mediaType,
    log_time: a.logTime.toString(),
    create_time: a.createTime.toString(),
    data: b64(a.data),
  };
}

// Read every record front to back with McapStreamReader (CRCs validated).
export async function dumpStream(path, problems) {
  const reader = new McapStreamReader({
    decompressHandlers: await loadDecompressHandlers(),
    validateCrcs: true,
  });
  reader.append(await readFile(path));
  const doc = { header: null, schemas: new Map(), channels: new Map(), messages: [], metadata: [], attachments: [] };
  const same = (x, y) =>
    JSON.stringify({ ...x, metadata: x.metadata && sortedMap(x.metadata) }) ===
    JSON.stringify({ ...y, metadata: y.metadata && sortedMap(y.metadata) });
  const remember = (map, rec, kind) => {
    const prev = map.get(rec.id);
    if (prev && !same(prev, rec)) {
      problems.push(`stream: ${kind} ${rec.id} appears twice with different content`);
    }
    map.set(rec.id, rec);
  };
  let rec;
  let sawFooter = false;
  while ((rec = reader.nextRecord())) {
    switch (rec.type) {
      case "Header": doc.header = { profile: rec.profile, library: rec.library }; break;
      case "Schema": remember(doc.schemas, schemaJson(rec), "schema"); break;
      case "Channel": remember(doc.channels, rec, "channel"); break;
      case "Message": doc.messages.push(rec); break;
      case "Metadata": doc.metadata.push({ name: rec.name, metadata: sortedMap(rec.metadata) }); break;
      case "Attachment": doc.attachments.push(attachmentJson(rec)); break;
      case "Footer": sawFooter = true; break;
      default: break;
    }
  }
  if (!reader.done()) problems.push("stream: the reader did not reach the end of the file");
  if (!sawFooter) problems.push("stream: no footer");

  return canonicalize({
    header: doc.header,
    schemas: [...doc.schemas.values()],
    channels: [...doc.channels.values()].map((c) => channelJson(c, doc.schemas)),
    messages: doc.messages.map((m) => messageJson(m, doc.channels)),
    metadata: doc.metadata,
    attachments: doc.attachments,
  });
}

// Read through the summary and indexes with McapIndexedReader.
export async function dumpIndexed(path, problems) {
  const handle = await open(path, "r");
  try {
    const reader = await McapIndexedReader.Initialize({
      readable: new FileHandleReadable(handle),
      decompressHandlers: await loadDecompressHandlers(),
    });
    const messages = [];
    for await (const m of reader.readMessages({ validateCrcs: true })) messages.push(messageJson(m, reader.channelsById));
    const metadata = [];
    for await (const m of reader.readMetadata()) metadata.push({ name: m.name, metadata: sortedMap(m.metadata) });
    const attachments = [];
    for await (const a of reader.readAttachments({ validateCrcs: true })) attachments.push(attachmentJson(a));
    checkStatistics(reader, messages, metadata, attachments, problems);
    return canonicalize({
      header: reader.header,
      schemas: [...reader.schemasById.values()].map(schemaJson),
      channels: [...reader.channelsById.values()].map((c) => channelJson(c, reader.schemasById)),
      messages,
      metadata,
      attachments,
    });
  } finally {
    await handle.close();
  }
}

// The Statistics record must agree with what the file holds.
function checkStatistics(reader, messages, metadata, attachments, problems) {
  const s = reader.statistics;
  if (!s) {
    problems.push("indexed: no Statistics record");
    return;
  }
  const expect = (what, got, want) => {
    if (String(got) !== String(want)) problems.push(`statistics ${what}: ${got}, file holds ${want}`);
  };
  expect("message_count", s.messageCount, messages.length);
  expect("schema_count", s.schemaCount, reader.schemasById.size);
  expect("channel_count", s.channelCount, reader.channelsById.size);
  expect("metadata_count", s.metadataCount, metadata.length);
  expect("attachment_count", s.attachmentCount, attachments.length);
  expect("chunk_count", s.chunkCount, reader.chunkIndexes.length);
  if (messages.length > 0) {
    const times = messages.map((m) => BigInt(m.log_time));
    expect("message_start_time", s.messageStartTime, times.reduce((a, b) => (b < a ? b : a)));
    expect("message_end_time", s.messageEndTime, times.reduce((a, b) => (b > a ? b : a)));
  }
  const counts = new Map();
  for (const m of messages) counts.set(m.channel_id, (counts.get(m.channel_id) ?? 0n) + 1n);
  for (const [id, n] of s.channelMessageCounts) expect(`count of channel ${id}`, n, counts.get(id) ?? 0n);
  for (const [id, n] of counts) if (!s.channelMessageCounts.has(id)) expect(`count of channel ${id}`, "absent", n);
}

// Footer CRC over the summary, and the data section CRC, computed here.
export async function checkCrcs(path, problems) {
  if (typeof zlib.crc32 !== "function") return;
  const bytes = await readFile(path);
  const footerAt = bytes.length - MAGIC_SIZE - FOOTER_RECORD_SIZE;
  if (footerAt < MAGIC_SIZE || bytes[footerAt] !== 0x02) {
    problems.push("no footer record before the closing magic");
    return;
  }
  const summaryStart = Number(bytes.readBigUInt64LE(footerAt + 9));
  const summaryCrc = bytes.readUInt32LE(footerAt + 25);
  const crcFrom = summaryStart === 0 ? footerAt : summaryStart;
  if (summaryCrc !== 0 && zlib.crc32(bytes.subarray(crcFrom, footerAt + 25)) !== summaryCrc) {
    problems.push("footer summary_crc does not match the summary section");
  }
  if (summaryStart >= 13 && bytes[summaryStart - 13] === 0x0f) {
    const dataCrc = bytes.readUInt32LE(summaryStart - 4);
    if (dataCrc !== 0 && zlib.crc32(bytes.subarray(0, summaryStart - 13)) !== dataCrc) {
      problems.push("DataEnd data_section_crc does not match the data section");
    }
  }
}

// Dump a file through both readers; problems lists every disagreement.
export async function dumpMcap(path, { streamOnly = false } = {}) {
  const problems = [];
  const stream = await dumpStream(path, problems);
  if (streamOnly) return { doc: stream, problems };
  await checkCrcs(path, problems);
  const indexed = await dumpIndexed(path, problems);
  for (const diff of diffDocs(indexed, stream).slice(0, 10)) problems.push(`indexed vs stream reader: ${diff}`);
  return { doc: indexed, problems };
}

// Drop what may legitimately differ between two files with the same content.
export function strip(doc, ignore) {
  const out = structuredClone(doc);
  if (ignore.has("header")) out.header = null;
  if (ignore.has("ids")) {
    out.schemas = out.schemas.map(({ id, ...rest }) => rest);
    out.channels = out.channels.map(({ id, schema_id, ...rest }) => rest);
    out.messages = out.messages.map(({ channel_id, ...rest }) => rest);
  }
  return out;
}

// Human-readable differences between two canonical documents.
export function diffDocs(a, b, path = "") {
  const diffs = [];
  const walk = (x, y, p) => {
    if (diffs.length >= 20) return;
    if (typeof x !== typeof y || Array.isArray(x) !== Array.isArray(y) || (x === null) !== (y === null)) {
      diffs.push(`${p}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
    } else if (Array.isArray(x)) {
      if (x.length !== y.length) diffs.push(`${p}: ${x.length} items vs ${y.length}`);
      for (let i = 0; i < Math.min(x.length, y.length); i++) walk(x[i], y[i], `${p}[${i}]`);
    } else if (x !== null && typeof x === "object") {
      for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) walk(x[k], y[k], `${p}.${k}`);
    } else if (x !== y) {
      diffs.push(`${p}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
    }
  };
  walk(a, b, path);
  return diffs;
}
