#!/usr/bin/env node
// test-grow.mjs: check grow.mjs, the real-time MCAP writer, with the
// official TypeScript readers (@mcap/core, @mcap/support's decompressors).
//
//   node bench/gen/test-grow.mjs [--keep DIR]     (npm test in bench/gen)
//
// Four writers run side by side (about 6 s in all):
//   live      5 s at rate 1, zstd chunks, an events log; the file's size is
//             taken 2 s after it appears.  The file is whole (footer, summary, CRCs), holds
//             every message of the schedule, grew while it was written, and
//             its events log covers the data section chunk by chunk.
//   cut       --cut-at-seconds 2 of 5: no data end, summary or footer; the
//             streaming reader reads every record up to the cut, the
//             messages the events log and the summary line count.
//   shuffle   2 s unchunked, --shuffle-ms 50: log times out of order in the
//             file, none more than 50 ms behind an earlier one.
//   fast      1 s at rate 10, lz4 chunks: ten seconds of the session, log
//             times within the second of writing.
// Prints one ok / not ok line per check, then "N passed, M failed".
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

import { McapIndexedReader, McapStreamReader } from "@mcap/core";
import { FileHandleReadable } from "@mcap/nodejs";
import { loadDecompressHandlers } from "@mcap/support";

import { JSON_TOPICS, PROTO_TOPICS, advance, nextDue, startSchedule } from "./session.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const keep = process.argv[2] === "--keep" ? process.argv[3] : null;
const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), "grow-test-"));
fs.mkdirSync(dir, { recursive: true });
const decompressHandlers = await loadDecompressHandlers();
const MS = 1_000_000n;

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${e.message.split("\n")[0]}`);
  }
}

// The number of messages the session's schedule holds in its first
// SECONDS (of session time), for SEED: what a whole file must hold.
function scheduled(seconds, seed = 1) {
  const streams = [...PROTO_TOPICS, ...JSON_TOPICS].map(({ hz }, channelId) => ({ channelId, hz }));
  startSchedule(streams, seed);
  const end = BigInt(Math.round(seconds * 1e9));
  let n = 0;
  for (let s; (s = nextDue(streams, end)) !== null; n++) advance(s);
  return n;
}

// Run grow.mjs with ARGS; resolves to its exit code and summary line.
// ON_START(file) runs as soon as it is started.
function grow(name, args, onStart = async () => {}) {
  const file = path.join(dir, `${name}.mcap`);
  const events = path.join(dir, `${name}.events`);
  const child = spawn(process.execPath, [path.join(here, "grow.mjs"), "--out", file, "--events", events, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const exited = new Promise((resolve) => child.on("close", resolve));
  return Promise.all([exited, onStart(file)]).then(([code, during]) => ({
    name,
    file,
    code,
    during,
    summary: code === 0 ? JSON.parse(out) : null,
    events: code === 0 ? readEvents(events) : [],
  }));
}

function readEvents(file) {
  // BigInt for the nanosecond fields, which doubles cannot hold exactly
  return fs
    .readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const e = JSON.parse(line.replace(/: (\d{16,})/g, ': "$1"'));
      for (const k of ["start", "offset", "wall_ns", "max_log_time_ns"]) e[k] = BigInt(e[k]);
      return e;
    });
}

// Every record of FILE through the streaming reader: { messages, logTimes,
// footer (whether it ended on a footer), dataEnd }.
function streamRead(file) {
  const reader = new McapStreamReader({ decompressHandlers, validateCrcs: true });
  reader.append(fs.readFileSync(file));
  const logTimes = [];
  let dataEnd = null;
  for (let r; (r = reader.nextRecord()); ) {
    if (r.type === "Message") logTimes.push(r.logTime);
    if (r.type === "DataEnd") dataEnd = r;
  }
  return { messages: logTimes.length, logTimes, footer: reader.done(), dataEnd, left: reader.bytesRemaining() };
}

async function indexedRead(file) {
  const handle = await open(file, "r");
  try {
    const reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(handle), decompressHandlers });
    let messages = 0;
    for await (const m of reader.readMessages()) messages++;
    return { reader, messages };
  } finally {
    await handle.close();
  }
}

// The events log: contiguous groups, in the order written, that hold the
// messages and end at END.
function checkEvents(events, messages, end) {
  assert.ok(events.length > 1, `${events.length} events`);
  let total = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    assert.ok(e.offset > e.start, `event ${i}: offset ${e.offset} <= start ${e.start}`);
    if (i > 0) {
      assert.equal(e.start, events[i - 1].offset, `event ${i} does not start where event ${i - 1} ended`);
      assert.ok(e.wall_ns >= events[i - 1].wall_ns, `event ${i}: wall clock goes back`);
    }
    // a message is in the file only once it is due
    assert.ok(e.max_log_time_ns <= e.wall_ns, `event ${i}: log time ${e.max_log_time_ns} after the write ${e.wall_ns}`);
    assert.ok(e.messages > 0, `event ${i}: no messages`);
    total += e.messages;
  }
  assert.equal(total, messages, "messages in the events log");
  assert.equal(events.at(-1).offset, end, "the last event's offset");
}

function dataCrcOk(file, reader) {
  const bytes = fs.readFileSync(file).subarray(0, Number(reader.dataEndOffset));
  assert.equal(zlib.crc32(bytes), reader.dataSectionCrc, "data section CRC");
}

const started = Date.now();
const [live, cut, shuffle, fast] = await Promise.all([
  grow("live", ["--seconds", "5"], async (file) => {
    for (let i = 0; i < 500 && !fs.existsSync(file); i++) await sleep(10);
    await sleep(2000);
    return fs.existsSync(file) ? fs.statSync(file).size : 0;
  }),
  grow("cut", ["--seconds", "5", "--cut-at-seconds", "2"]),
  grow("shuffle", ["--seconds", "2", "--unchunked", "--shuffle-ms", "50", "--seed", "3"]),
  grow("fast", ["--seconds", "1", "--rate", "10", "--compression", "lz4", "--chunk-size", "65536"]),
]);
const elapsed = (Date.now() - started) / 1000;

for (const run of [live, cut, shuffle, fast])
  await check(`${run.name}: grow.mjs ran and printed its summary`, () => {
    assert.equal(run.code, 0, `exit code ${run.code}`);
    assert.ok(run.summary, "no summary");
  });

// ---- live: a whole file, grown in real time ----------------------------------

const expected5 = scheduled(5);
await check(`live: @mcap/core's indexed reader reads the ${expected5} scheduled messages`, async () => {
  assert.ok(expected5 > 5500 && expected5 < 6500, `${expected5} scheduled in 5 s`);
  const { reader, messages } = await indexedRead(live.file);
  assert.equal(messages, expected5);
  assert.equal(live.summary.messages, expected5, "summary line");
  assert.equal(reader.statistics.messageCount, BigInt(expected5), "statistics record");
  assert.equal(reader.channelsById.size, 17, "channels");
  assert.equal(live.summary.topics, 17, "summary line's topics");
  assert.equal(reader.chunkIndexes.length, live.summary.chunks, "chunks");
  assert.ok(reader.chunkIndexes.every((c) => c.compression === "zstd"), "zstd chunks");
  dataCrcOk(live.file, reader);
});
await check("live: the streaming reader reads it to the footer, CRCs checked", () => {
  const r = streamRead(live.file);
  assert.equal(r.messages, expected5);
  assert.ok(r.footer, "no footer");
  assert.equal(r.left, 0);
  for (let i = 1; i < r.logTimes.length; i++) assert.ok(r.logTimes[i] >= r.logTimes[i - 1], `log time ${i} out of order`);
});
await check("live: the file grew while written (its size at 2 s between 0 and the end's)", () => {
  const size = fs.statSync(live.file).size;
  assert.ok(live.during > 0 && live.during < size, `${live.during} at 2 s, ${size} at the end`);
  // two fifths of the way, give or take the start-up and one chunk
  assert.ok(live.during < size * 0.7, `${live.during} of ${size} at 2 s`);
});
await check("live: log times are the wall clock of the 5 s of writing", () => {
  const start = BigInt(live.summary.start_ns);
  const r = streamRead(live.file);
  assert.ok(r.logTimes[0] >= start && r.logTimes[0] < start + 50n * MS, "first log time");
  assert.ok(r.logTimes.at(-1) > start + 4900n * MS && r.logTimes.at(-1) <= start + 5000n * MS, "last log time");
});
await check("live: the events log covers the data section, chunk by chunk", async () => {
  const { reader } = await indexedRead(live.file);
  checkEvents(live.events, expected5, reader.dataEndOffset);
  assert.equal(live.events.length, reader.chunkIndexes.length, "one event per chunk");
  reader.chunkIndexes.forEach((c, i) => assert.equal(c.chunkStartOffset, live.events[i].start, `chunk ${i} start`));
  // groups were written all along, not at the end
  const first = live.events[0].wall_ns;
  const last = live.events.at(-1).wall_ns;
  assert.ok(last - first > 4000n * MS, `events over ${(last - first) / MS} ms`);
});

// ---- cut: a power loss at 2 s ---------------------------------------------------------

await check("cut: no footer; the streaming reader reads every record up to the cut", async () => {
  assert.equal(cut.summary.cut, true);
  const r = streamRead(cut.file);
  assert.equal(r.footer, false, "the reader found a footer");
  assert.equal(r.dataEnd, null, "a data end record");
  assert.equal(r.left, 0, "bytes after the last record");
  assert.ok(r.messages > 0 && r.messages <= scheduled(2), `${r.messages} messages`);
  assert.ok(r.messages > scheduled(1), `only ${r.messages} messages by 2 s`);
  assert.equal(cut.summary.messages, r.messages, "summary line");
  assert.ok(cut.summary.produced >= r.messages, "produced");
  await assert.rejects(indexedRead(cut.file), "the indexed reader opened a file without footer");
});
await check("cut: the events log ends at the cut", () => {
  const r = streamRead(cut.file);
  checkEvents(cut.events, r.messages, BigInt(fs.statSync(cut.file).size));
  const last = r.logTimes.reduce((a, b) => (b > a ? b : a));
  assert.ok(last < BigInt(cut.summary.start_ns) + 2000n * MS, "a message due after the cut");
});

// ---- shuffle: late messages, unchunked ------------------------------------------------

const expected2 = scheduled(2, 3);
await check("shuffle: unchunked, whole, every message", async () => {
  const { reader } = await indexedRead(shuffle.file);
  assert.equal(reader.chunkIndexes.length, 0, "chunks");
  assert.equal(reader.statistics.messageCount, BigInt(expected2), "statistics record");
  assert.equal(reader.statistics.messageStartTime, BigInt(shuffle.summary.min_log_time_ns), "statistics start");
  dataCrcOk(shuffle.file, reader);
  const r = streamRead(shuffle.file);
  assert.equal(r.messages, expected2);
  assert.ok(r.footer, "no footer");
  checkEvents(shuffle.events, expected2, reader.dataEndOffset);
});
await check("shuffle: log times out of order, none more than 50 ms behind an earlier one", () => {
  const { logTimes } = streamRead(shuffle.file);
  let inversions = 0;
  let max = 0n;
  let worst = 0n;
  for (const t of logTimes) {
    if (t < max) {
      inversions++;
      if (max - t > worst) worst = max - t;
    } else max = t;
  }
  assert.ok(inversions > logTimes.length / 10, `${inversions} of ${logTimes.length} out of order`);
  assert.ok(worst <= 50n * MS, `${worst} ns behind`);
  assert.ok(worst > 25n * MS, `at most ${worst} ns behind`);
});

// ---- fast: ten times real time ------------------------------------------------------------

const expected10 = scheduled(10);
await check("fast: rate 10 writes 10 s of the session in 1 s, lz4 chunks", async () => {
  const { reader, messages } = await indexedRead(fast.file);
  assert.equal(messages, expected10);
  assert.ok(reader.chunkIndexes.every((c) => c.compression === "lz4"), "lz4 chunks");
  const { messageStartTime, messageEndTime } = reader.statistics;
  assert.ok(messageEndTime - messageStartTime > 950n * MS && messageEndTime - messageStartTime < 1000n * MS, "log times span");
  checkEvents(fast.events, expected10, reader.dataEndOffset);
});

console.error(`test-grow: ran in ${elapsed.toFixed(1)} s; files in ${dir}`);
if (!keep) fs.rmSync(dir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
