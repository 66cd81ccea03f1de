/**
 * Sentences for the synthesized speakers: simple English built from word lists by the seeded
 * generator (subject, verb, object, place), so every utterance is new yet reproducible.
 */
import type { Rng } from './rng.js';

const SUBJECTS = ['the old farmer', 'a small girl', 'my neighbour', 'the young pilot', 'our teacher', 'a tired sailor', 'the baker', 'his sister', 'the doctor', 'a quiet boy', 'the captain', 'her uncle'];
const VERBS = ['carried', 'painted', 'found', 'lost', 'opened', 'cleaned', 'counted', 'followed', 'watched', 'mended', 'sold', 'bought'];
const OBJECTS = ['a heavy wooden box', 'the red kite', 'seven green apples', 'a broken clock', 'the silver key', 'two paper boats', 'a bowl of soup', 'the long ladder', 'a basket of eggs', 'the blue bicycle', 'an empty bottle', 'the morning paper'];
const PLACES = ['near the river', 'before dawn', 'in the garden', 'on the bridge', 'after lunch', 'by the station', 'under the oak tree', 'at the market', 'beside the harbour', 'in the cold rain', 'behind the barn', 'across the valley'];

export function sentence(rng: Rng): string {
  const s = `${rng.pick(SUBJECTS)} ${rng.pick(VERBS)} ${rng.pick(OBJECTS)} ${rng.pick(PLACES)}`;
  return s[0]!.toUpperCase() + s.slice(1) + '.';
}

export function paragraph(rng: Rng, sentences: number): string {
  return Array.from({ length: sentences }, () => sentence(rng)).join(' ');
}
