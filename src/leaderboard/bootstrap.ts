/**
 * Bootstrap confidence intervals for a leaderboard score: resample the truth items with
 * replacement B times, score each resample with the task's Resampler, and take the 2.5th and
 * 97.5th percentiles (the percentile bootstrap; Efron & Tibshirani 1993, ch. 13).
 *
 * The draws are seeded from the challenge and split only, so every submission of a challenge
 * is scored on the same resamples: intervals are reproducible and comparable (paired).
 */
import type { Resampler } from '../tasks/task.js';
import { mulberry32 } from '../random.js';

export const DEFAULT_BOOTSTRAP_SAMPLES = 1000;


/** FNV-1a hash of a string, as a 32-bit seed. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Linear-interpolated quantile of sorted values (numpy's default, "linear"). */
export function quantile(sorted: Float64Array | number[], q: number): number {
  const n = sorted.length;
  if (n === 1) return sorted[0]!;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface Interval {
  low: number;
  high: number;
  /** Resamples where the metric was defined (null ones are left out). */
  samples: number;
}

/**
 * 95% percentile-bootstrap interval of `metric` under `resampler`, or undefined when the
 * metric is undefined on every resample or there are no items.
 */
export function bootstrapInterval(resampler: Resampler, metric: string, seed: number, samples = DEFAULT_BOOTSTRAP_SAMPLES): Interval | undefined {
  const n = resampler.size;
  if (n === 0 || samples <= 0) return undefined;
  const random = mulberry32(seed);
  const indices = new Uint32Array(n);
  const values: number[] = [];
  for (let b = 0; b < samples; b++) {
    for (let i = 0; i < n; i++) indices[i] = Math.floor(random() * n);
    const v = resampler.score(indices)[metric];
    if (typeof v === 'number' && Number.isFinite(v)) values.push(v);
  }
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  return { low: quantile(sorted, 0.025), high: quantile(sorted, 0.975), samples: values.length };
}
