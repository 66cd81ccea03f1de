/**
 * The demo's worker jobs (commands/demo-baselines.ts): visual-l1 and hybrid-l1 share one
 * process (in that order, so hybrid-l1 takes visual-l1's tracks), every other baseline runs
 * alone, and jobs start longest first.
 */
import { describe, expect, it } from 'vitest';
import { listBaselines } from '../../src/baselines/run.js';
import { longestFirst, workerArgs, workerJobs } from '../../src/commands/demo-baselines.js';

const names = (jobs: { name: string }[][]) => jobs.map((j) => j.map((b) => b.name).join('+'));

describe('demo worker jobs', () => {
  it('runs visual-l1 then hybrid-l1 in one process, each other baseline alone', () => {
    const all = listBaselines();
    const jobs = workerJobs(all);
    expect(names(jobs)).toContain('visual-l1+hybrid-l1');
    expect(jobs.flat().map((b) => `${b.challenge}/${b.name}`).sort()).toEqual(all.map((b) => `${b.challenge}/${b.name}`).sort());
    expect(jobs.filter((j) => j.length > 1)).toHaveLength(1);
    const s = { seed: 7, challengesRoot: '/c' };
    expect(workerArgs(jobs.find((j) => j.length > 1)!, s)).toEqual(['demo', '--baseline-worker', 'motion-photos-mini/visual-l1,hybrid-l1', '--seed', '7', '--challenges', '/c']);
  });

  it('runs a member alone when the other is not asked for', () => {
    const jobs = workerJobs(listBaselines('motion-photos-mini').filter((b) => b.name !== 'visual-l1'));
    expect(names(jobs)).toEqual(['hybrid-l1', 'gyro-l1', 'identity']);
  });

  it('starts the longest job first', () => {
    const order = names(longestFirst(workerJobs(listBaselines())));
    expect(order[0]).toBe('unet');
    expect(order.indexOf('visual-l1+hybrid-l1')).toBeLessThan(order.indexOf('gyro-l1'));
  });
});
