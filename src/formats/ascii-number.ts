/**
 * Decimal numbers read straight from bytes, for the hot paths of large submission files
 * (500,000 CSV rows or JSON entries). Gives exactly the double that `Number(text)` and
 * Python's `float(text)` give: small mantissas use Clinger's fast path (mantissa <= 2^53 and
 * |exponent| <= 22, so one correctly rounded multiplication or division); 17-19 significant
 * digits (what shortest round-trip printing gives for most doubles) are scaled in double-double
 * arithmetic and rounded once, when the result is provably not near a rounding boundary;
 * anything else falls back to `Number` on the text once a linear scan has checked it is a plain
 * decimal (a backtracking regular expression took 80 s on 150,000 digits and a stray character).
 */

/**
 * True when digit `d`, the 16th significant one, keeps the mantissa exact: mantissa * 10 + d
 * <= 2^53 = 9007199254740992 (every integer up to it is a double). Decided before the sum,
 * which above 2^53 could round back under it.
 */
function sixteenthDigitExact(significant: number, mantissa: number, d: number): boolean {
  return significant === 16 && (mantissa < 900719925474099 || (mantissa === 900719925474099 && d <= 2));
}

const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * True when `text` is a plain decimal, `[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?` in full, checked in
 * one pass (linear in the length, whatever the input).
 */
export function isPlainDecimal(text: string): boolean {
  return plainDecimalAt((i) => text.charCodeAt(i), 0, text.length);
}

/** The grammar of isPlainDecimal over the characters `at(start) .. at(end - 1)`. */
function plainDecimalAt(at: (i: number) => number, start: number, end: number): boolean {
  let i = start;
  let c = at(i);
  if (c === 43 || c === 45) i++;
  let digits = 0;
  while (i < end && isDigit(at(i))) {
    i++;
    digits++;
  }
  if (i < end && at(i) === 46) {
    i++;
    while (i < end && isDigit(at(i))) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return false;
  if (i < end && ((c = at(i)) === 101 || c === 69)) {
    i++;
    if (i < end && ((c = at(i)) === 43 || c === 45)) i++;
    const expStart = i;
    while (i < end && isDigit(at(i))) i++;
    if (i === expStart) return false;
  }
  return i === end;
}

/** `text` as a number when it is a plain decimal (exactly what `Number(text)` gives), else NaN. */
export function plainDecimal(text: string): number {
  return isPlainDecimal(text) ? Number(text) : NaN;
}

/**
 * Parses the decimal number in `bytes[start, end)`; NaN when the text is not a plain decimal
 * (JSON or CSV style: optional sign, digits, optional fraction and exponent; no spaces, no
 * "Infinity", no hex).
 */
export function parseAsciiNumber(bytes: Uint8Array, start: number, end: number): number {
  parseInto(bytes, start, end);
  return parsed[0]!;
}

// The result of parseInto. A function that returns a double boxes it on the heap unless the
// call is inlined; parseInto is too long to inline, so it stores into this typed array and the
// two-line wrapper above, which is inlined, reads it back (30 MB less garbage a bench run).
const parsed = new Float64Array(1);

function parseInto(bytes: Uint8Array, start: number, end: number): void {
  let i = start;
  let negative = false;
  let c = bytes[i];
  if (c === 45 || c === 43) {
    negative = c === 45;
    i++;
  }
  // The significant digits are mantissa * 10^tailDigits + tail: mantissa holds what is exact in
  // a double (15 digits, or 16 up to 2^53), tail up to LONG_DIGITS - that many more.
  let mantissa = 0;
  let tail = 0;
  let tailDigits = 0;
  let significant = 0;
  let exponent = 0;
  let digits = 0;
  while (i < end && (c = bytes[i]!) >= 48 && c <= 57) {
    if (mantissa !== 0 || c !== 48) {
      if (++significant > 15 && (tailDigits > 0 || !sixteenthDigitExact(significant, mantissa, c - 48))) {
        if (significant > LONG_DIGITS) return void (parsed[0] = slow(bytes, start, end));
        tail = tail * 10 + (c - 48);
        tailDigits++;
      } else mantissa = mantissa * 10 + (c - 48);
    }
    digits++;
    i++;
  }
  if (i < end && bytes[i] === 46) {
    i++;
    while (i < end && (c = bytes[i]!) >= 48 && c <= 57) {
      if (mantissa !== 0 || c !== 48) {
        if (++significant > 15 && (tailDigits > 0 || !sixteenthDigitExact(significant, mantissa, c - 48))) {
          if (significant > LONG_DIGITS) return void (parsed[0] = slow(bytes, start, end));
          tail = tail * 10 + (c - 48);
          tailDigits++;
        } else mantissa = mantissa * 10 + (c - 48);
      }
      exponent--;
      digits++;
      i++;
    }
  }
  if (digits === 0) return void (parsed[0] = NaN);
  if (i < end && (bytes[i] === 101 || bytes[i] === 69)) {
    i++;
    let expNegative = false;
    if (i < end && (bytes[i] === 45 || bytes[i] === 43)) {
      expNegative = bytes[i] === 45;
      i++;
    }
    let e = 0;
    const expStart = i;
    while (i < end && (c = bytes[i]!) >= 48 && c <= 57 && e < 100000) {
      e = e * 10 + (c - 48);
      i++;
    }
    if (i === expStart || i !== end) return void (parsed[0] = i === expStart ? NaN : slow(bytes, start, end));
    exponent += expNegative ? -e : e;
  }
  if (i !== end) return void (parsed[0] = NaN);
  let value: number;
  if (tailDigits > 0) {
    if (!longMantissa(mantissa, tailDigits, tail, exponent)) return void (parsed[0] = slow(bytes, start, end));
    value = dd[0]!;
  } else if (mantissa === 0) value = 0;
  else if (exponent === 0) value = mantissa;
  else if (exponent < 0 && exponent >= -22) value = mantissa / POW10[-exponent]!;
  else if (exponent > 0 && exponent <= 22) value = mantissa * POW10[exponent]!;
  else return void (parsed[0] = slow(bytes, start, end));
  parsed[0] = negative ? -value : value;
}

/** Significant digits the double-double path takes: 10^19 < 2^64, so the digits are exact in a double-double. */
const LONG_DIGITS = 19;
/** Relative error bound of the double-double scaling (a few units of 2^-104; kept far wider). */
const DD_ERROR = 2 ** -90;
/** Dekker's splitter for 53-bit doubles: 2^27 + 1. */
const SPLITTER = 134217729;

// Double-double results of the helpers below, [high, low]: a typed array, because a double
// stored in a module variable is boxed (a heap allocation per store, 1.6M numbers a bench run).
const dd = new Float64Array(2);

/** dd = a * b exactly (Dekker's product: JS has no fused multiply-add). */
function twoProduct(a: number, b: number): void {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b), bl = b - bh;
  dd[0] = p;
  dd[1] = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/** dd = (h, l) / d for an exact double d: one long-division step on the remainder. */
function divide(h: number, l: number, d: number): void {
  const q = h / d;
  twoProduct(q, d);
  const r = ((h - dd[0]!) - dd[1]!) + l;
  const q2 = r / d;
  const s = q + q2;
  dd[0] = s;
  dd[1] = q2 - (s - q);
}

/**
 * Sets dd[0] to (mantissa * 10^tailDigits + tail) * 10^exponent rounded to the nearest double.
 * False when the exponent is out of this path's range or the value lies so close to the
 * midpoint between two doubles that the double-double bound cannot decide (then `Number` does).
 */
function longMantissa(mantissa: number, tailDigits: number, tail: number, exponent: number): boolean {
  // The digits, exactly: mantissa * 10^t is an exact double-double, tail a small integer.
  twoProduct(mantissa, POW10[tailDigits]!);
  let h = dd[0]! + tail;
  let l = dd[1]! + (tail - (h - dd[0]!)); // h - high is exact (Sterbenz): tail's rounding error, then low (both integers < 2^20)
  if (exponent > 0) {
    if (exponent > 22) return false;
    twoProduct(h, POW10[exponent]!);
    const low = dd[1]! + l * POW10[exponent]!;
    h = dd[0]! + low;
    l = low - (h - dd[0]!);
  } else if (exponent < 0) {
    if (exponent < -44) return false;
    if (exponent < -22) {
      divide(h, l, POW10[22]!);
      h = dd[0]!;
      l = dd[1]!;
      exponent += 22;
    }
    divide(h, l, POW10[-exponent]!);
    h = dd[0]!;
    l = dd[1]!;
  }
  // The true value lies within h + l +- bound; both ends must round to the same double.
  const value = h + l;
  const bound = Math.abs(value) * DD_ERROR;
  dd[0] = value;
  return value + (l - (value - h) - bound) === value && value + (l - (value - h) + bound) === value;
}

/** Checks the grammar on the bytes, then lets `Number` round (one string, no second scan). */
function slow(bytes: Uint8Array, start: number, end: number): number {
  if (!plainDecimalAt((i) => bytes[i]!, start, end)) return NaN;
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Number(buf.toString('latin1', start, end));
}
