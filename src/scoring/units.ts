/**
 * Scored units kept in memory, for routing into splits and for resampling. Two shapes:
 * - one item a unit (an image's confusion counts, a mixture's scores, a matched image);
 * - a typed-array table whose `batch(units)` is one item covering many units, so an
 *   evaluator's hot loop stays over typed arrays (classification's 150k rows).
 */
import type { Evaluator } from '../evaluators/evaluator.js';

export type UnitTable<Item> =
  | { readonly size: number; item(unit: number): Item }
  | { readonly size: number; batch(units: Uint32Array): Item };

/** Items kept in unit order (some may be missing: units that had problems). */
export function itemTable<Item>(items: readonly (Item | undefined)[]): UnitTable<Item> {
  return {
    size: items.length,
    item(unit) {
      const it = items[unit];
      if (it === undefined) throw new Error(`scoring: unit ${unit} has no scored item`);
      return it;
    },
  };
}

/** Adds the given units (repeats count again) to `state`. */
export function addUnits<State, Item>(evaluator: Evaluator<State, Item, unknown>, state: State, table: UnitTable<Item>, units: Uint32Array): void {
  if ('batch' in table) {
    evaluator.add(state, table.batch(units));
    return;
  }
  for (let i = 0; i < units.length; i++) evaluator.add(state, table.item(units[i]!));
}
