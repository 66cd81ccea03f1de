import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { definition } from '../../src/tasks/separation/index.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';

const task = taskFromDefinition(definition);
import { fixture, podiumJson } from '../helpers/cli.js';

// 24 two-speaker mixtures (8 kHz, 16-bit, espeak-ng speech) with mir_eval 0.7 bss_eval_sources
// numbers and zero-mean SI-SDR per mixture (shared fixtures, copied).
const truth = fixture('sep', 'truth');
const submission = fixture('sep', 'submission');
const expected = JSON.parse(fs.readFileSync(fixture('sep', 'expected.json'), 'utf8'));

type Row = Record<string, number[]> & { id: string };

function compare(perMixture: Row[], metrics: Record<string, number | null>) {
  expect(perMixture.map((m) => m.id)).toEqual(expected.per_mixture.map((m: Row) => m.id));
  for (const [i, want] of (expected.per_mixture as Row[]).entries()) {
    const got = perMixture[i]!;
    expect(got.perm, want.id).toEqual(want.perm);
    for (const key of ['sdr', 'sir', 'sar', 'sdri']) {
      want[key]!.forEach((v, j) => expect(Math.abs(got[key]![j]! - v), `${want.id} ${key}[${j}]`).toBeLessThan(1e-6));
    }
    for (const key of ['si_sdr', 'si_sdri']) {
      want[key]!.forEach((v, j) => expect(Math.abs(got[key]![j]! - v), `${want.id} ${key}[${j}]`).toBeLessThan(1e-9));
    }
  }
  for (const [name, v] of Object.entries(expected.metrics as Record<string, number>)) {
    const tol = name.startsWith('si_') ? 1e-9 : 1e-6;
    expect(Math.abs(metrics[name]! - v), name).toBeLessThan(tol);
  }
}

describe('separation fixture (mir_eval 0.7 numbers)', () => {
  it('matches per mixture and in the means, in process', async () => {
    const { report } = await task.evaluate(truth, submission, { threads: 1 });
    compare(report.per_mixture as Row[], report.metrics);
    expect(report.mixtures).toBe(24);
    expect(report.splits).toBeUndefined();
  });

  it('matches through `podium evaluate --json` (worker threads)', () => {
    const out = podiumJson(['evaluate', '--task', 'separation', '--truth', truth, '--submission', submission]);
    expect(out.task).toBe('separation');
    compare(out.per_mixture, out.metrics);
  });
});
