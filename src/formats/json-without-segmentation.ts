/**
 * COCO instances files are mostly polygons (`"segmentation": [[x, y, ...]]`) that box scoring
 * never reads; building those arrays is most of `JSON.parse`'s time and memory. This copies the
 * file's bytes with every `"segmentation"` value replaced by `0`, for `JSON.parse` to read.
 * A value is skipped by matching brackets and strings (RLE counts are strings). If the result
 * is not valid JSON (a `"segmentation":` inside some string, say), the caller parses the
 * original instead.
 */
const KEY = Buffer.from('"segmentation"');

/** Bytes with each `"segmentation": <value>` turned into `"segmentation": 0`; undefined if none. */
export function stripSegmentation(bytes: Buffer): Buffer | undefined {
  let at = bytes.indexOf(KEY);
  if (at === -1) return undefined;
  const parts: Buffer[] = [];
  let copied = 0;
  const n = bytes.length;
  while (at !== -1) {
    let p = at + KEY.length;
    while (p < n && (bytes[p] === 32 || bytes[p] === 9 || bytes[p] === 10 || bytes[p] === 13)) p++;
    if (bytes[p] !== 58) {
      at = bytes.indexOf(KEY, p); // not a key
      continue;
    }
    p++;
    while (p < n && (bytes[p] === 32 || bytes[p] === 9 || bytes[p] === 10 || bytes[p] === 13)) p++;
    const end = skipValue(bytes, p);
    if (end < 0) return undefined;
    parts.push(bytes.subarray(copied, p), ZERO);
    copied = end;
    at = bytes.indexOf(KEY, end);
  }
  parts.push(bytes.subarray(copied));
  return Buffer.concat(parts);
}

const ZERO = Buffer.from('0');

/** End (exclusive) of the JSON value starting at `p`, or -1 if it does not end. */
function skipValue(bytes: Buffer, p: number): number {
  const n = bytes.length;
  const c = bytes[p];
  if (c === 34) return skipString(bytes, p);
  if (c === 91 || c === 123) {
    let depth = 0;
    while (p < n) {
      const b = bytes[p]!;
      if (b === 34) {
        p = skipString(bytes, p);
        if (p < 0) return -1;
        continue;
      }
      if (b === 91 || b === 123) depth++;
      else if (b === 93 || b === 125) {
        depth--;
        if (depth === 0) return p + 1;
      }
      p++;
    }
    return -1;
  }
  // A bare number, true, false or null: up to the next separator.
  while (p < n) {
    const b = bytes[p];
    if (b === 44 || b === 125 || b === 93 || b === 32 || b === 9 || b === 10 || b === 13) break;
    p++;
  }
  return p;
}

/** End (exclusive) of the string starting at the quote at `p`, or -1. */
function skipString(bytes: Buffer, p: number): number {
  const n = bytes.length;
  p++;
  while (p < n && bytes[p] !== 34) p += bytes[p] === 92 ? 2 : 1;
  return p < n ? p + 1 : -1;
}
