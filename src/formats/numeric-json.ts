/**
 * A byte fast path for JSON objects whose values are numbers and arrays of numbers, such as a
 * stabilization truth's motion.json (1,000 clips x 89 x 9 numbers): a rectangular array becomes
 * one flat Float64Array, with no JS array or string per entry. JSON.parse on the same files made
 * ~90,000 small arrays and spent more time collecting them than parsing.
 *
 * Anything else (strings, null, objects inside, nesting deeper than two, ragged rows, escaped or
 * non-ASCII keys, a byte-order mark, any syntax error) returns undefined: the caller then takes
 * JSON.parse, which gives the same values and explains the error. Numbers are checked against
 * JSON's grammar and parsed exactly as JSON.parse parses them (ascii-number.ts).
 */
import { parseAsciiNumber } from './ascii-number.js';

/** A number, or an array of numbers (shape [n]) or of equal-length arrays of numbers (shape [rows, columns]), row-major. */
export type NumericJsonValue = number | { shape: number[]; data: Float64Array };

const isSpace = (c: number | undefined) => c === 32 || c === 10 || c === 13 || c === 9;
const isDigit = (c: number | undefined) => c !== undefined && c >= 48 && c <= 57;

/** The top-level object's keys and values, or undefined when the document is not of that plain shape. */
export function scanNumericJsonObject(bytes: Uint8Array): Map<string, NumericJsonValue> | undefined {
  const n = bytes.length;
  let p = 0;
  const skip = () => {
    while (p < n && isSpace(bytes[p])) p++;
  };
  /** A JSON number at p (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`), or NaN when there is none. */
  const number = (): number => {
    const s = p;
    if (bytes[p] === 45) p++;
    if (bytes[p] === 48) p++;
    else if (isDigit(bytes[p])) while (isDigit(bytes[p])) p++;
    else return NaN;
    if (bytes[p] === 46) {
      p++;
      if (!isDigit(bytes[p])) return NaN;
      while (isDigit(bytes[p])) p++;
    }
    if (bytes[p] === 101 || bytes[p] === 69) {
      p++;
      if (bytes[p] === 43 || bytes[p] === 45) p++;
      if (!isDigit(bytes[p])) return NaN;
      while (isDigit(bytes[p])) p++;
    }
    return parseAsciiNumber(bytes, s, p);
  };
  // Numbers of the array being read, in a buffer that grows by doubling (no JS array per row).
  let buffer = new Float64Array(1024);
  let used = 0;
  const push = (v: number) => {
    if (used === buffer.length) {
      const grown = new Float64Array(2 * buffer.length);
      grown.set(buffer);
      buffer = grown;
    }
    buffer[used++] = v;
  };
  /** The numbers of `[a, b, ...]` at p appended to the buffer; their count, or -1 when not that shape. */
  const row = (): number => {
    p++; // '['
    skip();
    if (bytes[p] === 93) {
      p++;
      return 0;
    }
    let count = 0;
    for (;;) {
      skip();
      const v = number();
      if (Number.isNaN(v)) return -1;
      push(v);
      count++;
      skip();
      if (bytes[p] === 44) p++;
      else if (bytes[p] === 93) {
        p++;
        return count;
      } else return -1;
    }
  };
  const array = (): NumericJsonValue | undefined => {
    const start = p;
    used = 0;
    p++;
    skip();
    if (bytes[p] !== 91) {
      p = start;
      const count = row();
      return count < 0 ? undefined : { shape: [count], data: buffer.slice(0, used) };
    }
    let rows = 0;
    let columns = -1;
    for (;;) {
      skip();
      if (bytes[p] !== 91) return undefined;
      const count = row();
      if (count < 0 || (columns >= 0 && count !== columns)) return undefined;
      columns = count;
      rows++;
      skip();
      if (bytes[p] === 44) p++;
      else if (bytes[p] === 93) {
        p++;
        return { shape: [rows, columns], data: buffer.slice(0, used) };
      } else return undefined;
    }
  };

  const fields = new Map<string, NumericJsonValue>();
  skip();
  if (bytes[p] !== 123) return undefined; // '{' (a BOM also ends here)
  p++;
  skip();
  if (bytes[p] === 125) {
    p++;
    skip();
    return p === n ? fields : undefined;
  }
  for (;;) {
    skip();
    if (bytes[p] !== 34) return undefined;
    const keyStart = ++p;
    while (p < n && bytes[p] !== 34 && bytes[p] !== 92 && bytes[p]! >= 32 && bytes[p]! < 128) p++;
    if (bytes[p] !== 34 || p - keyStart > 256) return undefined;
    const key = String.fromCharCode(...bytes.subarray(keyStart, p));
    p++;
    skip();
    if (bytes[p] !== 58) return undefined; // ':'
    p++;
    skip();
    const value = bytes[p] === 91 ? array() : number();
    if (value === undefined || (typeof value === 'number' && Number.isNaN(value))) return undefined;
    fields.set(key, value); // a repeated key keeps the last value, as JSON.parse does
    skip();
    if (bytes[p] === 44) p++;
    else if (bytes[p] === 125) {
      p++;
      skip();
      return p === n ? fields : undefined;
    } else return undefined;
  }
}
