/**
 * The seeded Public / Private split of a hidden test set, as Kaggle does it: a fixed share of the
 * items is scored on the public leaderboard during the phase, the rest only after it ends.
 * The split is a shuffle of the sorted ids, so it depends on the seed and the set of ids only
 * (not on the order the files were listed in).
 */
import { Rng } from './rng.js';
import type { Usage } from '../formats/usage.js';

/** Share of test items on the public leaderboard (Kaggle's usual 30 / 70). */
export const PUBLIC_FRACTION = 0.3;

export function splitUsage(ids: readonly string[], seed: number, publicFraction = PUBLIC_FRACTION): Map<string, Usage> {
  const sorted = [...new Set(ids)].sort(compareIds);
  const order = new Rng(seed).fork('usage-split').shuffled(sorted);
  const nPublic = Math.round(order.length * publicFraction);
  const out = new Map<string, Usage>();
  order.forEach((id, i) => out.set(id, i < nPublic ? 'Public' : 'Private'));
  return out;
}

/** Numeric ids in numeric order, others by code unit, so "10" sorts after "9". */
export function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
