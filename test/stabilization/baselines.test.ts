/**
 * The stabilization baselines on a generated motion-photos-mini (one clip a category): each
 * writes a real submission, scored like a participant's, and each beats no stabilization.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBaseline } from '../../src/baselines/run.js';
import { makeChallenge } from '../../src/datasets/mini-challenges.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-stab-baselines-'));
const challengesRoot = path.join(root, 'challenges');
const dataDir = path.join(root, 'data', 'motion-photos-mini');
let identity = NaN;

beforeAll(async () => {
  await makeChallenge('motion-photos-mini', dataDir, { seed: 5, sizes: { clipsPerCategory: 1 } });
  fs.mkdirSync(path.join(challengesRoot, 'motion-photos-mini'), { recursive: true });
  fs.copyFileSync(path.join('challenges', 'motion-photos-mini', 'challenge.yaml'), path.join(challengesRoot, 'motion-photos-mini', 'challenge.yaml'));
  identity = (await runBaseline('motion-photos-mini', 'identity', { challengesRoot, dataDir, latency: 'off' })).primary!;
}, 120_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('stabilization baselines', () => {
  for (const name of ['gyro-l1', 'visual-l1', 'hybrid-l1']) {
    it(`${name} beats identity on stability, through the same scoring as a file`, async () => {
      const run = await runBaseline('motion-photos-mini', name, { challengesRoot, dataDir, latency: 'off' });
      expect(fs.statSync(run.submission).size).toBeGreaterThan(0);
      expect(run.primaryMetric).toBe('stability');
      expect(run.primary).toBeGreaterThan(identity + 0.02);
      // Every clip category is scored.
      const perCategory = (run.report as unknown as { per_category: Record<string, { metrics: { stability: number } }> }).per_category;
      expect(Object.keys(perCategory).sort()).toEqual(['close-range-parallax', 'far-background', 'foreground-dominated', 'pan']);
      for (const c of Object.values(perCategory)) expect(c.metrics.stability).toBeGreaterThan(0);
    }, 300_000);
  }
});
