import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultChallengesRoot, loadChallenge, loadChallenges } from '../../src/challenges/definition.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-def-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const good = {
  id: 'x-1',
  title: 'X',
  task: 'classification',
  truth: 'solution.csv',
  primary_metric: 'top3_error',
  options: '{ predictions: 3 }',
  phases: '\n  - { id: main, start: 2026-01-01T00:00:00Z, end: 2027-01-01T00:00:00Z }',
};

function define(fields: Record<string, string | undefined>, folder = 'x-1'): string {
  const d = path.join(dir, folder);
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, 'solution.csv'), 'id,expected\na,1\n');
  const yaml = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  fs.writeFileSync(path.join(d, 'challenge.yaml'), yaml + '\n');
  return d;
}

async function errorOf(fields: Record<string, string | undefined>, folder?: string): Promise<string> {
  return loadChallenge(define(fields, folder), { requireTruth: true }).then(
    () => '',
    (e: Error) => e.message,
  );
}

describe('challenge definitions', () => {
  it('loads the shipped definitions', async () => {
    const all = await loadChallenges(defaultChallengesRoot());
    expect(all.map((c) => c.id)).toEqual(['detection-mini', 'inat2018-mini', 'isl-mini', 'motion-photos-mini', 'separation-mini', 'voc2012-seg-mini']);
  });

  it('loads a good one with defaults and the metric direction', async () => {
    const c = await loadChallenge(define(good), { requireTruth: true });
    expect(c).toMatchObject({ id: 'x-1', task: 'classification', primary_metric: 'top3_error', higher_is_better: false });
    expect(c.limits).toEqual({ per_day: 5, total: 500, final_selections: 2, max_upload_mb: 200 });
    expect(c.truth).toBe(path.join(dir, 'x-1', 'solution.csv'));
    expect(c.phases[0]!.end.toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  const cases: [string, Record<string, string | undefined>, RegExp][] = [
    ['a missing id', { ...good, id: undefined }, /column id: is required/],
    ['a bad id', { ...good, id: 'X_1' }, /column id: "X_1" must match \[a-z0-9-\]\+/],
    ['an unknown task', { ...good, task: 'ranking' }, /column task: "ranking" is not one of classification, segmentation, detection, separation/],
    ['a missing truth file', { ...good, truth: 'nope.csv' }, /column truth: nope\.csv does not exist/],
    ['an unknown metric', { ...good, primary_metric: 'accuracy' }, /column primary_metric: "accuracy" is not a metric of classification; expected one of top1_error, top3_error, mean_class_accuracy/],
    ['a negative limit', { ...good, limits: '{ per_day: -1 }' }, /column limits\.per_day: must be a positive number/],
    ['an unknown limit', { ...good, limits: '{ per_week: 3 }' }, /column limits\.per_week: unknown limit/],
    ['no phases', { ...good, phases: undefined }, /column phases: is required/],
    ['a phase ending before it starts', { ...good, phases: '\n  - { id: main, start: 2027-01-01T00:00:00Z, end: 2026-01-01T00:00:00Z }' }, /column phases\[0\]\.end: must be after start/],
    ['a bad date', { ...good, phases: '\n  - { id: main, start: soon, end: 2026-01-01T00:00:00Z }' }, /column phases\[0\]\.start: must be an ISO 8601 date-time/],
    ['options that are not a mapping', { ...good, options: '[1, 2]' }, /column options: must be a mapping/],
    ['a misspelt option key', { ...good, options: '{ prediction: 3 }' }, /column options\.prediction: unknown option prediction; valid: predictions/],
    ['a bad option value', { ...good, options: '{ predictions: 0 }' }, /column options\.predictions: option "predictions" must be a positive integer, got 0/],
    ['a misspelt segmentation option', { ...good, task: 'segmentation', primary_metric: 'miou', options: '{ clases: [a, b] }' }, /column options\.clases: unknown option clases; valid: classes, split/],
    ['an option of a task that has none', { ...good, task: 'separation', primary_metric: 'sdr', options: '{ threads: 2 }' }, /column options\.threads: unknown option threads; valid: \(none\)/],
  ];
  for (const [title, fields, pattern] of cases) {
    it(`refuses ${title}, naming the field`, async () => expect(await errorOf(fields)).toMatch(pattern));
  }

  it('refuses an id that differs from its folder', async () => {
    expect(await errorOf(good, 'other')).toMatch(/column id: "x-1" must equal the folder name "other"/);
  });

  it('refuses YAML that does not parse, naming the line', async () => {
    const d = path.join(dir, 'broken');
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'challenge.yaml'), 'id: broken\ntitle: [unclosed\n');
    await expect(loadChallenge(d)).rejects.toThrow(/challenge\.yaml, line \d+: not valid YAML/);
  });

  it('collects several problems at once', async () => {
    await expect(loadChallenge(define({ ...good, title: undefined, task: 'nope' }))).rejects.toThrow(/\(and 1 more problem\)/);
  });
});
