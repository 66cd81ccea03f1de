import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scoreClip, stabilizationEvaluator } from '../../src/evaluators/stabilization.js';
import { readStabilizationSubmission } from '../../src/tasks/stabilization/submission.js';
import { readStabilizationTruth } from '../../src/tasks/stabilization/truth.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';
import { definition } from '../../src/tasks/stabilization/index.js';
import { fixture, podiumJson } from '../helpers/cli.js';

// 8 clips of 48 frames (160 x 120): true background motion, submissions of four kinds (none,
// smoothed path, smoothed + zoom, anisotropic), one clip's matrices scaled by 2.5; numpy
// float64 numbers per clip and per split (shared fixtures, copied).
const truth = fixture('stab', 'truth');
const submission = fixture('stab', 'submission.csv');
const expected = JSON.parse(fs.readFileSync(fixture('stab', 'expected.json'), 'utf8'));
const TOL = 1e-12;
const task = taskFromDefinition(definition);

function close(got: Record<string, unknown>, want: Record<string, number>, where: string) {
  for (const [name, v] of Object.entries(want)) expect(Math.abs((got[name] as number) - v), `${where} ${name}`).toBeLessThan(TOL);
}

describe('stabilization fixture (numpy reference)', () => {
  it('matches per clip, overall and per split, in process', async () => {
    const { report } = await task.evaluate(truth, submission);
    close(report.metrics, expected.metrics, 'metrics');
    close(report.splits!.public!, expected.splits.public, 'public');
    close(report.splits!.private!, expected.splits.private, 'private');
    const perClip = report.per_clip as Record<string, Record<string, number>>;
    expect(Object.keys(perClip).sort()).toEqual(Object.keys(expected.per_clip).sort());
    for (const [id, want] of Object.entries(expected.per_clip as Record<string, Record<string, number>>)) close(perClip[id]!, want, id);
    expect(report.clips).toBe(8);
  });

  it('matches through `podium evaluate --json`', () => {
    const out = podiumJson(['evaluate', '--task', 'stabilization', '--truth', truth, '--submission', submission]);
    expect(out.task).toBe('stabilization');
    close(out.metrics, expected.metrics, 'metrics');
    close(out.splits.private, expected.splits.private, 'private');
  });

  it('clips scored in 3 shards, cloned and merged in any order, give the same means; merge leaves its inputs alone', async () => {
    const t = await readStabilizationTruth(truth);
    const paths = await readStabilizationSubmission(submission, t);
    const shards = [0, 1, 2].map(() => stabilizationEvaluator.create());
    t.clips.forEach((c, i) => stabilizationEvaluator.add(shards[i % 3]!, scoreClip({ ...c, stabilizing: paths[i]! })));
    const before = shards.map((s) => s.values.slice());
    const merged = stabilizationEvaluator.merge(shards.map((s) => structuredClone(s)).reverse());
    shards.forEach((s, i) => expect(s.values).toEqual(before[i]));
    const scores = stabilizationEvaluator.finish(merged);
    for (const [name, v] of Object.entries(expected.metrics as Record<string, number>)) expect(Math.abs(scores[name]! - v), name).toBeLessThan(TOL);
    const nested = stabilizationEvaluator.merge([stabilizationEvaluator.merge([shards[2]!, shards[0]!]), shards[1]!]);
    expect(nested.count).toBe(8);
    expect(Math.abs(stabilizationEvaluator.finish(nested).stability! - scores.stability!)).toBeLessThan(1e-15);
  });

  it('scores the same with clips spread over two worker threads', async () => {
    const threaded = taskFromDefinition({ ...definition, minUnitsForThreads: 2 });
    const { report } = await threaded.evaluate(truth, submission, { threads: 2 });
    expect(Object.keys(report.per_clip as object).sort()).toEqual(Object.keys(expected.per_clip).sort());
    close(report.metrics, expected.metrics, 'metrics');
  });

  it('a perfectly still output path scores stability 1 and identity crops nothing', () => {
    const frames = 20;
    const background = new Float64Array(9 * (frames - 1));
    for (let t = 0; t < frames - 1; t++) background.set([1, 0, 0, 0, 1, 0, 0, 0, 1], 9 * t);
    const stabilizing = new Float64Array(9 * frames);
    for (let t = 0; t < frames; t++) stabilizing.set([1, 0, 0, 0, 1, 0, 0, 0, 1], 9 * t);
    const row = scoreClip({ width: 64, height: 48, frames, background, stabilizing });
    expect(Array.from(row)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });
});
