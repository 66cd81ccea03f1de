/**
 * In Silico Labeling scores (Christiansen et al., Cell 2018): per label channel, Pearson's r
 * between predicted and true fluorescence intensities pooled over every pixel of every example
 * where that channel was acquired, and the mean absolute error over the same pixels.
 *
 *   r = sum((x - mean x)(y - mean y)) / sqrt(sum((x - mean x)^2) sum((y - mean y)^2))
 *   mae = mean |x - y|,   intensities value / 65535 (16-bit) or value / 255 (8-bit)
 *
 * Reference: numpy float64 on the decoded arrays of every (example, channel) pair concatenated
 * (fixtures/isl). Streaming instead: each pair adds its centred co-moments, computed in two
 * passes over each block of its pixels (mean first, then sums of centred products: no
 * cancellation), and blocks and pairs combine with Chan, Golub & LeVeque's pairwise update (1979; the parallel algorithm in
 * Welford's family):
 *   n = na + nb,   d = mean_b - mean_a,   mean = mean_a + d nb / n,
 *   Cxy = Cxy_a + Cxy_b + dx dy na nb / n.
 * So a state is exact-enough (float64 two-pass quality) for any number of pixels, merges in any
 * order, and is a plain Float64Array.
 *
 * Units inside a state: integer intensity steps of 1/65535, u = v (16-bit) or 257 v (8-bit:
 * 65535 = 255 x 257, so v / 255 = 257 v / 65535 exactly). Sums of u and of |u_x - u_y| are
 * then exact integers (below 2^53 up to 1.3e11 pixels); r does not depend on the unit, and
 * mae is divided by 65535 once at the end.
 */
import type { Evaluator, MetricInfo, Scores } from './evaluator.js';

export const FLUORESCENCE_VERSION = 'fluorescence-1';

/**
 * One decoded grayscale image: 8- or 16-bit samples, row-major. Packed (no `rows`): a
 * Uint8Array of 8-bit or a Uint16Array of 16-bit samples. With `rows`, as a PNG decodes
 * (png.ts decodePngSampleRowsAsync): a Uint8Array whose row y starts at byte y * stride, 16-bit
 * samples as two big-endian bytes.
 */
export interface IntensityImage {
  data: Uint8Array | Uint16Array;
  bitDepth: 8 | 16;
  rows?: { width: number; height: number; stride: number };
}

/** One (example, channel) pair to score: the acquired truth and the prediction, same size. */
export interface FluorescencePair {
  /** Index into the evaluator's channels. */
  channel: number;
  /** Index into the evaluator's conditions (0 when the truth names none). */
  condition: number;
  truth: IntensityImage;
  prediction: IntensityImage;
}

/** Per (condition, channel): n, mean x, mean y, Cxx, Cyy, Cxy, sum |x - y| (x = truth, y = prediction). */
const SLOT = 7;
const N = 0;
const MX = 1;
const MY = 2;
const CXX = 3;
const CYY = 4;
const CXY = 5;
const ABS = 6;
const UNIT = 65535;

/**
 * Moments of every (condition, channel) slot, condition-major: slot (c, k) at
 * (c * channels + k) * 7. A scoring unit (one example) is a state too: its pairs' moments in
 * its condition's slots, built with `addPair`.
 */
export interface FluorescenceState {
  moments: Float64Array;
}

export interface ChannelScore {
  pearson: number | null;
  mae: number | null;
}

export interface FluorescenceResult {
  metrics: Scores;
  /** condition -> channel -> scores, when the truth names conditions. */
  perCondition: Record<string, Record<string, ChannelScore>>;
}

/** Readable names of the usual ISL labels, for board columns and metric descriptions. */
const LABEL_NAMES: Record<string, string> = {
  DAPI: 'nuclei (DAPI)',
  HOECHST: 'nuclei (Hoechst)',
  MAP2: 'dendrites (MAP2)',
  NFH: 'axons (NFH)',
  TUJ1: 'neurons (TuJ1)',
  DEAD: 'dead cells',
  ISLET: 'motor neurons (Islet1)',
  CELLMASK: 'cell bodies (CellMask)',
};

/** 'MAP2_CONFOCAL' -> 'dendrites (MAP2, confocal)'; unknown names are shown as they are. */
export function channelLabel(channel: string): string {
  const [stem, ...rest] = channel.split('_');
  const known = LABEL_NAMES[stem!.toUpperCase()];
  if (!known) return channel;
  const how = rest.join(' ').toLowerCase();
  return how ? known.replace(/\)$/, `, ${how})`).replace(/^dead cells$/, `dead cells (${how})`) : known;
}

export function fluorescenceMetrics(channels: readonly string[]): MetricInfo[] {
  return [
    { name: 'mean_pearson', higherIsBetter: true, description: "mean over channels of the pooled pixel-wise Pearson r (the ISL paper's score)" },
    { name: 'mean_mae', higherIsBetter: false, description: 'mean over channels of the mean absolute error of intensities in [0, 1]' },
    ...channels.flatMap((c) => [
      { name: `pearson_${c}`, higherIsBetter: true, description: `Pearson r, ${channelLabel(c)}` },
      { name: `mae_${c}`, higherIsBetter: false, description: `mean absolute error, ${channelLabel(c)}` },
    ]),
  ];
}

/**
 * The evaluator contract (evaluator.ts) over examples: an item is one example's state (its
 * pairs' moments), `add` joins it to a state, `merge` joins states. `addPair` builds an
 * example's item from its (truth, prediction) pairs.
 */
export interface FluorescenceEvaluator extends Evaluator<FluorescenceState, FluorescenceState, FluorescenceResult> {
  readonly channels: readonly string[];
  readonly conditions: readonly string[];
  /** Adds one (truth, prediction) pair's moments to a state (an example's item). */
  addPair(state: FluorescenceState, pair: FluorescencePair): void;
}

/**
 * An evaluator for the given label channels and conditions (an empty list means one unnamed
 * condition, and no per-condition report).
 */
export function fluorescenceEvaluator(channels: readonly string[], conditions: readonly string[] = []): FluorescenceEvaluator {
  const groups = Math.max(1, conditions.length);
  const size = groups * channels.length * SLOT;
  const check = (s: FluorescenceState) => {
    if (s.moments.length !== size) throw new RangeError(`fluorescence: a state of ${s.moments.length} values where ${size} were expected`);
  };
  return {
    version: FLUORESCENCE_VERSION,
    metrics: fluorescenceMetrics(channels),
    channels,
    conditions,
    create: () => ({ moments: new Float64Array(size) }),
    addPair(state, pair) {
      if (pair.channel < 0 || pair.channel >= channels.length || pair.condition < 0 || pair.condition >= groups) {
        throw new RangeError(`fluorescence: channel ${pair.channel} / condition ${pair.condition} out of range`);
      }
      const one = pairMoments(pair.truth, pair.prediction);
      combineInto(state.moments, (pair.condition * channels.length + pair.channel) * SLOT, one, 0);
    },
    add(state, item) {
      check(item);
      for (let o = 0; o < size; o += SLOT) combineInto(state.moments, o, item.moments, o);
    },
    merge(states) {
      const out = new Float64Array(size);
      for (const s of states) {
        check(s);
        for (let o = 0; o < size; o += SLOT) combineInto(out, o, s.moments, o);
      }
      return { moments: out };
    },
    finish(state) {
      const m = state.moments;
      const metrics: Scores = {};
      const pearsons: number[] = [];
      const maes: number[] = [];
      channels.forEach((channel, k) => {
        const total = new Float64Array(SLOT);
        for (let c = 0; c < groups; c++) combineInto(total, 0, m, (c * channels.length + k) * SLOT);
        const s = scoreOf(total, 0);
        metrics[`pearson_${channel}`] = s.pearson;
        metrics[`mae_${channel}`] = s.mae;
        if (s.pearson !== null) pearsons.push(s.pearson);
        if (s.mae !== null) maes.push(s.mae);
      });
      metrics.mean_pearson = mean(pearsons);
      metrics.mean_mae = mean(maes);
      const perCondition: Record<string, Record<string, ChannelScore>> = {};
      conditions.forEach((condition, c) => {
        perCondition[condition] = Object.fromEntries(channels.map((channel, k) => [channel, scoreOf(m, (c * channels.length + k) * SLOT)]));
      });
      return { metrics, perCondition };
    },
  };
}

function mean(values: number[]): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

function scoreOf(m: Float64Array, o: number): ChannelScore {
  const n = m[o + N]!;
  if (n === 0) return { pearson: null, mae: null };
  const cxx = m[o + CXX]!;
  const cyy = m[o + CYY]!;
  const pearson = cxx > 0 && cyy > 0 ? m[o + CXY]! / Math.sqrt(cxx * cyy) : null;
  return { pearson, mae: m[o + ABS]! / n / UNIT };
}

/** Chan et al.'s pairwise update: slot `a` at `ao` becomes the union of itself and slot `b` at `bo`. */
function combineInto(a: Float64Array, ao: number, b: Float64Array, bo: number): void {
  const nb = b[bo + N]!;
  if (nb === 0) return;
  const na = a[ao + N]!;
  if (na === 0) {
    for (let i = 0; i < SLOT; i++) a[ao + i] = b[bo + i]!;
    return;
  }
  const n = na + nb;
  const dx = b[bo + MX]! - a[ao + MX]!;
  const dy = b[bo + MY]! - a[ao + MY]!;
  const w = (na * nb) / n;
  a[ao + N] = n;
  a[ao + MX] = a[ao + MX]! + (dx * nb) / n;
  a[ao + MY] = a[ao + MY]! + (dy * nb) / n;
  a[ao + CXX] = a[ao + CXX]! + b[bo + CXX]! + dx * dx * w;
  a[ao + CYY] = a[ao + CYY]! + b[bo + CYY]! + dy * dy * w;
  a[ao + CXY] = a[ao + CXY]! + b[bo + CXY]! + dx * dy * w;
  a[ao + ABS] = a[ao + ABS]! + b[bo + ABS]!;
}

/** Pixels per block: both images' blocks (2 x 32 KB as float64) stay in L1/L2 cache for the two passes. */
const BLOCK = 4096;
const blockX = new Float64Array(BLOCK);
const blockY = new Float64Array(BLOCK);

/**
 * Samples `start` to `start + count` (row-major pixel indices) of an image into `out`, in units
 * of 1/65535: v for 16-bit, 257 v for 8-bit. PNG rows are read where they are decoded (16-bit
 * as big-endian byte pairs), so no image is copied or converted as a whole.
 */
function loadBlock(image: IntensityImage, start: number, count: number, out: Float64Array): void {
  const d = image.data;
  const rows = image.rows;
  if (!rows) {
    if (image.bitDepth === 8) for (let j = 0; j < count; j++) out[j] = d[start + j]! * 257;
    else for (let j = 0; j < count; j++) out[j] = d[start + j]!;
    return;
  }
  const { width, stride } = rows;
  let y = Math.floor(start / width);
  let x = start - y * width;
  for (let j = 0; j < count; ) {
    const run = Math.min(count - j, width - x);
    const end = j + run;
    if (image.bitDepth === 8) {
      for (let p = y * stride + x; j < end; j++, p++) out[j] = d[p]! * 257;
    } else {
      for (let p = y * stride + 2 * x; j < end; j++, p += 2) out[j] = (d[p]! << 8) | d[p + 1]!;
    }
    y++;
    x = 0;
  }
}

function pixelsOf(image: IntensityImage): number {
  const rows = image.rows;
  if (!rows) return image.data.length;
  if (rows.height > 0 && image.data.length < (rows.height - 1) * rows.stride + rows.width * (image.bitDepth >> 3)) {
    throw new RangeError(`fluorescence: ${image.data.length} bytes cannot hold ${rows.height} rows of ${rows.width} pixels ${rows.stride} bytes apart`);
  }
  return rows.width * rows.height;
}

/**
 * The moments of one pair, block by block: per block of pixels, exact integer sums give the
 * block means, a second pass over the block (still in cache) sums the centred products, and
 * the block joins the pair's moments by Chan et al.'s update. Memory is read once, and each
 * block's centred sums are small, so the result has two-pass accuracy.
 */
export function pairMoments(truth: IntensityImage, prediction: IntensityImage): Float64Array {
  const n = pixelsOf(truth);
  const m = pixelsOf(prediction);
  if (m !== n) throw new RangeError(`fluorescence: truth has ${n} pixels, prediction ${m}`);
  const x = blockX;
  const y = blockY;
  const out = new Float64Array(SLOT);
  const block = new Float64Array(SLOT);
  for (let start = 0; start < n; start += BLOCK) {
    const count = Math.min(n - start, BLOCK);
    loadBlock(truth, start, count, x);
    loadBlock(prediction, start, count, y);
    let sx = 0;
    let sy = 0;
    let sAbs = 0;
    for (let i = 0; i < count; i++) {
      const u = x[i]!;
      const v = y[i]!;
      sx += u;
      sy += v;
      sAbs += u > v ? u - v : v - u;
    }
    const mx = sx / count;
    const my = sy / count;
    let cxx = 0;
    let cyy = 0;
    let cxy = 0;
    for (let i = 0; i < count; i++) {
      const dx = x[i]! - mx;
      const dy = y[i]! - my;
      cxx += dx * dx;
      cyy += dy * dy;
      cxy += dx * dy;
    }
    block[N] = count;
    block[MX] = mx;
    block[MY] = my;
    block[CXX] = cxx;
    block[CYY] = cyy;
    block[CXY] = cxy;
    block[ABS] = sAbs;
    combineInto(out, 0, block, 0);
  }
  return out;
}
