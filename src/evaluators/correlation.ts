/**
 * Short-lag cross-correlations of long signals, the inner products BSS Eval's least-squares
 * projections need (mir_eval.separation._project's G and D):
 *   xcorr(x, y)[m] = sum_n x[n + m] y[n],   0 <= m < lags,
 * with signals zero outside [0, length).
 *
 * mir_eval takes one FFT of size >= length + lags - 1 per signal and one inverse FFT per pair.
 * Only `lags` outputs of each inverse are used, so here the sum over n is cut into blocks
 * (overlap-save): block k of y, y[kB, kB + B), against the window x[kB, kB + B + lags - 1),
 * both zero-padded to an FFT size F >= B + lags - 1, so the circular correlation of the pair
 * has no wrap-around at lags < `lags`. The block spectra products are summed over k in the
 * frequency domain and each pair needs one small inverse FFT at the end. F is chosen to
 * minimise the work; for short signals it is a single block, i.e. mir_eval's own scheme.
 */
import { createRealFft, nextPowerOfTwo, type RealFft } from './fft.js';

/** The correlations BSS Eval needs for p references and q signals. */
export interface ReferenceCorrelations {
  /** T(m)[i][j] = xcorr(r_i, r_j)[m] at m*p*p + i*p + j, for m < lags. */
  blocks: Float64Array;
  /** For each signal e: d[a*p + i] = xcorr(e, r_i)[a] = <r_i delayed by a, e>, for a < lags. */
  rhs: Float64Array[];
}

interface Plan {
  fft: RealFft;
  /** New samples per block. */
  step: number;
  blocks: number;
}

/** Picks the FFT size with the least estimated work (transforms, products, inverses). */
export function choosePlan(length: number, lags: number, transformsPerBlock: number, pairs: number): { size: number; step: number; blocks: number } {
  const largest = Math.max(4, nextPowerOfTwo(length + lags - 1));
  let best = { size: largest, step: length, blocks: 1 };
  let bestCost = Infinity;
  for (let size = Math.max(4, nextPowerOfTwo(2 * lags)); size <= largest; size *= 2) {
    const step = size === largest ? length : size - lags + 1;
    const blocks = Math.max(1, Math.ceil(length / step));
    const transform = size * Math.log2(size);
    // per block: forward transforms and one complex multiply-add per bin and pair; per pair one inverse
    const cost = blocks * (transformsPerBlock * transform + pairs * size * 1.5) + pairs * transform;
    if (cost < bestCost) {
      bestCost = cost;
      best = { size, step, blocks };
    }
  }
  return best;
}

const ffts = new Map<number, RealFft>();
function realFft(size: number): RealFft {
  let f = ffts.get(size);
  if (!f) {
    f = createRealFft(size);
    ffts.set(size, f);
  }
  return f;
}

/**
 * xcorr(r_i, r_j) and xcorr(e_s, r_i) at lags 0..lags-1 for all references r (one length) and
 * signals e (the same length).
 */
export function referenceCorrelations(references: readonly Float64Array[], signals: readonly Float64Array[], lags: number): ReferenceCorrelations {
  const p = references.length;
  const q = signals.length;
  const length = references[0]!.length;
  // pairs: (window of r_i, block of r_j) for all i, j; (window of e_s, block of r_i)
  const pairs = p * p + q * p;
  const { size, step, blocks: count } = choosePlan(length, lags, 2 * p + q, pairs);
  const plan: Plan = { fft: realFft(size), step, blocks: count };
  const bins = plan.fft.bins;
  const alloc = (n: number) => Array.from({ length: n }, () => ({ re: new Float64Array(bins), im: new Float64Array(bins) }));
  const refWindows = alloc(p);
  const refBlocks = alloc(p);
  const sigWindows = alloc(q);
  const accRef = alloc(p * p); // [i*p + j]
  const accSig = alloc(q * p); // [s*p + i]

  for (let k = 0; k < plan.blocks; k++) {
    const start = k * plan.step;
    const blockEnd = Math.min(length, start + plan.step);
    const windowEnd = Math.min(length, start + plan.step + lags - 1);
    for (let i = 0; i < p; i++) {
      const r = references[i]!;
      plan.fft.forward(r.subarray(start, windowEnd), refWindows[i]!.re, refWindows[i]!.im);
      plan.fft.forward(r.subarray(start, blockEnd), refBlocks[i]!.re, refBlocks[i]!.im);
    }
    for (let s = 0; s < q; s++) plan.fft.forward(signals[s]!.subarray(start, windowEnd), sigWindows[s]!.re, sigWindows[s]!.im);
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) accumulate(accRef[i * p + j]!, refWindows[i]!, refBlocks[j]!, bins);
    }
    for (let s = 0; s < q; s++) {
      for (let i = 0; i < p; i++) accumulate(accSig[s * p + i]!, sigWindows[s]!, refBlocks[i]!, bins);
    }
  }

  const time = new Float64Array(size);
  const blocks = new Float64Array(lags * p * p);
  for (let ij = 0; ij < p * p; ij++) {
    plan.fft.inverse(accRef[ij]!.re, accRef[ij]!.im, time);
    for (let m = 0; m < lags; m++) blocks[m * p * p + ij] = time[m]!;
  }
  const rhs = signals.map((_, s) => {
    const d = new Float64Array(lags * p);
    for (let i = 0; i < p; i++) {
      plan.fft.inverse(accSig[s * p + i]!.re, accSig[s * p + i]!.im, time);
      for (let a = 0; a < lags; a++) d[a * p + i] = time[a]!;
    }
    return d;
  });
  return { blocks, rhs };
}

/** acc += X conj(Y): the spectrum of the circular correlation sum_n x[n + m] y[n]. */
function accumulate(acc: { re: Float64Array; im: Float64Array }, x: { re: Float64Array; im: Float64Array }, y: { re: Float64Array; im: Float64Array }, bins: number): void {
  const ar = acc.re, ai = acc.im, xr = x.re, xi = x.im, yr = y.re, yi = y.im;
  for (let k = 0; k < bins; k++) {
    const a = xr[k]!, b = xi[k]!, c = yr[k]!, d = yi[k]!;
    ar[k]! += a * c + b * d;
    ai[k]! += b * c - a * d;
  }
}
