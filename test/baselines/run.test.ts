// Baselines end to end at tiny settings (one training step) on tiny generated data sets: each
// writes a real submission in its challenge's format and is scored through the task contract.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBaselines, runBaseline, type RunOptions } from '../../src/baselines/run.js';
import type { LatencySettings } from '../../src/evaluators/latency.js';
import { podium } from '../helpers/cli.js';
import { loadChallenge } from '../../src/challenges/definition.js';
import { scoreSubmission } from '../../src/leaderboard/scoring.js';
import { DEFAULT_BOOTSTRAP_SAMPLES } from '../../src/leaderboard/bootstrap.js';
import { sha256File } from '../../src/baselines/content-hash.js';
import { TINY_CHALLENGES, tinyWorld, type TinyChallengeId, type TinyChallengeSpec } from './tiny-world.js';

const TINY_LATENCY: LatencySettings = { warmup: 1, minQueries: 5, minDurationMs: 0, offlineSamples: 4, offlineBatch: 2 };
const CHALLENGES: Record<string, TinyChallengeSpec> = TINY_CHALLENGES;

let root: string;

beforeAll(async () => {
  root = await tinyWorld('podium-baseline-run-', Object.keys(TINY_CHALLENGES) as TinyChallengeId[]);
}, 300_000);

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function options(id: string): RunOptions {
  return {
    challengesRoot: path.join(root, 'challenges'), dataDir: path.join(root, 'data', id),
    maxSteps: 1, epochs: 1, retrain: true, latency: TINY_LATENCY, seed: 5,
  };
}

describe('baseline registry', () => {
  it('lists a learned model and a reference for every challenge', () => {
    for (const id of Object.keys(CHALLENGES)) expect(listBaselines(id).length).toBeGreaterThanOrEqual(2);
    expect(listBaselines('separation-mini').map((b) => b.name)).toEqual(['audio-visual-mask', 'audio-only-mask', 'ideal-ratio-mask', 'mixture']);
  });

  it('refuses an unknown baseline with the known names', async () => {
    await expect(runBaseline('inat2018-mini', 'resnet', options('inat2018-mini'))).rejects.toThrow(/mobilenet-v2, class-prior/);
  });

  it('reports a user mistake in one line with exit 2', () => {
    for (const args of [['baseline', 'run', 'no-such-challenge'], ['baseline', 'run', 'inat2018-mini', '--epochs', '0'], ['baseline', 'fly']]) {
      const r = podium(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\bat \w/); // no stack trace
    }
  });

  it('lists through the CLI', () => {
    const r = podium(['baseline', 'list', 'detection-mini']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ssdlite-mobilenet-v2/);
    expect(r.stdout).toMatch(/centernet-coco80/);
  });
});

const runs: [string, string, string][] = [
  ['inat2018-mini', 'class-prior', 'submission.csv'],
  ['inat2018-mini', 'mobilenet-v2', 'submission.csv'],
  ['voc2012-seg-mini', 'all-background', 'submission.zip'],
  ['voc2012-seg-mini', 'deeplab-v3plus', 'submission.zip'],
  ['detection-mini', 'ssdlite-mobilenet-v2', 'submission.csv'],
  ['detection-mini', 'prior-box', 'submission.csv'],
  ['detection-mini', 'centernet-coco80', 'submission.csv'],
  ['separation-mini', 'mixture', 'submission.zip'],
  ['separation-mini', 'ideal-ratio-mask', 'submission.zip'],
  ['separation-mini', 'audio-only-mask', 'submission.zip'],
  ['separation-mini', 'audio-visual-mask', 'submission.zip'],
  ['isl-mini', 'channel-mean', 'submission.zip'],
  ['isl-mini', 'linear-z-mean', 'submission.zip'],
  ['isl-mini', 'unet', 'submission.zip'],
];

describe.each(runs)('%s / %s', (id, name, file) => {
  it('writes a submission that the task scores', async () => {
    const r = await runBaseline(id, name, options(id));
    expect(path.basename(r.submission)).toBe(file);
    expect(fs.existsSync(r.submission)).toBe(true);
    expect(r.primaryMetric).toBe(CHALLENGES[id].metric);
    expect(typeof r.primary).toBe('number');
    if (r.kind === 'model') {
      expect(r.trained?.steps).toBe(1);
      expect(r.latency?.queries).toBe(5);
      expect(r.latency?.backend).toMatch(/^wasm/);
      expect(r.latency?.madds).toBeGreaterThan(0);
      // Cached weights are used on the next run and give the same submission.
      const again = await runBaseline(id, name, { ...options(id), retrain: false, latency: 'off' });
      expect(again.loadedFromCache).toBe(true);
      expect(fs.readFileSync(again.submission)).toEqual(fs.readFileSync(r.submission));
      // Another seed is another model: not answered from the cache, and kept in a folder of its
      // own, so the first seed's weights and submission stay as they were.
      const weights = fs.readFileSync(path.join(r.workDir, 'model', 'weights.bin'));
      const reseeded = await runBaseline(id, name, { ...options(id), retrain: false, latency: 'off', seed: 6 });
      expect(reseeded.loadedFromCache).toBeFalsy();
      expect(reseeded.trained?.steps).toBe(1);
      expect(reseeded.workDir).toBe(path.join(root, 'data', id, 'baselines', 'seed-6-epochs-1', name));
      expect(fs.readFileSync(path.join(r.workDir, 'model', 'weights.bin'))).toEqual(weights);
      expect(fs.readFileSync(r.submission)).toEqual(fs.readFileSync(again.submission));
      // A run cut short (maxSteps) is never reused as a full one.
      const uncut = await runBaseline(id, name, { ...options(id), retrain: false, latency: 'off', maxSteps: undefined, limitTrain: 2 });
      expect(uncut.loadedFromCache).toBeFalsy();
    } else if (r.kind === 'pretrained') {
      expect(r.trained).toBeUndefined();
      expect(r.latency?.params).toBe(2_015_065); // every weight of centernet.json
      expect(r.latency?.madds).toBeGreaterThan(1e9);
    } else {
      expect(r.latency).toBeUndefined();
    }
    if (name === 'mixture') expect(r.primary).toBe(0);
    if (name === 'class-prior') expect(r.primary).toBeCloseTo(1 - 3 / 10, 9); // balanced test set of 10 classes
  });
});

describe.each([['inat2018-mini', 'class-prior'], ['separation-mini', 'ideal-ratio-mask']])('%s / %s with intervals', (id, name) => {
  it('scores its submission as the leaderboard would, so recording it needs no second scoring', async () => {
    const r = await runBaseline(id, name, { ...options(id), withIntervals: true });
    const challenge = await loadChallenge(path.join(root, 'challenges', id), { requireTruth: true });
    const outcome = await scoreSubmission({
      challengeId: challenge.id, task: challenge.task, truth: challenge.truth, options: challenge.options,
      primaryMetric: challenge.primary_metric, file: r.submission,
    });
    expect(r.scored).toEqual({ sha256: sha256File(r.submission), bootstrapSamples: DEFAULT_BOOTSTRAP_SAMPLES, outcome });
    expect(outcome.splits.some((s) => s.ci_low !== null)).toBe(true);
    // Without a database or the option, no intervals are computed.
    expect((await runBaseline(id, name, options(id))).scored).toBeUndefined();
  });
});
