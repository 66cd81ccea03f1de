/**
 * Semantic segmentation scores from one confusion matrix over the whole data set, as the PASCAL
 * VOC 2012 devkit (`VOCevalseg.m`) and DeepLab/mmseg compute them; not a mean of per-image scores.
 *
 * Confusion matrix M (C x C, row = truth class, column = predicted class), pixels whose truth is
 * 255 (void) skipped. With TP_c = M[c][c], FN_c = row_c - TP_c, FP_c = col_c - TP_c, N = sum(M):
 * - IoU_c = TP_c / (TP_c + FP_c + FN_c); null when TP+FP+FN = 0 (never in truth nor predicted).
 * - miou = mean of the non-null IoU_c (Cityscapes/mmseg drop undefined classes; VOC's MATLAB NaN).
 * - pixel_accuracy = trace(M) / N.
 * - mean_class_accuracy = mean over classes with row_c > 0 of TP_c / row_c.
 * - fwiou = sum over classes with row_c > 0 of (row_c / N) * IoU_c (Long et al., FCN, 2015).
 *
 * Counts are float64 (exact to 2^53); a single image's counts are uint32 (images are capped far
 * below 2^32 pixels). The state merges by adding matrices, so shards and workers combine exactly.
 */
import type { Evaluator, MetricInfo, Scores } from './evaluator.js';

export const SEGMENTATION_VERSION = 'segmentation-1';

export const SEGMENTATION_METRICS: readonly MetricInfo[] = [
  { name: 'miou', higherIsBetter: true, description: 'mean intersection over union over classes (one confusion matrix over the data set)' },
  { name: 'pixel_accuracy', higherIsBetter: true, description: 'fraction of non-void pixels labelled correctly' },
  { name: 'mean_class_accuracy', higherIsBetter: true, description: 'per-class pixel recall averaged over classes present in the truth' },
  { name: 'fwiou', higherIsBetter: true, description: 'IoU weighted by each class’s share of truth pixels' },
];

/** The label the truth uses for pixels that are not scored (VOC object borders). */
export const VOID_LABEL = 255;

export interface ConfusionState {
  classes: number;
  /** classes x classes counts, row-major, row = truth. */
  matrix: Float64Array;
}

/** One image: truth and prediction labels of the same length (row-major pixels). */
export interface MaskPair {
  truth: Uint8Array;
  prediction: Uint8Array;
}

/** What counting one image found besides the matrix: labels that are out of range. */
export interface PixelCheck {
  /** Non-void pixels whose predicted label is >= classes; and one such label (-1 if none). */
  badPredictions: number;
  firstBadPrediction: number;
  /** Truth pixels whose label is >= classes and not 255; and one such label (-1 if none). */
  badTruth: number;
  firstBadTruth: number;
}

/**
 * A 256 x 256 histogram of (truth, prediction) byte pairs, all zeros between calls. Counting
 * into it needs no branch and no range check per pixel; the labels are checked once per image
 * when it is folded into the C x C counts.
 */
const pairHistogram = new Uint32Array(256 * 256);

/** A mask laid out in rows: pixel (x, y) is `data[y * stride + x]` (stride >= width). */
export interface MaskRows {
  data: Uint8Array;
  width: number;
  height: number;
  stride: number;
}

/**
 * Adds one image's pixels to `counts` (classes x classes, uint32) and reports labels out of
 * range. The hot loop of the task: masks are mostly large uniform regions, so four pixels are
 * read at a time (32-bit words) and a word whose truth and prediction bytes are each all equal
 * is one histogram update instead of four.
 */
export function countPixels(truth: Uint8Array, prediction: Uint8Array, classes: number, counts: Uint32Array): PixelCheck {
  const n = truth.length;
  return countRows({ data: truth, width: n, height: 1, stride: n }, { data: prediction, width: n, height: 1, stride: n }, classes, counts);
}

/**
 * countPixels for masks in rows, e.g. PNG rows still in the inflated buffer with their filter
 * bytes between them (stride = width + 1), so decoding needs no compacting copy.
 */
export function countRows(truth: MaskRows, prediction: MaskRows, classes: number, counts: Uint32Array): PixelCheck {
  const t = truth.data;
  const p = prediction.data;
  // Byte and word views over the whole underlying buffers: word w holds bytes 4w..4w+3.
  const tb = new Uint8Array(t.buffer);
  const pb = new Uint8Array(p.buffer);
  const t32 = new Int32Array(t.buffer, 0, t.buffer.byteLength >> 2);
  const p32 = new Int32Array(p.buffer, 0, p.buffer.byteLength >> 2);
  for (let y = 0; y < truth.height; y++) {
    countRange(tb, pb, t32, p32, t.byteOffset + y * truth.stride, p.byteOffset + y * prediction.stride, truth.width);
  }
  return foldHistogram(classes, counts, truth.width * truth.height);
}

/**
 * Histograms `length` byte pairs starting at absolute byte offsets tStart / pStart of the two
 * buffers. When both starts sit at the same place within a 4-byte word, the middle of the range
 * goes word by word; otherwise (or at the ends) byte by byte.
 */
function countRange(tb: Uint8Array, pb: Uint8Array, t32: Int32Array, p32: Int32Array, tStart: number, pStart: number, length: number): void {
  const h = pairHistogram;
  let i = 0; // pixels done
  if ((tStart & 3) === (pStart & 3) && length >= 8) {
    const head = (4 - (tStart & 3)) & 3;
    for (; i < head; i++) h[(tb[tStart + i]! << 8) | pb[pStart + i]!]!++;
    const words = (length - head) >> 2;
    const tw = (tStart + head) >> 2;
    const pw = (pStart + head) >> 2;
    for (let w = 0; w < words; w++) {
      const a = t32[tw + w]!;
      const b = p32[pw + w]!;
      const t0 = a & 255;
      const p0 = b & 255;
      if (a === Math.imul(t0, 0x01010101) && b === Math.imul(p0, 0x01010101)) {
        h[(t0 << 8) | p0]! += 4;
      } else {
        // Byte k of the truth word pairs with byte k of the prediction word, whatever the endianness.
        h[(t0 << 8) | p0]!++;
        h[(a & 0xff00) | ((b >>> 8) & 255)]!++;
        h[((a >>> 8) & 0xff00) | ((b >>> 16) & 255)]!++;
        h[((a >>> 16) & 0xff00) | (b >>> 24)]!++;
      }
    }
    i += words << 2;
  }
  for (; i < length; i++) h[(tb[tStart + i]! << 8) | pb[pStart + i]!]!++;
}

/** Moves the pair histogram into `counts` (zeroing it again) and finds the out-of-range labels. */
function foldHistogram(classes: number, counts: Uint32Array, pixels: number): PixelCheck {
  const h = pairHistogram;
  const check: PixelCheck = { badPredictions: 0, firstBadPrediction: -1, badTruth: 0, firstBadTruth: -1 };
  let seen = 0;
  for (let t = 0; t < classes; t++) {
    const row = t << 8;
    for (let p = 0; p < 256; p++) {
      const v = h[row | p]!;
      if (v === 0) continue;
      h[row | p] = 0;
      seen += v;
      if (p < classes) counts[t * classes + p]! += v;
      else {
        if (check.badPredictions === 0) check.firstBadPrediction = p;
        check.badPredictions += v;
      }
    }
  }
  const voidRow = VOID_LABEL << 8;
  for (let p = 0; p < 256; p++) {
    seen += h[voidRow | p]!;
    h[voidRow | p] = 0;
  }
  if (seen !== pixels) {
    // Some truth labels are neither classes nor void (a broken truth): find and clear them.
    for (let t = classes; t < VOID_LABEL; t++) {
      for (let p = 0; p < 256; p++) {
        const v = h[(t << 8) | p]!;
        if (v === 0) continue;
        h[(t << 8) | p] = 0;
        if (check.badTruth === 0) check.firstBadTruth = t;
        check.badTruth += v;
      }
    }
  }
  return check;
}

export function addCounts(state: ConfusionState, counts: ArrayLike<number>): void {
  const m = state.matrix;
  for (let i = 0; i < m.length; i++) m[i]! += counts[i]!;
}

/** Per-class IoU (null where TP + FP + FN = 0), from a confusion matrix. */
export function classIou(state: ConfusionState): (number | null)[] {
  const { classes: C, matrix: m } = state;
  const { rows, cols } = marginals(state);
  const out: (number | null)[] = [];
  for (let c = 0; c < C; c++) {
    const tp = m[c * C + c]!;
    const union = rows[c]! + cols[c]! - tp; // TP + FN + FP
    out.push(union > 0 ? tp / union : null);
  }
  return out;
}

function marginals(state: ConfusionState): { rows: Float64Array; cols: Float64Array; total: number } {
  const { classes: C, matrix: m } = state;
  const rows = new Float64Array(C);
  const cols = new Float64Array(C);
  let total = 0;
  for (let t = 0; t < C; t++) {
    for (let p = 0; p < C; p++) {
      const v = m[t * C + p]!;
      rows[t]! += v;
      cols[p]! += v;
      total += v;
    }
  }
  return { rows, cols, total };
}

/** The four scores of the file header; all null for an empty matrix (no scored pixels). */
export function confusionScores(state: ConfusionState): Scores {
  const { classes: C, matrix: m } = state;
  const { rows, total } = marginals(state);
  const iou = classIou(state);
  let iouSum = 0;
  let iouCount = 0;
  let trace = 0;
  let recallSum = 0;
  let present = 0;
  let fw = 0;
  for (let c = 0; c < C; c++) {
    const tp = m[c * C + c]!;
    trace += tp;
    const v = iou[c];
    if (v !== null && v !== undefined) {
      iouSum += v;
      iouCount++;
    }
    if (rows[c]! > 0) {
      recallSum += tp / rows[c]!;
      present++;
      fw += (rows[c]! / total) * (v ?? 0);
    }
  }
  return {
    miou: iouCount > 0 ? iouSum / iouCount : null,
    pixel_accuracy: total > 0 ? trace / total : null,
    mean_class_accuracy: present > 0 ? recallSum / present : null,
    fwiou: total > 0 ? fw : null,
  };
}

/** One image's pixels counted into a new classes x classes matrix; throws for labels out of range. */
export function countMaskPair(classes: number, pair: MaskPair): Uint32Array {
  if (pair.truth.length !== pair.prediction.length) {
    throw new RangeError(`truth has ${pair.truth.length} pixels, prediction ${pair.prediction.length}`);
  }
  const counts = new Uint32Array(classes * classes);
  const check = countPixels(pair.truth, pair.prediction, classes, counts);
  if (check.badPredictions > 0 || check.badTruth > 0) {
    throw new RangeError(`labels out of range 0..${classes - 1}: prediction ${check.firstBadPrediction}, truth ${check.firstBadTruth}`);
  }
  return counts;
}

/**
 * The mergeable accumulator; an item is one image's classes x classes counts (countMaskPair,
 * or the task's own decoding and counting), so a bootstrap draw adds kept counts, never pixels.
 */
export function segmentationEvaluator(classes: number): Evaluator<ConfusionState, ArrayLike<number>> {
  const create = (): ConfusionState => ({ classes, matrix: new Float64Array(classes * classes) });
  return {
    version: SEGMENTATION_VERSION,
    metrics: SEGMENTATION_METRICS,
    create,
    add: addCounts,
    merge(states) {
      const out = create();
      for (const s of states) addCounts(out, s.matrix);
      return out;
    },
    finish: confusionScores,
  };
}
