/**
 * Scale-invariant SDR (Le Roux, Wisdom, Erdogan, Hershey, "SDR - half-baked or well done?",
 * ICASSP 2019, eq. 2-4), zero-mean variant as used by wsj0-2mix / Looking to Listen tooling:
 *   r = ref - mean(ref),  e = est - mean(est),
 *   alpha = <e, r> / <r, r>,
 *   SI-SDR = 10 log10(|alpha r|^2 / |alpha r - e|^2).
 */

/** Mean by plain summation. */
export function mean(x: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]!;
  return sum / x.length;
}

/**
 * SI-SDR in dB of `estimate` against `reference`, after removing their means (given, so a
 * signal used in several pairs is summed once). Two passes, no copies: alpha, then the error
 * energy sum (alpha r_i - e_i)^2 computed term by term (no cancellation).
 * +Infinity when the error is exactly zero; NaN when the reference is constant.
 */
export function siSdrCentered(estimate: Float64Array, estimateMean: number, reference: Float64Array, referenceMean: number): number {
  const n = reference.length;
  let er = 0;
  let rr = 0;
  for (let i = 0; i < n; i++) {
    const r = reference[i]! - referenceMean;
    er += (estimate[i]! - estimateMean) * r;
    rr += r * r;
  }
  const alpha = er / rr;
  let target = 0;
  let noise = 0;
  for (let i = 0; i < n; i++) {
    const t = alpha * (reference[i]! - referenceMean);
    const d = t - (estimate[i]! - estimateMean);
    target += t * t;
    noise += d * d;
  }
  if (noise === 0) return target > 0 ? Infinity : NaN;
  return 10 * Math.log10(target / noise);
}

/** SI-SDR in dB, zero-mean as Le Roux et al. */
export function siSdr(estimate: Float64Array, reference: Float64Array): number {
  return siSdrCentered(estimate, mean(estimate), reference, mean(reference));
}

/**
 * SI-SDR of every (estimate, reference) pair from inner products of the centred signals: the centred inner
 * products <e, r>, <r, r>, <e, e> give alpha = <e,r>/<r,r>, |alpha r|^2 = alpha <e,r> and the
 * error |alpha r - e|^2 = <e,e> - alpha <e,r>. That difference loses relative precision as
 * the error shrinks (about 1e-16 * <e,e> / error), so when the error is below 1e-4 of <e,e>
 * (SI-SDR above ~40 dB) the pair is recomputed term by term (siSdrCentered).
 * Returns matrix[e][r] in dB.
 */
export function siSdrMatrix(estimates: readonly Float64Array[], references: readonly Float64Array[]): number[][] {
  const q = estimates.length;
  const p = references.length;
  const em = estimates.map(mean);
  const rm = references.map(mean);
  // One tight loop per inner product: simple two-array loops are what the JIT compiles best.
  const rr = references.map((r, j) => centeredDot(r, rm[j]!, r, rm[j]!));
  const ee = estimates.map((e, k) => centeredDot(e, em[k]!, e, em[k]!));
  const er = new Float64Array(q * p);
  for (let k = 0; k < q; k++) for (let j = 0; j < p; j++) er[k * p + j] = centeredDot(estimates[k]!, em[k]!, references[j]!, rm[j]!);
  const out: number[][] = [];
  for (let k = 0; k < q; k++) {
    const row: number[] = [];
    for (let j = 0; j < p; j++) {
      const dot = er[k * p + j]!;
      const alpha = dot / rr[j]!;
      const target = alpha * dot;
      const noise = ee[k]! - target;
      row.push(noise > 1e-4 * ee[k]! ? 10 * Math.log10(target / noise) : siSdrCentered(estimates[k]!, em[k]!, references[j]!, rm[j]!));
    }
    out.push(row);
  }
  return out;
}

/** sum_i (x_i - mx)(y_i - my) */
function centeredDot(x: Float64Array, mx: number, y: Float64Array, my: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - mx) * (y[i]! - my);
  return s;
}
