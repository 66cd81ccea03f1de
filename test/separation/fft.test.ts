import { describe, expect, it } from 'vitest';
import { createComplexFft, createRealFft, nextPowerOfTwo } from '../../src/evaluators/fft.js';

/** Naive O(n^2) DFT in long-hand, the oracle for the fast transforms. */
function dft(re: ArrayLike<number>, im: ArrayLike<number>, sign = -1): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sr = 0, si = 0;
    for (let m = 0; m < n; m++) {
      const a = (sign * 2 * Math.PI * ((k * m) % n)) / n;
      const c = Math.cos(a), s = Math.sin(a);
      sr += re[m]! * c - im[m]! * s;
      si += re[m]! * s + im[m]! * c;
    }
    outRe[k] = sr;
    outIm[k] = si;
  }
  return [outRe, outIm];
}

function random(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, len = a.length): number {
  let m = 0;
  for (let i = 0; i < len; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('complex FFT', () => {
  for (const n of [1, 2, 4, 8, 16, 32, 64, 128, 512]) {
    it(`matches the naive DFT at n = ${n} (odd and even log2)`, () => {
      const re = random(n, n), im = random(n, n + 7);
      const [er, ei] = dft(re, im);
      const fft = createComplexFft(n);
      const r = re.slice(), i = im.slice();
      fft.forward(r, i);
      expect(maxAbsDiff(r, er)).toBeLessThan(1e-12 * n);
      expect(maxAbsDiff(i, ei)).toBeLessThan(1e-12 * n);
      fft.inverse(r, i);
      expect(maxAbsDiff(r, re)).toBeLessThan(1e-14 * n);
      expect(maxAbsDiff(i, im)).toBeLessThan(1e-14 * n);
    });
  }
  it('rejects sizes that are not powers of two', () => {
    expect(() => createComplexFft(12)).toThrow(/power of two/);
  });
});

describe('real FFT', () => {
  for (const m of [4, 8, 16, 64, 256, 1024]) {
    it(`matches the naive DFT at m = ${m}, with zero padding`, () => {
      const x = random(m - 3, m);
      const padded = new Float64Array(m);
      padded.set(x);
      const [er, ei] = dft(padded, new Float64Array(m));
      const fft = createRealFft(m);
      const re = new Float64Array(fft.bins), im = new Float64Array(fft.bins);
      fft.forward(x, re, im);
      expect(maxAbsDiff(re, er, fft.bins)).toBeLessThan(1e-12 * m);
      expect(maxAbsDiff(im, ei, fft.bins)).toBeLessThan(1e-12 * m);
      const back = new Float64Array(m);
      fft.inverse(re, im, back);
      expect(maxAbsDiff(back, padded)).toBeLessThan(1e-14 * m);
    });
  }
  it('handles odd-length input', () => {
    const fft = createRealFft(8);
    const re = new Float64Array(5), im = new Float64Array(5);
    fft.forward([1, 2, 3], re, im);
    const [er, ei] = dft([1, 2, 3, 0, 0, 0, 0, 0], new Float64Array(8));
    expect(maxAbsDiff(re, er, 5)).toBeLessThan(1e-14);
    expect(maxAbsDiff(im, ei, 5)).toBeLessThan(1e-14);
  });
  it('nextPowerOfTwo', () => {
    expect([1, 2, 3, 511, 512, 513, 20511].map(nextPowerOfTwo)).toEqual([1, 2, 4, 512, 512, 1024, 32768]);
  });
});
