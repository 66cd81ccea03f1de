/**
 * The shape of every evaluator: a mergeable accumulator (torchmetrics' update/compute with
 * mergeable state, torcheval's `merge_state`). Evaluators are pure metric code: no files, no
 * HTTP, no SQL, no threads.
 *
 * The contract the scoring pipeline (src/scoring/pipeline.ts) relies on, checked for every
 * evaluator by test/scoring/contract.test.ts:
 * - `create()` gives an empty state; `add(state, item)` mutates that state only;
 * - `merge(states)` returns a new state equal to having added every item of every input, in
 *   any order and grouping, and never mutates its inputs;
 * - `finish(state)` never mutates the state (a state can be finished, added to, finished again);
 * - a state is made only of numbers, strings, booleans, null, plain arrays and objects, and
 *   typed arrays, so src/scoring/state-codec.ts serialises any state for another thread,
 *   process or machine, and the decoded state merges and finishes exactly as the original;
 * - `version` changes whenever the numbers could change, and is stored with every score.
 */

/** Scores by metric name; null where a metric is undefined (e.g. a class that never occurs). */
export type Scores = Record<string, number | null>;

export interface MetricInfo {
  name: string;
  higherIsBetter: boolean;
  description: string;
}

export interface Evaluator<State, Item, Result = Scores> {
  /** Changes whenever the numbers this evaluator produces could change. */
  readonly version: string;
  readonly metrics: readonly MetricInfo[];
  create(): State;
  /** Adds one item (a scoring unit, or a typed-array batch of units) to `state`. */
  add(state: State, item: Item): void;
  /** A new state holding everything the inputs hold; the inputs are left as they were. */
  merge(states: readonly State[]): State;
  /** The scores of a state; the state is left as it was. */
  finish(state: State): Result;
}

export function findMetric(metrics: readonly MetricInfo[], name: string): MetricInfo | undefined {
  return metrics.find((m) => m.name === name);
}
