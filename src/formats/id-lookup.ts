/**
 * Numeric id -> index lookups for the hot path of submission readers (one lookup per row):
 * a dense table when ids are small non-negative integers (COCO's are), a Map otherwise.
 */
const DENSE_LIMIT = 1 << 24;

export class IdLookup {
  private readonly dense?: Int32Array;
  private readonly sparse?: Map<number, number>;

  /** `ids[i]` gets index i. Ids must be distinct. */
  constructor(ids: readonly number[]) {
    let max = -1;
    let integers = true;
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= DENSE_LIMIT) integers = false;
      else if (id > max) max = id;
    }
    if (integers) {
      this.dense = new Int32Array(max + 1).fill(-1);
      ids.forEach((id, i) => (this.dense![id] = i));
    } else {
      this.sparse = new Map(ids.map((id, i) => [id, i]));
    }
  }

  /** The index of `id`, or -1. */
  get(id: number): number {
    if (this.dense) {
      return Number.isInteger(id) && id >= 0 && id < this.dense.length ? this.dense[id]! : -1;
    }
    return this.sparse!.get(id) ?? -1;
  }
}
