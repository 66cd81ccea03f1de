/**
 * Short-lag cross-correlations of long signals through the FFT, the inner products BSS Eval's
 * least-squares projections need (mir_eval.separation._project):
 *   c[m] = sum_n x[n + m] y[n]   for 0 <= m < lags,
 * with signals taken as zero outside [0, length). The FFT size is the next power of two of
 * length + lags - 1, as in mir_eval, so the circular correlation has no wrap-around at the
 * lags asked for.
 */
import { createRealFft, nextPowerOfTwo, type RealFft } from './fft.js';

/** Spectra of a set of equal-length signals, for correlating any pair of them. */
export interface Spectra {
  readonly fft: RealFft;
  readonly re: Float64Array[];
  readonly im: Float64Array[];
}

/** A plan for one signal length and lag count, with reusable buffers. */
export interface CorrelationPlan {
  readonly length: number;
  readonly lags: number;
  spectra(signals: readonly Float64Array[]): Spectra;
  /**
   * c[m] = sum_n x[n + m] y[n] for m in [0, lags) into out[outOffset + m * stride], and, when
   * `negativeOffset` is given, c[-m] (the correlation of y with x) into
   * out[negativeOffset + m * stride].
   */
  correlate(s: Spectra, x: number, y: number, out: Float64Array, outOffset: number, stride: number, negativeOffset?: number): void;
}

const plans = new Map<string, CorrelationPlan>();

/** Plans are cached by (length, lags): a data set's mixtures usually share one length. */
export function correlationPlan(length: number, lags: number): CorrelationPlan {
  const key = `${length}/${lags}`;
  let plan = plans.get(key);
  if (!plan) {
    plan = createPlan(length, lags);
    if (plans.size > 16) plans.clear();
    plans.set(key, plan);
  }
  return plan;
}

function createPlan(length: number, lags: number): CorrelationPlan {
  const size = Math.max(4, nextPowerOfTwo(length + lags - 1));
  const fft = createRealFft(size);
  const bins = fft.bins;
  const pr = new Float64Array(bins);
  const pi = new Float64Array(bins);
  const time = new Float64Array(size);
  return {
    length,
    lags,
    spectra(signals) {
      const re: Float64Array[] = [];
      const im: Float64Array[] = [];
      for (const s of signals) {
        const r = new Float64Array(bins);
        const i = new Float64Array(bins);
        fft.forward(s, r, i);
        re.push(r);
        im.push(i);
      }
      return { fft, re, im };
    },
    correlate(s, x, y, out, outOffset, stride, negativeOffset) {
      // X conj(Y) is the spectrum of the circular correlation sum_n x[n + m] y[n].
      const xr = s.re[x]!, xi = s.im[x]!, yr = s.re[y]!, yi = s.im[y]!;
      for (let k = 0; k < bins; k++) {
        pr[k] = xr[k]! * yr[k]! + xi[k]! * yi[k]!;
        pi[k] = xi[k]! * yr[k]! - xr[k]! * yi[k]!;
      }
      fft.inverse(pr, pi, time);
      for (let m = 0; m < lags; m++) out[outOffset + m * stride] = time[m]!;
      if (negativeOffset !== undefined) {
        out[negativeOffset] = time[0]!;
        for (let m = 1; m < lags; m++) out[negativeOffset + m * stride] = time[size - m]!;
      }
    },
  };
}
