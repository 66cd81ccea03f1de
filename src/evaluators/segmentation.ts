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
  /** Non-void pixels whose predicted label is >= classes; and the first such label. */
  badPredictions: number;
  firstBadPrediction: number;
  /** Truth pixels whose label is >= classes and not 255; and the first such label. */
  badTruth: number;
  firstBadTruth: number;
}

/**
 * Adds one image's pixels to `counts` (classes x classes, uint32). The hot loop of the whole
 * task: one pass, no allocation, labels checked on the way.
 */
export function countPixels(truth: Uint8Array, prediction: Uint8Array, classes: number, counts: Uint32Array): PixelCheck {
  const check: PixelCheck = { badPredictions: 0, firstBadPrediction: -1, badTruth: 0, firstBadTruth: -1 };
  const n = truth.length;
  for (let i = 0; i < n; i++) {
    const t = truth[i]!;
    const p = prediction[i]!;
    if (t < classes) {
      if (p < classes) counts[t * classes + p]++;
      else if (check.badPredictions++ === 0) check.firstBadPrediction = p;
    } else if (t !== VOID_LABEL) {
      if (check.badTruth++ === 0) check.firstBadTruth = t;
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

/** The mergeable accumulator; an item is one image's pair of masks. */
export function segmentationEvaluator(classes: number): Evaluator<ConfusionState, MaskPair> {
  const scratch = new Uint32Array(classes * classes);
  return {
    version: SEGMENTATION_VERSION,
    metrics: SEGMENTATION_METRICS,
    create: () => ({ classes, matrix: new Float64Array(classes * classes) }),
    add(state, item) {
      if (item.truth.length !== item.prediction.length) {
        throw new RangeError(`truth has ${item.truth.length} pixels, prediction ${item.prediction.length}`);
      }
      scratch.fill(0);
      const check = countPixels(item.truth, item.prediction, classes, scratch);
      if (check.badPredictions > 0 || check.badTruth > 0) {
        throw new RangeError(`labels out of range 0..${classes - 1}: prediction ${check.firstBadPrediction}, truth ${check.firstBadTruth}`);
      }
      addCounts(state, scratch);
    },
    merge(a, b) {
      addCounts(a, b.matrix);
      return a;
    },
    finish: confusionScores,
  };
}
