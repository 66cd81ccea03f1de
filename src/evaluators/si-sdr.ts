/**
 * Scale-invariant SDR (Le Roux, Wisdom, Erdogan, Hershey, "SDR - half-baked or well done?",
 * ICASSP 2019, eq. 2-4), zero-mean variant as used by wsj0-2mix / Looking to Listen tooling:
 *   r = ref - mean(ref),  e = est - mean(est),
 *   alpha = <e, r> / <r, r>,
 *   SI-SDR = 10 log10(|alpha r|^2 / |alpha r - e|^2).
 */

/** Zero-mean copy of a signal (mean by plain summation). */
export function zeroMean(x: Float64Array): Float64Array {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]!;
  const mean = sum / x.length;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! - mean;
  return out;
}

/**
 * SI-SDR in dB of `estimate` against `reference`, both already zero-mean (see zeroMean).
 * +Infinity when the estimate is exactly alpha * reference; NaN when the reference is silent.
 */
export function siSdrZeroMean(estimate: Float64Array, reference: Float64Array): number {
  const n = reference.length;
  let er = 0;
  let rr = 0;
  for (let i = 0; i < n; i++) {
    er += estimate[i]! * reference[i]!;
    rr += reference[i]! * reference[i]!;
  }
  const alpha = er / rr;
  let target = 0;
  let noise = 0;
  for (let i = 0; i < n; i++) {
    const t = alpha * reference[i]!;
    const d = t - estimate[i]!;
    target += t * t;
    noise += d * d;
  }
  if (noise === 0) return target > 0 ? Infinity : NaN;
  return 10 * Math.log10(target / noise);
}

/** SI-SDR in dB, removing the means first. */
export function siSdr(estimate: Float64Array, reference: Float64Array): number {
  return siSdrZeroMean(zeroMean(estimate), zeroMean(reference));
}
