/**
 * The baseline tests' world: tiny generated data sets of the mini challenges (seed 3) and a
 * challenge.yaml for each, under one temporary root; and a challenge with a model track over
 * one of those data sets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateInatMini } from '../../src/datasets/inat2018-generate.js';
import { generateVocSegMini } from '../../src/datasets/voc2012-seg-generate.js';
import { generateDetectionMini } from '../../src/datasets/detection-generate.js';
import { generateSeparationMini } from '../../src/datasets/separation-generate.js';
import { generateIslMini } from '../../src/datasets/isl-generate.js';

export interface TinyChallengeSpec { task: string; truth: string; metric: string; options?: string }

export const TINY_CHALLENGES = {
  'inat2018-mini': { task: 'classification', truth: 'solution.csv', metric: 'top3_error', options: '{ predictions: 3 }' },
  'voc2012-seg-mini': { task: 'segmentation', truth: 'VOC2012', metric: 'miou', options: '{ split: val }' },
  'detection-mini': { task: 'detection', truth: 'annotations/instances_test.json', metric: 'AP' },
  'separation-mini': { task: 'separation', truth: 'test', metric: 'sdri' },
  'isl-mini': { task: 'fluorescence', truth: 'test', metric: 'mean_pearson', options: '{ channels: [DAPI, MAP2, NFH, DEAD] }' },
} satisfies Record<string, TinyChallengeSpec>;

export type TinyChallengeId = keyof typeof TINY_CHALLENGES;

const PHASES = ['phases:', '  - { id: main, start: 2026-01-01T00:00:00Z, end: 2027-06-30T23:59:59Z }', ''];

const GENERATE: Record<TinyChallengeId, (dir: string) => Promise<unknown> | unknown> = {
  'inat2018-mini': (d) => generateInatMini(d, { seed: 3, sizes: { classes: 10, trainImages: 60, valPerClass: 1, testPerClass: 2, size: 32 } }),
  'voc2012-seg-mini': (d) => generateVocSegMini(d, { seed: 3, sizes: { trainImages: 4, valImages: 3, size: 64 } }),
  'detection-mini': (d) => generateDetectionMini(d, { seed: 3, sizes: { trainImages: 4, testImages: 3, size: 128 } }),
  'separation-mini': (d) => generateSeparationMini(d, { seed: 3, sizes: { trainMixtures: 3, testMixtures: 2 }, synthesizer: 'built-in' }),
  'isl-mini': (d) => generateIslMini(d, { seed: 3, sizes: { trainExamples: 4, testExamples: 3 } }),
};

/** A fresh temporary root with `challenges/<id>/challenge.yaml` and `data/<id>/` for each id. */
export async function tinyWorld(prefix: string, ids: readonly TinyChallengeId[]): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const id of ids) {
    const c: TinyChallengeSpec = TINY_CHALLENGES[id];
    const dir = path.join(root, 'challenges', id);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'challenge.yaml'), [
      `id: ${id}`, `title: ${id}`, `task: ${c.task}`, `truth: ${path.join(root, 'data', id, c.truth)}`,
      `primary_metric: ${c.metric}`, `options: ${c.options ?? '{}'}`, ...PHASES,
    ].join('\n'));
    await GENERATE[id](path.join(root, 'data', id));
  }
  return root;
}

/** `challenges/<name>/` over the tiny data of `id`, taking files and models with the given track; returns its folder. */
export function modelTrackChallenge(root: string, id: TinyChallengeId, name: string, track: Record<string, unknown>): string {
  const c: TinyChallengeSpec = TINY_CHALLENGES[id];
  const dir = path.join(root, 'challenges', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'challenge.yaml'), [
    `id: ${name}`, `title: ${name}`, `task: ${c.task}`, `truth: ${path.join(root, 'data', id, c.truth)}`,
    `primary_metric: ${c.metric}`, `options: ${c.options ?? '{}'}`, 'submission: [file, model]',
    `model: ${JSON.stringify({ sandbox: { wall_s: 120 }, ...track })}`, ...PHASES,
  ].join('\n'));
  return dir;
}
