/**
 * Stable ordering of detections by (group ascending, score descending), ties kept in input
 * order — what numpy's `argsort(-scores, kind='mergesort')` per category and Octave's stable
 * `sort(-confidence)` per class do. An LSD radix sort over 16- or 8-bit digits: linear time, so
 * ranking 500,000 detections takes milliseconds instead of a comparison sort's tenth of a second.
 */

/**
 * Digit width: a pass clears and sums all its buckets, then reads and moves every record. 16-bit
 * digits (6 passes over 65,536 buckets) pay off for tens of thousands of records and up; below
 * that 8-bit digits (12 passes over 256): a bootstrap resample of a few thousand detections
 * (a leaderboard interval scores 1,000 resamples a split) spent most of its sort on buckets.
 * Either width gives the same permutation (an LSD radix sort is stable whatever its digits).
 */
const WIDE_FROM = 1 << 15;

/**
 * Returns the permutation that sorts records by `group` ascending, then `score` descending,
 * then `tie` ascending when given, equal keys in input order. -0 and +0 count as equal (numpy
 * and Octave compare them equal); scores must not be NaN.
 */
export function orderByGroupThenScore(group: Uint32Array, score: Float64Array, count = score.length, tie?: Uint32Array): Uint32Array {
  // Descending float order as an ascending unsigned 64-bit key (hi, lo).
  const hi = new Uint32Array(count);
  const lo = new Uint32Array(count);
  // The two words of a float64 (little-endian, as on every platform Node runs on).
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  for (let i = 0; i < count; i++) {
    f64[0] = score[i]! === 0 ? 0 : score[i]!;
    let h = u32[1]!;
    let l = u32[0]!;
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else {
      h = (h | 0x80000000) >>> 0;
    }
    // Ascending float key inverted -> descending score.
    hi[i] = ~h >>> 0;
    lo[i] = ~l >>> 0;
  }
  let order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  let spare = new Uint32Array(count);
  const bits = count >= WIDE_FROM ? 16 : 8;
  const mask = (1 << bits) - 1;
  const counts = new Uint32Array(1 << bits);
  const keys = [...(tie ? [tie] : []), lo, hi, group.subarray(0, count)];
  for (const key of keys) {
    for (let shift = 0; shift < 32; shift += bits) {
      counts.fill(0);
      for (let i = 0; i < count; i++) counts[(key[i]! >>> shift) & mask]++;
      if (count === 0 || counts[(key[order[0]!]! >>> shift) & mask] === count) continue; // one bucket: nothing moves
      let sum = 0;
      for (let b = 0; b <= mask; b++) {
        const c = counts[b]!;
        counts[b] = sum;
        sum += c;
      }
      for (let i = 0; i < count; i++) {
        const r = order[i]!;
        spare[counts[(key[r]! >>> shift) & mask]++] = r;
      }
      const t = order;
      order = spare;
      spare = t;
    }
  }
  return order;
}
