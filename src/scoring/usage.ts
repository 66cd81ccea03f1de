/**
 * Which split a scoring unit (row, image, mixture) counts in: one code a unit, in a Uint8Array
 * beside the units. ALL: the truth has no usage marks (the unit counts for `metrics` only);
 * PUBLIC / PRIVATE: it counts for `metrics` and for that split; IGNORED: it is read and checked
 * (a participant must submit it) but scored nowhere. The pipeline routes on these codes only.
 */
import type { Usage } from '../formats/usage.js';

export const USAGE_ALL = 0;
export const USAGE_PUBLIC = 1;
export const USAGE_PRIVATE = 2;
export const USAGE_IGNORED = 3;

export type UsageCode = typeof USAGE_ALL | typeof USAGE_PUBLIC | typeof USAGE_PRIVATE | typeof USAGE_IGNORED;

/** The code of a usage mark from a truth file (`Public`, `Private`, `Ignored`); -1 for anything else. */
export function usageCode(mark: string): number {
  return mark === 'Public' ? USAGE_PUBLIC : mark === 'Private' ? USAGE_PRIVATE : mark === 'Ignored' ? USAGE_IGNORED : -1;
}

/** Codes for units named by `ids`, from marks read by formats/usage.ts (all USAGE_ALL without marks). */
export function usageCodes(ids: readonly string[], marks: ReadonlyMap<string, Usage> | undefined): Uint8Array {
  const codes = new Uint8Array(ids.length);
  if (marks) ids.forEach((id, i) => (codes[i] = Math.max(0, usageCode(marks.get(id) ?? 'Ignored'))));
  return codes;
}

/** The three routes a unit can take: index 0 all, 1 public, 2 private. */
export const ROUTES = ['all', 'public', 'private'] as const;

/**
 * Units (indices) scored in each route: all non-ignored, public, private; ascending. One pass
 * with local counters into arrays of full length, then views of the filled parts: this runs
 * once per scoring, mostly before V8 has optimised it, and two passes over 150,000 units with
 * counters in an array took 14 ms there against 8 ms now.
 */
export function unitsByRoute(usage: Uint8Array): [Uint32Array, Uint32Array, Uint32Array] {
  const n = usage.length;
  const all = new Uint32Array(n);
  const pub = new Uint32Array(n);
  const priv = new Uint32Array(n);
  let a = 0;
  let p = 0;
  let q = 0;
  for (let u = 0; u < n; u++) {
    const c = usage[u]!;
    if (c === USAGE_IGNORED) continue;
    all[a++] = u;
    if (c === USAGE_PUBLIC) pub[p++] = u;
    else if (c === USAGE_PRIVATE) priv[q++] = u;
  }
  return [all.subarray(0, a), pub.subarray(0, p), priv.subarray(0, q)];
}
