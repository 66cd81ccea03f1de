/**
 * Video stabilization metrics (Motion Photos; Liu et al. 2013 "Bundled camera paths" as the
 * field reports them), computed from the homographies themselves rather than from feature
 * matches, so they are exact:
 *
 * - truth per clip: W, H, N frames and F_t (t = 0..N-2), the true background motion from frame
 *   t to frame t+1; submission: S_t (t = 0..N-1), input frame t -> output frame t, output
 *   window [0,W] x [0,H]. Every matrix is normalised by its [2][2] entry.
 * - cropping c_t = min(1, 1/sqrt|det A_t|), A_t the upper-left 2x2 of S_t (mean and min);
 *   distortion d_t = s2/s1, A_t's singular values (min over frames);
 *   coverage: area of the window covered by S_t applied to the frame corners, clipped to the
 *   window, over W*H (mean and min).
 * - stability: G_t = S_{t+1} F_t S_t^-1 about the frame centre, G'_t = C G_t C^-1; the path
 *   P_0 = I, P_{t+1} = G'_t P_t; translation |(P02, P12)| and rotation
 *   atan2(P10 - P01, P00 + P11) over P_1..P_{N-1}; each scored by its low-frequency energy
 *   share (path-spectrum.ts); `stability` = their mean.
 * Each metric is per clip, then the mean over clips. Reference: numpy float64 (fixture stab/).
 *
 * The evaluator's state holds only numbers (a count and a Float64Array of per-clip rows), so a
 * state scored in a worker thread or elsewhere serialises and merges exactly; merge never
 * touches its inputs.
 */
import type { Evaluator, MetricInfo, Scores } from './evaluator.js';
import { adjugate3, multiply3, normaliseInPlace } from './homography.js';
import { numpyMean } from './numpy-mean.js';
import { lowFrequencyShare } from './path-spectrum.js';
import { hypot2 } from './hypot.js';

export const STABILIZATION_VERSION = 'stabilization-1 (Liu et al. 2013 from homographies; numpy fft)';

export const MIN_FRAMES = 16;

export const STABILIZATION_METRICS: readonly MetricInfo[] = [
  { name: 'stability', higherIsBetter: true, description: 'Mean of stability_translation and stability_rotation (headline)' },
  { name: 'stability_translation', higherIsBetter: true, description: 'Share of the output camera path translation energy in the 5 lowest non-DC frequencies' },
  { name: 'stability_rotation', higherIsBetter: true, description: 'Share of the output camera path rotation energy in the 5 lowest non-DC frequencies' },
  { name: 'cropping_ratio', higherIsBetter: true, description: 'Mean over frames of min(1, 1/sqrt|det A_t|), the zoom the stabilizer applied' },
  { name: 'cropping_ratio_min', higherIsBetter: true, description: 'Worst frame of the cropping ratio' },
  { name: 'distortion', higherIsBetter: true, description: 'Worst frame of s2/s1, the singular value ratio of A_t (1 = no anisotropic scaling)' },
  { name: 'coverage', higherIsBetter: true, description: 'Mean over frames of the share of the output window covered by the warped input' },
  { name: 'coverage_min', higherIsBetter: true, description: 'Worst frame of the coverage' },
];

/** Order of the values in a clip row. */
export const CLIP_METRICS = [
  'cropping_ratio', 'cropping_ratio_min', 'distortion', 'coverage', 'coverage_min',
  'stability_translation', 'stability_rotation', 'stability',
] as const;
export type ClipMetric = (typeof CLIP_METRICS)[number];
const K = CLIP_METRICS.length;

/** One clip to score: sizes, F_t ((N-1) x 9) and S_t (N x 9), row-major, already normalised. */
export interface ClipPair {
  width: number;
  height: number;
  frames: number;
  background: Float64Array;
  stabilizing: Float64Array;
}

/** Scratch space reused across clips (sized for the longest clip seen). */
let scratch = new Float64Array(0);
function scratchFor(frames: number): Float64Array {
  if (scratch.length < 2 * frames + 64) scratch = new Float64Array(2 * frames + 64);
  return scratch;
}

/** Scores one clip; returns its values in CLIP_METRICS order. Needs frames >= 2 (the task checks >= 16). */
export function scoreClip(clip: ClipPair, out = new Float64Array(K)): Float64Array {
  const { width: W, height: H, frames: n, background: F, stabilizing: S } = clip;
  const buf = scratchFor(n);
  const crop = buf.subarray(0, n);
  const cover = buf.subarray(n, 2 * n);
  let cropMin = Infinity;
  let distMin = Infinity;
  let coverMin = Infinity;
  for (let t = 0; t < n; t++) {
    const o = 9 * t;
    const a = S[o]!, b = S[o + 1]!, c = S[o + 3]!, d = S[o + 4]!;
    const cr = Math.min(1, 1 / Math.sqrt(Math.abs(a * d - b * c)));
    crop[t] = cr;
    if (cr < cropMin) cropMin = cr;
    const ds = singularValueRatio(a, b, c, d);
    if (ds < distMin) distMin = ds;
    const cv = windowCoverage(S, o, W, H);
    cover[t] = cv;
    if (cv < coverMin) coverMin = cv;
  }
  out[0] = numpyMean(crop, n);
  out[1] = cropMin;
  out[2] = distMin;
  out[3] = numpyMean(cover, n);
  out[4] = coverMin;
  const translation = buf.subarray(0, n - 1);
  const rotation = buf.subarray(n, 2 * n - 1);
  cameraPath(clip, translation, rotation);
  out[5] = lowFrequencyShare(translation, n - 1);
  out[6] = lowFrequencyShare(rotation, n - 1);
  out[7] = (out[5]! + out[6]!) / 2;
  return out;
}

/**
 * s2/s1 of [[a, b], [c, d]] in closed form: with E = (a+d)/2, F = (a-d)/2, G = (c+b)/2,
 * H = (c-b)/2, Q = hypot(E, H), R = hypot(F, G): s1 = Q + R, s2 = |Q - R| (Blinn 1996).
 */
export function singularValueRatio(a: number, b: number, c: number, d: number): number {
  const q = hypot2((a + d) / 2, (c - b) / 2);
  const r = hypot2((a - d) / 2, (c + b) / 2);
  return q + r === 0 ? 0 : Math.abs(q - r) / (q + r);
}

const quadX = new Float64Array(4);
const quadY = new Float64Array(4);
// Sutherland-Hodgman against a rectangle: a quadrilateral gains at most one vertex per edge.
const polyA = new Float64Array(16);
const polyB = new Float64Array(16);

/** Share of [0,W] x [0,H] covered by the frame's corners mapped by S (at offset o), clipped to it. */
export function windowCoverage(S: ArrayLike<number>, o: number, W: number, H: number): number {
  for (let i = 0; i < 4; i++) {
    const x = i === 1 || i === 2 ? W : 0, y = i >= 2 ? H : 0; // corners (0,0), (W,0), (W,H), (0,H)
    const w = S[o + 6]! * x + S[o + 7]! * y + S[o + 8]!;
    quadX[i] = (S[o]! * x + S[o + 1]! * y + S[o + 2]!) / w;
    quadY[i] = (S[o + 3]! * x + S[o + 4]! * y + S[o + 5]!) / w;
  }
  for (let i = 0; i < 4; i++) {
    polyA[2 * i] = quadX[i]!;
    polyA[2 * i + 1] = quadY[i]!;
  }
  let count = 4;
  count = clipEdge(polyA, count, polyB, 0, 0, true);
  count = clipEdge(polyB, count, polyA, 0, W, false);
  count = clipEdge(polyA, count, polyB, 1, 0, true);
  count = clipEdge(polyB, count, polyA, 1, H, false);
  if (count < 3) return 0;
  let twice = 0;
  for (let i = 0; i < count; i++) {
    const j = i + 1 === count ? 0 : i + 1;
    twice += polyA[2 * i]! * polyA[2 * j + 1]! - polyA[2 * j]! * polyA[2 * i + 1]!;
  }
  return Math.abs(twice) / 2 / (W * H);
}

/** One Sutherland-Hodgman pass: keeps the part of the polygon with coordinate `axis` >= or <= bound. */
function clipEdge(src: Float64Array, n: number, dst: Float64Array, axis: 0 | 1, bound: number, keepGreater: boolean): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const pv = src[2 * i + axis]!, qv = src[2 * j + axis]!;
    const pin = keepGreater ? pv >= bound : pv <= bound;
    const qin = keepGreater ? qv >= bound : qv <= bound;
    if (pin) {
      dst[2 * m] = src[2 * i]!;
      dst[2 * m + 1] = src[2 * i + 1]!;
      m++;
    }
    if (pin !== qin) {
      const s = (bound - pv) / (qv - pv);
      const px = src[2 * i]!, py = src[2 * i + 1]!;
      dst[2 * m] = px + s * (src[2 * j]! - px);
      dst[2 * m + 1] = py + s * (src[2 * j + 1]! - py);
      m++;
    }
  }
  return m;
}

const work = new Float64Array(9 * 5);

/**
 * The output camera path P_1..P_{N-1} as two signals: translation |(P02, P12)| and rotation
 * atan2(P10 - P01, P00 + P11), with P_{t+1} = C G_t C^-1 P_t, G_t = S_{t+1} F_t S_t^-1.
 */
export function cameraPath(clip: ClipPair, translation: Float64Array, rotation: Float64Array): void {
  const { width: W, height: H, frames: n, background: F, stabilizing: S } = clip;
  const cx = W / 2, cy = H / 2;
  const P = work.subarray(0, 9), next = work.subarray(9, 18), adj = work.subarray(18, 27), sf = work.subarray(27, 36), g = work.subarray(36, 45);
  P.set([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  for (let t = 0; t < n - 1; t++) {
    adjugate3(adj, 0, S, 9 * t); // det * S_t^-1: the scale goes with the normalisation below
    multiply3(sf, 0, S, 9 * (t + 1), F, 9 * t);
    multiply3(g, 0, sf, 0, adj, 0);
    normaliseInPlace(g);
    // G' = C G C^-1 with C = translate(-cx, -cy): rows 0 and 1 minus (cx, cy) times row 2,
    // then column 2 plus cx column 0 plus cy column 1.
    for (let c = 0; c < 3; c++) {
      g[c] = g[c]! - cx * g[6 + c]!;
      g[3 + c] = g[3 + c]! - cy * g[6 + c]!;
    }
    for (let r = 0; r < 3; r++) g[3 * r + 2] = g[3 * r]! * cx + g[3 * r + 1]! * cy + g[3 * r + 2]!;
    multiply3(next, 0, g, 0, P, 0);
    normaliseInPlace(next);
    P.set(next);
    translation[t] = hypot2(P[2]!, P[5]!);
    rotation[t] = Math.atan2(P[3]! - P[1]!, P[0]! + P[4]!);
  }
}

/** Evaluator state: per-clip rows of CLIP_METRICS values, in the order they were added. */
export interface StabilizationState {
  count: number;
  values: Float64Array;
}

function grow(state: StabilizationState, need: number): void {
  if (state.values.length >= need * K) return;
  const bigger = new Float64Array(Math.max(need, 2 * state.count, 16) * K);
  bigger.set(state.values.subarray(0, state.count * K));
  state.values = bigger;
}

/** Appends one clip's already computed row (scoreClip's output). */
export function addClipRow(state: StabilizationState, row: ArrayLike<number>): void {
  grow(state, state.count + 1);
  for (let i = 0; i < K; i++) state.values[state.count * K + i] = row[i]!;
  state.count++;
}

/** Means over clips; every metric null when there is no clip. */
export function stabilizationScores(state: StabilizationState): Scores {
  const out: Scores = {};
  const column = new Float64Array(state.count);
  for (let m = 0; m < K; m++) {
    for (let i = 0; i < state.count; i++) column[i] = state.values[i * K + m]!;
    out[CLIP_METRICS[m]!] = state.count === 0 ? null : numpyMean(column);
  }
  return out;
}

/** The values of clip i (in add order) by metric name. */
export function clipRow(state: StabilizationState, i: number): Record<ClipMetric, number> {
  const out = {} as Record<ClipMetric, number>;
  for (let m = 0; m < K; m++) out[CLIP_METRICS[m]!] = state.values[i * K + m]!;
  return out;
}

/** Concatenates states in the given order without touching them. */
export function mergeStabilization(states: readonly StabilizationState[]): StabilizationState {
  const count = states.reduce((s, x) => s + x.count, 0);
  const values = new Float64Array(Math.max(count, 1) * K);
  let at = 0;
  for (const s of states) {
    values.set(s.values.subarray(0, s.count * K), at * K);
    at += s.count;
  }
  return { count, values };
}

/**
 * The evaluator: an item is one clip's row of CLIP_METRICS values (scoreClip's output; the
 * task computes it per clip, in worker threads when there are many), the result the means.
 */
export const stabilizationEvaluator: Evaluator<StabilizationState, ArrayLike<number>> = {
  version: STABILIZATION_VERSION,
  metrics: STABILIZATION_METRICS,
  create: () => ({ count: 0, values: new Float64Array(16 * K) }),
  add: addClipRow,
  merge: mergeStabilization,
  finish: stabilizationScores,
};
