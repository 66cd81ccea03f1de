/**
 * The files a classification challenge needs from a labelled hidden set: the iNat 2018 solution
 * `id,expected,usage` (usage from the seeded split) and a sample submission `id,predicted` with
 * k labels a row, guessing the most frequent training classes for every image (what a
 * participant can do without looking at an image).
 */
import path from 'node:path';
import { writeCsv } from './dataset-files.js';
import { compareIds, splitUsage } from './usage-split.js';

export interface ClassificationSolution {
  rows: number;
  public: number;
  private: number;
}

export function writeClassificationSolution(
  dest: string,
  labels: Map<number, number>,
  guess: readonly number[],
  seed: number,
): ClassificationSolution {
  const ids = [...labels.keys()].map(String).sort(compareIds);
  const usage = splitUsage(ids, seed);
  writeCsv(path.join(dest, 'solution.csv'), ['id', 'expected', 'usage'], ids.map((id) => [id, labels.get(Number(id))!, usage.get(id)!]));
  writeCsv(path.join(dest, 'sample_submission.csv'), ['id', 'predicted'], ids.map((id) => [id, guess.join(' ')]));
  const nPublic = [...usage.values()].filter((u) => u === 'Public').length;
  return { rows: ids.length, public: nPublic, private: ids.length - nPublic };
}
