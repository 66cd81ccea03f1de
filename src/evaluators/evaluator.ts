/**
 * The shape of every evaluator: a mergeable accumulator (torchmetrics' update/compute with
 * mergeable state). Evaluators are pure metric code: no files, no HTTP, no SQL.
 *
 * - one pass scores public, private and all rows together (three states);
 * - shards scored in worker threads or on other machines merge exactly;
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
  add(state: State, item: Item): void;
  /** Combines two states; `a` may be reused as the result. */
  merge(a: State, b: State): State;
  finish(state: State): Result;
}

export function findMetric(metrics: readonly MetricInfo[], name: string): MetricInfo | undefined {
  return metrics.find((m) => m.name === name);
}
