/**
 * Number parsing of submission files: the linear scanner accepts exactly the decimals the old
 * regular expression accepted, and gives exactly `Number(text)` for them (bit for bit: Object.is
 * tells -0 from 0), on edge cases and many random strings.
 */
import { describe, expect, it } from 'vitest';
import { isPlainDecimal, parseAsciiNumber, plainDecimal } from '../../src/formats/ascii-number.js';
import { fieldNumber } from '../../src/formats/detection-csv.js';
import { mulberry32 } from '../../src/random.js';

// The grammar as it was written before (a backtracking regex): the reference, on short strings only.
const REFERENCE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const reference = (t: string) => (REFERENCE.test(t) ? Number(t) : NaN);
const bytesOf = (t: string) => Buffer.from(t, 'latin1');
const parseBytes = (t: string) => parseAsciiNumber(bytesOf(t), 0, t.length);

const EDGES = [
  '', '+', '-', '.', '+.', '-.', 'e', 'e5', '.e5', '5.', '.5', '-.5', '+5.', '5.e3', '5e', '5e+', '5e-', '5e+3', '5E-3',
  '0', '-0', '+0', '-0.0', '0e0', '-0e-999', '00.000', '000123', '1e22', '1e23', '9007199254740992', '9007199254740993',
  '123456789012345', '1234567890123456', '12345678901234567890', '0.1', '0.30000000000000004', '1.7976931348623157e308',
  '1.7976931348623159e308', '1e309', '-1e309', '4.9e-324', '2.4703282292062327e-324', '2.4703282292062328e-324', '1e-400',
  '2.2250738585072011e-308', '2.2250738585072014e-308', '1e100000', '1e-100000', '0.' + '0'.repeat(400) + '1',
  '1'.repeat(400), '1'.repeat(400) + '.5', '9'.repeat(309), '5e2.', '5..', '1.2.3', '--1', '+-1', '1-', '0x10', 'Infinity',
  '-Infinity', 'NaN', ' 1', '1 ', '1_000', '١', '1e5 ', '1e0x',
];

describe('plain decimals', () => {
  it('agree with the old grammar and Number() on edge cases', () => {
    for (const t of EDGES) {
      expect(isPlainDecimal(t), t).toBe(REFERENCE.test(t));
      expect(Object.is(plainDecimal(t), reference(t)), t).toBe(true);
      expect(Object.is(parseBytes(t), reference(t)), t).toBe(true);
    }
  });

  it('agree on 200,000 random strings over the characters of numbers', () => {
    const rand = mulberry32(17);
    const alphabet = '0123456789012345678901234567890123456789.eE+-x ';
    for (let k = 0; k < 200_000; k++) {
      const len = Math.floor(rand() * 24);
      let t = '';
      for (let i = 0; i < len; i++) t += alphabet[Math.floor(rand() * alphabet.length)];
      const want = reference(t);
      if (!Object.is(plainDecimal(t), want) || !Object.is(parseBytes(t), want)) {
        expect({ t, plain: plainDecimal(t), bytes: parseBytes(t) }).toEqual({ t, plain: want, bytes: want });
      }
    }
  });

  it('agree on 100,000 random well-formed decimals of up to 40 digits, bit for bit', () => {
    const rand = mulberry32(99);
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
    for (let k = 0; k < 100_000; k++) {
      const sign = ['', '-', '+'][Math.floor(rand() * 3)]!;
      const int = digits(Math.floor(rand() * 22));
      const frac = rand() < 0.7 ? '.' + digits(Math.floor(rand() * 20)) : '';
      const exp = rand() < 0.4 ? `${rand() < 0.5 ? 'e' : 'E'}${['', '-', '+'][Math.floor(rand() * 3)]}${Math.floor(rand() * 330)}` : '';
      const t = sign + (int || (frac.length > 1 ? '' : '0')) + frac + exp;
      const want = reference(t);
      if (!Object.is(parseBytes(t), want) || !Object.is(fieldNumber(` ${t} `), want)) {
        expect({ t, bytes: parseBytes(t), field: fieldNumber(` ${t} `) }).toEqual({ t, bytes: want, field: want });
      }
    }
  });

  it('keep a 16th significant digit on the fast path only while the mantissa is at most 2^53, bit for bit', () => {
    // Around 2^53 = 9007199254740992 the sum mantissa * 10 + d could round back under the bound.
    const texts: string[] = [];
    for (let k = -20n; k <= 20n; k++) {
      const digits = String(9007199254740992n + k); // BigInt: doubles cannot count past 2^53
      for (let dot = 0; dot <= 16; dot++) {
        const t = dot === 16 ? digits : `${digits.slice(0, dot)}.${digits.slice(dot)}`;
        texts.push(t, `-${t}`, `${t}e-7`, `${t}e5`, `0.000${digits}`);
      }
    }
    const rand = mulberry32(53);
    for (let k = 0; k < 100_000; k++) {
      const digits = String(1e15 + Math.floor(rand() * 9e15));
      const dot = Math.floor(rand() * 17);
      texts.push(`${digits.slice(0, dot)}.${digits.slice(dot)}e${Math.floor(rand() * 45) - 22}`);
    }
    for (const t of texts) {
      if (!Object.is(parseBytes(t), Number(t))) expect({ t, bytes: parseBytes(t) }).toEqual({ t, bytes: Number(t) });
    }
  });

  it('round 17-19 significant digits in double-double exactly as Number does, bit for bit', () => {
    // Shortest round-trip printing gives 17 digits for most doubles; toPrecision(18/19) and long
    // integers above 2^53 (many exact midpoints between two doubles, ties to even) try the
    // boundary check; exponents reach both ends of the path's range (-44..22) and past them.
    const rand = mulberry32(1953);
    const texts: string[] = [];
    for (let k = 0; k < 60_000; k++) {
      const x = (rand() - 0.5) * 10 ** (Math.floor(rand() * 60) - 30);
      texts.push(String(x), x.toPrecision(17), x.toPrecision(18), x.toPrecision(19), x.toExponential(16), x.toExponential(18));
      const n = 2n ** 53n + BigInt(Math.floor(rand() * 2 ** 31)) * BigInt(Math.floor(rand() * 2 ** 31)) * BigInt(1 + Math.floor(rand() * 4));
      const digits = String(n);
      const dot = Math.floor(rand() * (digits.length + 1));
      texts.push(digits, `${digits.slice(0, dot)}.${digits.slice(dot)}`, `${digits}e${Math.floor(rand() * 80) - 60}`, `0.${'0'.repeat(Math.floor(rand() * 30))}${digits}`);
    }
    for (const t of texts) {
      if (!Object.is(parseBytes(t), Number(t))) expect({ t, bytes: parseBytes(t) }).toEqual({ t, bytes: Number(t) });
    }
  });

  it('handle hostile lengths: 150,000 digits with or without a stray character', () => {
    const digits = '1'.repeat(150_000);
    expect(parseBytes(digits + 'x')).toBeNaN();
    expect(fieldNumber(digits + 'x')).toBeNaN();
    expect(parseBytes(digits)).toBe(Infinity);
    expect(parseBytes('0.' + digits)).toBe(Number('0.' + digits));
    expect(parseBytes('-' + digits + 'e-149999')).toBe(Number('-' + digits + 'e-149999'));
    expect(fieldNumber('1.' + digits.slice(1) + '.')).toBeNaN();
  });
});
