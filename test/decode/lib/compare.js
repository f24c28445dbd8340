// Value-by-value comparison of an independent decoder's result (expected)
// with src/decode's JSON output parsed by lossless.js (actual).
"use strict";

const { Num } = require("./lossless");

// Shortest decimal that reads back as the float32 value x (like the C side)
function shortestFloat32(x) {
  for (let p = 1; p <= 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return Number(s);
  }
  return x;
}

function isIntegerText(t) {
  return /^-?[0-9]+$/.test(t);
}

// Numbers: exact for integers (BigInt), exact as doubles, or, for a value
// that is exactly a float32, the shortest float32 text.
// Significant digits of a number's text
function digits(text) {
  const m = text.replace(/^-/, "").replace(/e.*$/i, "").replace(".", "").replace(/^0+/, "");
  return m.replace(/0+$/, "").length || 1;
}

// Numbers: exact for integers (BigInt); otherwise the same double, in no
// more digits than the shortest round-trip text; or, for a value that is
// exactly a float32, a text that reads back as it in no more digits than
// the shortest float32 text.
function sameNumber(expected, text) {
  if (typeof expected === "bigint") return isIntegerText(text) && BigInt(text) === expected;
  if (typeof expected === "string") {
    if (isIntegerText(expected)) return isIntegerText(text) && BigInt(text) === BigInt(expected);
    return false;
  }
  const a = Number(text);
  if (a === expected) return isIntegerText(text) || digits(text) <= digits(String(expected));
  if (Math.fround(expected) === expected && Number.isFinite(expected))
    return Math.fround(a) === expected && digits(text) <= digits(String(shortestFloat32(expected)));
  return false;
}

function describe(v) {
  if (v instanceof Num) return v.text;
  if (typeof v === "bigint") return v.toString() + "n";
  const s = JSON.stringify(v, (k, x) => (typeof x === "bigint" ? x.toString() : x instanceof Num ? x.text : x));
  return s && s.length > 120 ? s.slice(0, 120) + "..." : s;
}

// Returns null when equal, else a description of the first difference
function diff(expected, actual, path = "$") {
  if (ArrayBuffer.isView(expected)) expected = Array.from(expected);
  if (expected instanceof Num) {
    if (actual instanceof Num) {
      const [e, a] = [expected.text, actual.text];
      if (isIntegerText(e) && isIntegerText(a) ? BigInt(e) === BigInt(a) : Number(e) === Number(a)) return null;
    }
    return `${path}: expected ${expected.text}, got ${describe(actual)}`;
  }
  if (actual instanceof Num) {
    if (typeof expected === "number" || typeof expected === "bigint" || typeof expected === "string") {
      if (sameNumber(expected, actual.text)) return null;
    }
    return `${path}: expected ${describe(expected)}, got ${actual.text}`;
  }
  if (expected === null || typeof expected !== "object") {
    if (typeof expected === "number" && typeof actual === "string") {
      // non-finite numbers are written as strings
      if (String(expected) === actual) return null;
    }
    if (typeof expected === "bigint" && typeof actual === "string" && actual === expected.toString()) return null;
    if (expected === actual) return null;
    return `${path}: expected ${describe(expected)}, got ${describe(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected array, got ${describe(actual)}`;
    if (expected.length !== actual.length)
      return `${path}: expected ${expected.length} elements, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = diff(expected[i], actual[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (actual === null || typeof actual !== "object" || Array.isArray(actual) || actual instanceof Num)
    return `${path}: expected object, got ${describe(actual)}`;
  const ek = Object.keys(expected).sort();
  const ak = Object.keys(actual).sort();
  if (ek.join("\u0000") !== ak.join("\u0000"))
    return `${path}: expected keys ${ek.join(",")}, got ${ak.join(",")}`;
  for (const k of ek) {
    const d = diff(expected[k], actual[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

module.exports = { diff };
