/**
 * The spectral stability score of a camera-path signal (Liu et al. 2013, as DIFRINT's
 * `metrics.py` computes it): power = |fft(x)|^2 (numpy `fft.fft`), the DC term dropped, the
 * first floor((L-1)/2) of the rest kept, score = sum of the first 5 / sum of all kept; 1 when
 * that sum is below 1e-12 (a perfectly still path).
 *
 * Path lengths are N-1 for N frames (47, 89: often prime), which the power-of-two FFT in fft.ts
 * does not cover, and only half the bins are needed: a direct DFT over a table of
 * cos/sin(2 pi j / L) with the index k*m reduced mod L exactly, which keeps rounding at
 * numpy's pocketfft level (agreement ~1e-15 on the fixture). 89 points x 44 bins is ~4k
 * multiply-adds a signal.
 */
import { numpySum } from './numpy-mean.js';

const LOW_BINS = 5;
const STILL = 1e-12;

interface Table {
  cos: Float64Array;
  sin: Float64Array;
  power: Float64Array;
}
const tables = new Map<number, Table>();

function tableFor(length: number): Table {
  let t = tables.get(length);
  if (!t) {
    const cos = new Float64Array(length);
    const sin = new Float64Array(length);
    for (let j = 0; j < length; j++) {
      const angle = (2 * Math.PI * j) / length;
      cos[j] = Math.cos(angle);
      sin[j] = Math.sin(angle);
    }
    t = { cos, sin, power: new Float64Array(length) };
    tables.set(length, t);
  }
  return t;
}

/** Low-frequency energy share of x[0..length) (see above); length >= 2. */
export function lowFrequencyShare(x: ArrayLike<number>, length = x.length): number {
  const { cos, sin, power } = tableFor(length);
  const kept = Math.floor((length - 1) / 2);
  for (let k = 1; k <= kept; k++) {
    let re = 0;
    let im = 0;
    let j = 0;
    for (let m = 0; m < length; m++) {
      const v = x[m]!;
      re += v * cos[j]!;
      im -= v * sin[j]!;
      j += k;
      if (j >= length) j -= length;
    }
    power[k - 1] = re * re + im * im;
  }
  const total = numpySum(power, kept);
  if (total < STILL) return 1;
  return numpySum(power, Math.min(LOW_BINS, kept)) / total;
}
