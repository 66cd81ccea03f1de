/**
 * States made of picks of matched chunks (COCO and VOC detection): `picks[c]` are positions in
 * `chunks[c]`, one position an image; a position picked twice counts twice, as a bootstrap draw
 * needs. Chunks are never changed once made, so states share them and merging copies only picks.
 */

import type { Evaluator, MetricInfo } from './evaluator.js';

/** A chunk: what matching a set of truth images (ranks in `images`) made. */
export interface PickedChunks<C extends { images: ArrayLike<number> }> {
  chunks: C[];
  picks: number[][];
}

/** Adds positions of a chunk, reusing the chunk's entry when the state already has it. */
export function addPicks<C extends { images: ArrayLike<number> }>(state: PickedChunks<C>, chunk: C, positions: ArrayLike<number>): void {
  let c = state.chunks.lastIndexOf(chunk);
  if (c < 0) {
    c = state.chunks.push(chunk) - 1;
    state.picks.push([]);
  }
  const picks = state.picks[c]!;
  for (let i = 0; i < positions.length; i++) picks.push(positions[i]!);
}

/** Every position of a chunk, as `add` of freshly matched images picks them. */
export function addWholeChunk<C extends { images: ArrayLike<number> }>(state: PickedChunks<C>, chunk: C): void {
  addPicks(state, chunk, Array.from({ length: chunk.images.length }, (_, i) => i));
}

/** A new state with every state's picks; the inputs are left as they were. */
export function mergePicks<C extends { images: ArrayLike<number> }>(states: readonly PickedChunks<C>[]): PickedChunks<C> {
  return { chunks: states.flatMap((s) => s.chunks), picks: states.flatMap((s) => s.picks.map((p) => [...p])) };
}

/** Every picked image in ascending rank (the truth's image order); repeats stay adjacent, stable. */
export function pickedRefs<C extends { images: ArrayLike<number> }>(state: PickedChunks<C>): { chunk: C; index: number }[] {
  const refs: { chunk: C; index: number }[] = [];
  state.chunks.forEach((chunk, c) => {
    for (const index of state.picks[c]!) refs.push({ chunk, index });
  });
  return refs.sort((x, y) => x.chunk.images[x.index]! - y.chunk.images[y.index]!);
}

/**
 * One `add` of a picked-chunks evaluator: detections to match against the truth images given
 * (ranks), or positions of a chunk matched earlier (what the scoring pipeline keeps per image).
 */
export type PickedBatch<D, C> = { detections: D; images: ArrayLike<number> } | { chunk: C; positions: ArrayLike<number> };

/**
 * The evaluator of a detection metric over picked chunks: only matching and accumulating differ
 * between COCO and VOC. The matcher is made on the first batch of detections (its tables cost
 * time and memory that states picked from earlier chunks never need).
 */
export function pickedChunksEvaluator<D, C extends { images: ArrayLike<number> }, R>(spec: {
  version: string;
  metrics: readonly MetricInfo[];
  matcher: () => (detections: D, images: ArrayLike<number>) => C;
  accumulate: (refs: { chunk: C; index: number }[]) => R;
}): Evaluator<PickedChunks<C>, PickedBatch<D, C>, R> {
  let match: ((detections: D, images: ArrayLike<number>) => C) | undefined;
  return {
    version: spec.version,
    metrics: spec.metrics,
    create: () => ({ chunks: [], picks: [] }),
    add(state, batch) {
      if ('detections' in batch) {
        match ??= spec.matcher();
        return addWholeChunk(state, match(batch.detections, batch.images));
      }
      addPicks(state, batch.chunk, batch.positions);
    },
    merge: mergePicks,
    finish: (state) => spec.accumulate(pickedRefs(state)),
  };
}
