import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeZip } from '../../src/formats/zip.js';
import { definition } from '../../src/tasks/fluorescence/index.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';
import { fixture, podiumJson } from '../helpers/cli.js';

const task = taskFromDefinition(definition);

// 12 wells (64 x 48, 16-bit), channels DAPI / MAP2 / DEAD with a checkerboard of missing labels,
// two conditions, Public / Private usage; numbers from numpy float64 (shared fixtures, copied).
const truth = fixture('isl', 'truth');
const submission = fixture('isl', 'submission');
const expected = JSON.parse(fs.readFileSync(fixture('isl', 'expected.json'), 'utf8'));
const TOL = 1e-12;

function closeTo(got: Record<string, unknown>, want: Record<string, number>, where: string) {
  for (const [name, v] of Object.entries(want)) {
    expect(got[name], `${where} ${name}`).toBeTypeOf('number');
    expect(Math.abs((got[name] as number) - v), `${where} ${name}`).toBeLessThan(TOL);
  }
}

function compare(report: Record<string, any>) {
  closeTo(report.metrics, expected.metrics, 'all');
  closeTo(report.splits.public, expected.splits.public, 'public');
  closeTo(report.splits.private, expected.splits.private, 'private');
  for (const [condition, channels] of Object.entries(expected.per_condition as Record<string, Record<string, Record<string, number>>>)) {
    for (const [channel, want] of Object.entries(channels)) closeTo(report.per_condition[condition][channel], want, `${condition} ${channel}`);
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isl-fixture-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The submission folder as a zip, optionally under one wrapper folder. */
async function zipOf(prefix: string): Promise<string> {
  const file = path.join(tmp, `sub${prefix ? '-wrapped' : ''}.zip`);
  const entries = fs.readdirSync(submission).flatMap((id) => fs.readdirSync(path.join(submission, id)).map((f) => ({ name: `${prefix}${id}/${f}`, data: fs.readFileSync(path.join(submission, id, f)) })));
  await writeZip(file, entries);
  return file;
}

describe('fluorescence fixture (numpy float64, to 1e-12)', () => {
  it('from the folder, in process', async () => {
    const { report } = await task.evaluate(truth, submission, { options: { channels: expected.channels } });
    compare(report);
    expect(report.channels).toEqual(expected.channels);
    expect(report.examples).toBe(12);
  });
  it('from a zip, and from a zip of the folder (one wrapper folder)', async () => {
    compare((await task.evaluate(truth, await zipOf(''))).report);
    compare((await task.evaluate(truth, await zipOf('my-run/'))).report);
  });
  it('through `podium evaluate --task fluorescence --json`', () => {
    const out = podiumJson(['evaluate', '--task', 'fluorescence', '--truth', truth, '--submission', submission]);
    expect(out.task).toBe('fluorescence');
    compare(out);
  });
  it('bootstrap resamplers: drawing every example once gives the full scores', async () => {
    const { report, resamplers } = await task.evaluate(truth, submission, { withResamplers: true });
    const all = resamplers!.all;
    expect(all.size).toBe(12);
    const once = all.score(Uint32Array.from({ length: 12 }, (_, i) => i));
    for (const [k, v] of Object.entries(report.metrics)) expect(Math.abs(once[k]! - v!)).toBeLessThan(1e-12);
    expect(resamplers!.public!.size).toBe(4);
    const twice = all.score(Uint32Array.of(0, 0, 5));
    expect(twice.mean_pearson).not.toBeCloseTo(report.metrics.mean_pearson!, 6);
  });
});
