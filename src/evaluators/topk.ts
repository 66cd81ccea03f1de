/**
 * Top-k error and mean class accuracy, as the iNaturalist 2018 competition scores them.
 *
 * - top-k error (iNat 2018 evaluation script): per row 0 if the true label is among the first k
 *   predictions, else 1; the score is the mean over rows. iNat 2018 ranks by top-3 error.
 * - mean_class_accuracy: top-1 recall per true class, averaged over the classes that occur in the
 *   truth: sklearn's `balanced_accuracy_score`.
 * Items are already reduced to integers: the true class index and the 0-based rank of the true
 * label among the predictions (-1 when absent), so the hot loop never touches strings.
 */
import type { Evaluator, MetricInfo, Scores } from './evaluator.js';

export interface TopKItem {
  trueClass: number;
  /** 0-based position of the true label among the predictions, -1 when it is not there. */
  rank: number;
}

export interface TopKState {
  rows: number;
  /** hits[i]: rows whose true label is within the first ks[i] predictions. */
  hits: Float64Array;
  /** Per class: rows with that true class, and those right at top-1. */
  classRows: Float64Array;
  classTop1: Float64Array;
}

export const TOPK_VERSION = 'topk-1';

export function topKMetrics(ks: readonly number[]): MetricInfo[] {
  return [
    ...ks.map((k) => ({
      name: `top${k}_error`,
      higherIsBetter: false,
      description: `fraction of rows whose true label is not among the first ${k} predictions`,
    })),
    {
      name: 'mean_class_accuracy',
      higherIsBetter: true,
      description: 'top-1 recall per true class, averaged over classes present in the truth (balanced accuracy)',
    },
  ];
}

export function topKEvaluator(ks: readonly number[], numClasses: number): Evaluator<TopKState, TopKItem> {
  const metrics = topKMetrics(ks);
  return {
    version: TOPK_VERSION,
    metrics,
    create: () => ({
      rows: 0,
      hits: new Float64Array(ks.length),
      classRows: new Float64Array(numClasses),
      classTop1: new Float64Array(numClasses),
    }),
    add(state, item) {
      state.rows++;
      state.classRows[item.trueClass]!++;
      if (item.rank < 0) return;
      if (item.rank === 0) state.classTop1[item.trueClass]!++;
      for (let i = 0; i < ks.length; i++) if (item.rank < ks[i]!) state.hits[i]!++;
    },
    merge(a, b) {
      a.rows += b.rows;
      for (let i = 0; i < ks.length; i++) a.hits[i]! += b.hits[i]!;
      for (let c = 0; c < numClasses; c++) {
        a.classRows[c]! += b.classRows[c]!;
        a.classTop1[c]! += b.classTop1[c]!;
      }
      return a;
    },
    finish(state): Scores {
      const out: Scores = {};
      ks.forEach((k, i) => {
        out[`top${k}_error`] = state.rows === 0 ? null : (state.rows - state.hits[i]!) / state.rows;
      });
      let sum = 0;
      let present = 0;
      for (let c = 0; c < numClasses; c++) {
        if (state.classRows[c]! > 0) {
          sum += state.classTop1[c]! / state.classRows[c]!;
          present++;
        }
      }
      out.mean_class_accuracy = present === 0 ? null : sum / present;
      return out;
    },
  };
}
