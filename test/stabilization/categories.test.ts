/** Clip categories reach the report and, as `<primary> [<category>]`, the board's stored split metrics. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scoreSubmission } from '../../src/leaderboard/scoring.js';
import { fixture } from '../helpers/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-stab-cat-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('stabilization clip categories', () => {
  it('are averaged per category and split, and stored per split for the board', async () => {
    // The fixture's truth with a category column: clips 0-3 "near", 4-7 "far".
    const truth = path.join(tmp, 'truth');
    fs.cpSync(fixture('stab', 'truth'), truth, { recursive: true });
    const lines = fs.readFileSync(path.join(truth, 'clips.csv'), 'utf8').trim().split('\n');
    fs.writeFileSync(path.join(truth, 'clips.csv'), ['id,usage,category', ...lines.slice(1).map((l, i) => `${l},${i < 4 ? 'near' : 'far'}`)].join('\n') + '\n');
    const expected = JSON.parse(fs.readFileSync(fixture('stab', 'expected.json'), 'utf8'));
    const out = await scoreSubmission({ challengeId: 'x', task: 'stabilization', truth, options: {}, primaryMetric: 'stability', file: fixture('stab', 'submission.csv'), bootstrapSamples: 10 });
    const usage = Object.fromEntries(lines.slice(1).map((l) => l.split(',') as [string, string]));
    const mean = (ids: string[]) => ids.reduce((s, id) => s + expected.per_clip[id].stability, 0) / ids.length;
    const ids = Object.keys(expected.per_clip).sort();
    const near = ids.slice(0, 4), far = ids.slice(4);
    const split = (name: string) => out.splits.find((s) => s.split === name)!.metrics;
    expect(split('all')['stability [near]']).toBeCloseTo(mean(near), 12);
    expect(split('all')['stability [far]']).toBeCloseTo(mean(far), 12);
    expect(split('public')['stability [far]']).toBeCloseTo(mean(far.filter((id) => usage[id] === 'Public')), 12);
    expect(split('private')['stability [near]']).toBeCloseTo(mean(near.filter((id) => usage[id] === 'Private')), 12);
    expect(split('public').stability).toBeCloseTo(expected.splits.public.stability, 12);
  });
});
