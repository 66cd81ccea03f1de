/**
 * The fast path for classification: plain, valid, ASCII files without quotes, read straight from
 * the bytes. Ids and labels are hashed as byte ranges of the file buffers, so a 150k-row file
 * costs no per-row strings, arrays or Map entries.
 *
 * It gives up (returns undefined) at the first thing it does not handle or that is wrong: any
 * quote or non-ASCII byte, a header or column-count mismatch, an empty, duplicate, unknown or
 * missing id, a bad usage, too few or duplicate labels, a label that is no class of the truth
 * (unless the label set is open), more than 8 labels in a row. The general
 * path (csv.ts + truth.ts + submission.ts) then reads the files and reports every problem, so
 * messages have one source, and both paths give the same scores on the files both accept.
 */
import { isAscii } from 'node:buffer';
import fs from 'node:fs';
import { USAGE_ALL, USAGE_IGNORED, USAGE_PRIVATE, USAGE_PUBLIC } from '../../scoring/usage.js';
import type { ScoringTruth } from './truth.js';

export interface FastRead extends ScoringTruth {
  ranks: Int16Array;
  minLabels: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const NL = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
/** Past this many labels a row goes to the general path (duplicate checks are pairwise here). */
const MAX_FAST_LABELS = 8;

/**
 * Open-addressing hash table from byte ranges of one buffer to dense integer ids. Each slot holds
 * the hash and the id side by side (one cache line per probe); it doubles at half load, so a
 * table of 8k classes stays small enough for the cache however many rows the file has.
 */
class ByteRangeTable {
  private mask: number;
  private slots: Int32Array; // [hash, id + 1] pairs; id + 1 = 0 marks an empty slot
  starts: Int32Array;
  ends: Int32Array;
  size = 0;

  constructor(private readonly buf: Uint8Array, expected = 0) {
    let cap = 1024;
    while (cap < expected * 2) cap <<= 1;
    this.mask = cap - 1;
    this.slots = new Int32Array(2 * cap);
    this.starts = new Int32Array(Math.max(512, expected));
    this.ends = new Int32Array(Math.max(512, expected));
  }

  /** Entry id of bytes [s, e) of `src`, or -1. */
  find(src: Uint8Array, s: number, e: number): number {
    const h = hashBytes(src, s, e);
    const slots = this.slots;
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const v = slots[2 * slot + 1]!;
      if (v === 0) return -1;
      if (slots[2 * slot] === h && sameBytes(this.buf, this.starts[v - 1]!, this.ends[v - 1]!, src, s, e)) return v - 1;
    }
  }

  /** Adds bytes [s, e) of the table's own buffer; returns the new id, or the existing id as -(id + 2). */
  insert(src: Uint8Array, s: number, e: number): number {
    const h = hashBytes(src, s, e);
    const slots = this.slots;
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const v = slots[2 * slot + 1]!;
      if (v === 0) {
        const id = this.size++;
        if (id === this.starts.length) this.growEntries();
        this.starts[id] = s;
        this.ends[id] = e;
        slots[2 * slot] = h;
        slots[2 * slot + 1] = id + 1;
        if (this.size * 2 > this.mask) this.rehash();
        return id;
      }
      if (slots[2 * slot] === h && sameBytes(this.buf, this.starts[v - 1]!, this.ends[v - 1]!, this.buf, s, e)) return -(v + 1);
    }
  }

  private growEntries(): void {
    const starts = new Int32Array(this.starts.length * 2);
    starts.set(this.starts);
    const ends = new Int32Array(this.ends.length * 2);
    ends.set(this.ends);
    this.starts = starts;
    this.ends = ends;
  }

  private rehash(): void {
    const old = this.slots;
    const mask = this.mask * 2 + 1;
    const slots = new Int32Array(2 * (mask + 1));
    for (let i = 0; i < old.length; i += 2) {
      if (old[i + 1] === 0) continue;
      let slot = old[i]! & mask;
      while (slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      slots[2 * slot] = old[i]!;
      slots[2 * slot + 1] = old[i + 1]!;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** Returned by NumericKeyTable.insert for a key that is not a canonical decimal integer. */
const NOT_NUMERIC = -(1 << 30);
/** Keys past this go to the hash table: a direct index of them would be mostly empty. */
const MAX_NUMERIC_KEY = 1 << 26;

/**
 * Keys that are canonical decimal integers ("0", "17", not "017" or "+1"), as iNat's ids and
 * category ids are, index an array directly: no hashing, one memory access. For such keys string
 * equality is numeric equality, so the meaning is the hash table's.
 */
class NumericKeyTable {
  private index = new Int32Array(1024); // key -> id + 1, 0 = absent
  size = 0;

  find(src: Uint8Array, s: number, e: number): number {
    const v = decimalKey(src, s, e);
    return v < 0 || v >= this.index.length ? -1 : this.index[v]! - 1;
  }

  insert(src: Uint8Array, s: number, e: number): number {
    const v = decimalKey(src, s, e);
    if (v < 0 || v >= MAX_NUMERIC_KEY) return NOT_NUMERIC;
    if (v >= this.index.length) {
      let len = this.index.length * 2;
      while (len <= v) len *= 2;
      const grown = new Int32Array(len);
      grown.set(this.index);
      this.index = grown;
    }
    const existing = this.index[v]!;
    if (existing !== 0) return -(existing + 1);
    this.index[v] = ++this.size;
    return this.size - 1;
  }
}

/** The value of a canonical decimal integer of at most 9 digits in [s, e), else -1. */
function decimalKey(buf: Uint8Array, s: number, e: number): number {
  const len = e - s;
  if (len === 0 || len > 9 || (len > 1 && buf[s] === 0x30)) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function sameBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}

/** FNV-1a over bytes [s, e), with a final mix so the low bits (the slot) depend on every byte. */
function hashBytes(buf: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  h ^= h >>> 15;
  return h | 0;
}

/** Plain means: only ASCII, no quote, no NUL. (A leading UTF-8 BOM is allowed and skipped.) */
function plainStart(buf: Buffer): number {
  const start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const body = buf.subarray(start);
  if (!isAscii(body) || body.indexOf(QUOTE) !== -1 || body.indexOf(0) !== -1) return -1;
  return start;
}

/** ASCII whitespace as String.prototype.trim sees it (a stray CR inside a line included). */
function isBlank(b: number): boolean {
  return b === SPACE || b === TAB || b === 0x0b || b === 0x0c || b === CR;
}

/** Reads the header line at `pos`; returns the position after it, or -1 if it is not `expected`. */
function header(buf: Uint8Array, pos: number, ...expected: string[]): { next: number; which: number } | undefined {
  let nl = buf.indexOf(NL, pos);
  if (nl < 0) nl = buf.length;
  const end = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
  const line = Buffer.from(buf.buffer, buf.byteOffset + pos, end - pos).toString('latin1');
  const which = expected.indexOf(line);
  return which < 0 ? undefined : { next: nl + 1, which };
}

function bytesEqual(buf: Uint8Array, s: number, e: number, word: string): boolean {
  if (e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[s + i] !== word.charCodeAt(i)) return false;
  return true;
}

export function readFast(truthPath: string, submissionPath: string, required: number, openLabels = false): FastRead | undefined {
  const tb = fs.readFileSync(truthPath);
  const sb = fs.readFileSync(submissionPath);
  const t0 = plainStart(tb);
  const s0 = plainStart(sb);
  if (t0 < 0 || s0 < 0) return undefined;
  const truth = readTruth(tb, t0);
  if (!truth) return undefined;
  const sub = readSubmission(sb, s0, truth, required, openLabels);
  if (!sub) return undefined;
  return {
    classOf: truth.classOf,
    usage: truth.usage,
    numClasses: truth.classes.size,
    hasUsage: truth.hasUsage,
    ranks: sub.ranks,
    minLabels: sub.minLabels,
  };
}

// Each phase is its own small function, and per-line work is split out, so V8 optimizes them
// from their own type feedback instead of deoptimizing one large function at every phase change.

/** Line scan results, reused across lines (no per-line allocation). */
const line = { end: 0, next: 0, commas: 0, c1: -1, c2: -1, s: 0, e: 0 };

/** Finds the end of the line starting at pos, and its first two commas. */
function scanLine(buf: Uint8Array, pos: number): void {
  let commas = 0;
  let c1 = -1;
  let c2 = -1;
  let nl = pos;
  const n = buf.length;
  for (; nl < n; nl++) {
    const b = buf[nl]!;
    if (b === NL) break;
    if (b === COMMA) {
      if (commas === 0) c1 = nl;
      else if (commas === 1) c2 = nl;
      commas++;
    }
  }
  line.end = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
  line.next = nl + 1;
  line.commas = commas;
  line.c1 = c1;
  line.c2 = c2;
}

/** Trims [s, e) into line.s / line.e. */
function trimInto(buf: Uint8Array, s: number, e: number): void {
  while (s < e && isBlank(buf[s]!)) s++;
  while (e > s && isBlank(buf[e - 1]!)) e--;
  line.s = s;
  line.e = e;
}

/** Byte-range keys to dense ids: by direct index when every key is a plain integer, else hashed. */
type KeyTable = NumericKeyTable | ByteRangeTable;

interface FastTruth {
  buf: Uint8Array;
  ids: KeyTable;
  /** Byte range of each row's (trimmed) label in buf. */
  labelStart: Int32Array;
  labelEnd: Int32Array;
  classes: KeyTable;
  classOf: Int32Array;
  usage: Uint8Array;
  hasUsage: boolean;
}

function readTruth(tb: Uint8Array, start: number): FastTruth | undefined {
  const rows = countLines(tb);
  const numeric = readTruthWith(tb, start, rows, new NumericKeyTable(), new NumericKeyTable());
  if (typeof numeric !== 'number') return numeric;
  return readTruthWith(tb, start, rows, new ByteRangeTable(tb, rows), new ByteRangeTable(tb)) as FastTruth | undefined;
}

/** Returns the truth, undefined to give up, or NOT_NUMERIC when a numeric table met another key. */
function readTruthWith(tb: Uint8Array, start: number, rows: number, ids: KeyTable, classes: KeyTable): FastTruth | undefined | typeof NOT_NUMERIC {
  const th = header(tb, start, 'id,expected', 'id,expected,usage');
  if (!th) return undefined;
  const hasUsage = th.which === 1;
  const truth: FastTruth = {
    buf: tb,
    ids,
    labelStart: new Int32Array(rows),
    labelEnd: new Int32Array(rows),
    classes,
    classOf: new Int32Array(rows),
    usage: new Uint8Array(rows),
    hasUsage,
  };
  for (let pos = th.next; pos < tb.length; pos = line.next) {
    scanLine(tb, pos);
    if (line.end <= pos) continue;
    const ok = addTruthRow(tb, pos, truth);
    if (ok !== true) return ok === NOT_NUMERIC ? NOT_NUMERIC : undefined;
  }
  truth.classOf = truth.classOf.subarray(0, truth.ids.size);
  truth.usage = truth.usage.subarray(0, truth.ids.size);
  return truth;
}

function addTruthRow(tb: Uint8Array, pos: number, truth: FastTruth): boolean | typeof NOT_NUMERIC {
  const { end, c1, c2 } = line;
  if (line.commas !== (truth.hasUsage ? 2 : 1)) return false;
  trimInto(tb, pos, c1);
  const is = line.s;
  const ie = line.e;
  trimInto(tb, c1 + 1, truth.hasUsage ? c2 : end);
  const ls = line.s;
  const le = line.e;
  if (is === ie || ls === le) return false;
  const row = truth.ids.insert(tb, is, ie);
  if (row === NOT_NUMERIC) return NOT_NUMERIC;
  if (row < 0) return false; // duplicate id
  const cls = truth.classes.insert(tb, ls, le);
  if (cls === NOT_NUMERIC) return NOT_NUMERIC;
  truth.classOf[row] = cls < 0 ? -cls - 2 : cls;
  truth.labelStart[row] = ls;
  truth.labelEnd[row] = le;
  if (!truth.hasUsage) {
    truth.usage[row] = USAGE_ALL;
    return true;
  }
  trimInto(tb, c2 + 1, end);
  const u = usageCode(tb, line.s, line.e);
  truth.usage[row] = u;
  return u >= 0;
}

function usageCode(buf: Uint8Array, s: number, e: number): number {
  if (bytesEqual(buf, s, e, 'Public')) return USAGE_PUBLIC;
  if (bytesEqual(buf, s, e, 'Private')) return USAGE_PRIVATE;
  if (bytesEqual(buf, s, e, 'Ignored')) return USAGE_IGNORED;
  return -1;
}

interface FastSubmission {
  ranks: Int16Array;
  minLabels: number;
}

/** Token positions of the current row (at most MAX_FAST_LABELS). */
const tokS = new Int32Array(MAX_FAST_LABELS);
const tokE = new Int32Array(MAX_FAST_LABELS);

function readSubmission(sb: Uint8Array, start: number, truth: FastTruth, required: number, openLabels: boolean): FastSubmission | undefined {
  const sh = header(sb, start, 'id,predicted');
  if (!sh) return undefined;
  const n = truth.ids.size;
  const ranks = new Int16Array(n).fill(-2);
  let minLabels = Infinity;
  let seen = 0;
  for (let pos = sh.next; pos < sb.length; pos = line.next) {
    scanLine(sb, pos);
    if (line.end <= pos) continue;
    const count = addSubmissionRow(sb, pos, truth, ranks, openLabels);
    if (count < required) return undefined;
    if (count < minLabels) minLabels = count;
    seen++;
  }
  if (seen !== n) return undefined; // some ids are missing
  return { ranks, minLabels: minLabels === Infinity ? 0 : minLabels };
}

/**
 * Records the rank of the true label for one row; returns its label count, or -1 to give up.
 * Labels are compared as bytes with the row's truth label and with each other; a label that is
 * not the row's truth label is looked up among the classes unless the label set is open.
 */
function addSubmissionRow(sb: Uint8Array, pos: number, truth: FastTruth, ranks: Int16Array, openLabels: boolean): number {
  const end = line.end;
  const c1 = line.c1;
  if (line.commas !== 1) return -1;
  trimInto(sb, pos, c1);
  if (line.s === line.e) return -1;
  const t = truth.ids.find(sb, line.s, line.e);
  if (t < 0 || ranks[t] !== -2) return -1; // unknown or duplicate id
  const ls = truth.labelStart[t]!;
  const le = truth.labelEnd[t]!;
  let count = 0;
  let rank = -1;
  for (let i = c1 + 1; i < end; ) {
    while (i < end && isBlank(sb[i]!)) i++;
    if (i >= end) break;
    let j = i;
    while (j < end && !isBlank(sb[j]!)) j++;
    if (count === MAX_FAST_LABELS) return -1;
    for (let k = 0; k < count; k++) if (sameBytes(sb, tokS[k]!, tokE[k]!, sb, i, j)) return -1; // duplicate label
    if (rank < 0 && sameBytes(truth.buf, ls, le, sb, i, j)) rank = count;
    else if (!openLabels && truth.classes.find(sb, i, j) < 0) return -1; // not a class of the truth
    tokS[count] = i;
    tokE[count] = j;
    count++;
    i = j;
  }
  ranks[t] = rank;
  return count;
}

function countLines(buf: Uint8Array): number {
  let n = 1;
  for (let i = 0; i < buf.length; i++) if (buf[i] === NL) n++;
  return n;
}
