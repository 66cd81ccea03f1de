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

/**
 * A typed-array batch of rows: row u has true class `trueClass[u]` and the 0-based position of
 * the true label among its predictions `rank[u]` (-1 when absent). `units` picks the rows to add
 * (repeats count again, as a bootstrap draw needs); without it every row is added.
 */
export interface TopKBatch {
  trueClass: Int32Array;
  rank: Int16Array;
  units?: ArrayLike<number>;
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

export function topKEvaluator(ks: readonly number[], numClasses: number): Evaluator<TopKState, TopKBatch> {
  const metrics = topKMetrics(ks);
  const create = (): TopKState => ({
    rows: 0,
    hits: new Float64Array(ks.length),
    classRows: new Float64Array(numClasses),
    classTop1: new Float64Array(numClasses),
  });
  // Rows found at each rank below the largest k, per add: hits follow by prefix sums.
  const maxK = Math.max(0, ...ks);
  const atRank = new Float64Array(maxK);
  return {
    version: TOPK_VERSION,
    metrics,
    create,
    add(state, batch) {
      // The hot loop: typed arrays only, whatever k are reported.
      const { trueClass, rank, units } = batch;
      const { classRows, classTop1 } = state;
      const n = units ? units.length : rank.length;
      atRank.fill(0);
      for (let j = 0; j < n; j++) {
        const u = units ? units[j]! : j;
        const c = trueClass[u]!;
        const r = rank[u]!;
        classRows[c]!++;
        if (r < 0) continue;
        if (r === 0) classTop1[c]!++;
        if (r < maxK) atRank[r]!++;
      }
      state.rows += n;
      ks.forEach((k, i) => {
        let h = 0;
        for (let r = 0; r < k; r++) h += atRank[r]!;
        state.hits[i]! += h;
      });
    },
    merge(states) {
      const out = create();
      for (const s of states) {
        out.rows += s.rows;
        for (let i = 0; i < ks.length; i++) out.hits[i]! += s.hits[i]!;
        for (let c = 0; c < numClasses; c++) {
          out.classRows[c]! += s.classRows[c]!;
          out.classTop1[c]! += s.classTop1[c]!;
        }
      }
      return out;
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
