/**
 * The one bootstrap resampler: a draw of units (indices into one split's units, repeats
 * allowed) is scored as a fresh state with the drawn units added, then finished
 * (torchmetrics' `BootStrapper` does the same with a metric's update/compute). Nothing is
 * matched or decoded again: the units' items were kept when the submission was scored.
 */
import type { Evaluator, Scores } from '../evaluators/evaluator.js';
import { addUnits, type UnitTable } from './units.js';

/** Draws the score of a resampled set of truth units, for bootstrap intervals. */
export interface Resampler {
  /** Number of units (rows, images, mixtures) that can be drawn. */
  readonly size: number;
  /** Scores of the multiset of units given by index (0..size-1, repeats allowed). */
  score(indices: Uint32Array): Scores;
}

/** A resampler over `members` (unit indices into `table`) of one split. */
export function unitResampler<State, Item, Result>(
  evaluator: Evaluator<State, Item, Result>,
  table: UnitTable<Item>,
  members: Uint32Array,
  scores: (result: Result) => Scores,
): Resampler {
  let drawn = new Uint32Array(0);
  return {
    size: members.length,
    score(indices) {
      if (drawn.length !== indices.length) drawn = new Uint32Array(indices.length);
      for (let i = 0; i < indices.length; i++) drawn[i] = members[indices[i]!]!;
      const state = evaluator.create();
      addUnits(evaluator, state, table, drawn);
      return scores(evaluator.finish(state));
    },
  };
}
