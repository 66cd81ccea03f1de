/**
 * The byte fast path shared by the big numeric CSVs (detection, stabilization): a plain-ASCII
 * file is scanned line by line with no string per field; each task parses its numbers in place
 * (ascii-number.ts). Files with a quote, a NUL or a non-ASCII byte take csv.ts instead, which
 * gives the same rows, line numbers and problems: lines are numbered as an editor numbers them
 * (the header is line 1; empty lines are skipped but counted).
 */
import { ValidationError, type ProblemList } from '../problems.js';

/** True when the fast path applies: no quote, no NUL, no byte above 127, and something after a BOM. */
export function isPlainAscii(bytes: Buffer): boolean {
  if (bytes.indexOf(34) !== -1 || bytes.indexOf(0) !== -1) return false;
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  // Checking 8 bytes at a time would be faster; a plain loop costs ~10 ms for 25 MB.
  for (let i = start; i < bytes.length; i++) if (bytes[i]! > 127) return false;
  return bytes.length > start;
}

/**
 * One data row: its file line and, per column, the field's bounds in `bytes` with spaces and
 * tabs trimmed (`starts[f]`..`ends[f]`). The arrays are reused from row to row.
 */
export type AsciiRowSink = (line: number, starts: Int32Array, ends: Int32Array) => void;

/**
 * Scans a plain-ASCII CSV (see isPlainAscii): checks that the header is exactly `header`
 * (throws), adds each row with the wrong column count to `problems`, and hands every other
 * row to `sink`.
 */
export function scanAsciiCsv(bytes: Buffer, name: string, header: readonly string[], problems: ProblemList, sink: AsciiRowSink): void {
  const n = bytes.length;
  const columns = header.length;
  const expected = header.join(',');
  let p = bytes[0] === 0xef ? 3 : 0;
  let nl = bytes.indexOf(10, p);
  if (nl === -1) nl = n;
  const found = bytes.toString('latin1', p, nl > p && bytes[nl - 1] === 13 ? nl - 1 : nl);
  if (found !== expected) {
    throw ValidationError.of({ file: name, line: 1, message: `header must be "${expected}", found "${found.length > 80 ? found.slice(0, 80) + '...' : found}"` });
  }
  p = nl + 1;
  const starts = new Int32Array(columns);
  const ends = new Int32Array(columns);
  let line = 2;
  while (p < n) {
    nl = bytes.indexOf(10, p);
    if (nl === -1) nl = n;
    const lineEnd = nl > p && bytes[nl - 1] === 13 ? nl - 1 : nl;
    if (lineEnd > p) {
      let fields = 0;
      let s = p;
      for (let i = p; i <= lineEnd; i++) {
        if (i === lineEnd || bytes[i] === 44) {
          if (fields < columns) {
            starts[fields] = s;
            ends[fields] = i;
          }
          fields++;
          s = i + 1;
        }
      }
      if (fields !== columns) {
        problems.add({ file: name, line, message: `expected ${columns} columns (${expected}), found ${fields}` });
      } else {
        for (let f = 0; f < columns; f++) {
          let a = starts[f]!;
          let b = ends[f]!;
          while (a < b && (bytes[a] === 32 || bytes[a] === 9)) a++;
          while (b > a && (bytes[b - 1] === 32 || bytes[b - 1] === 9)) b--;
          starts[f] = a;
          ends[f] = b;
        }
        sink(line, starts, ends);
      }
    }
    line++;
    p = nl + 1;
  }
}
