/**
 * The demo's worker jobs (commands/demo-baselines.ts): visual-l1 and hybrid-l1 share one
 * process (in that order, so hybrid-l1 takes visual-l1's tracks), the quick baselines are packed
 * into one process a core, every other baseline runs alone, and jobs start longest first.
 */
import { describe, expect, it } from 'vitest';
import { listBaselines } from '../../src/baselines/run.js';
import { longestFirst, workerArgs, workerJobs } from '../../src/commands/demo-baselines.js';

const names = (jobs: { name: string }[][]) => jobs.map((j) => j.map((b) => b.name).join('+'));
const QUICK = ['class-prior', 'all-background', 'prior-box', 'ideal-ratio-mask', 'mixture', 'channel-mean', 'linear-z-mean', 'gyro-l1', 'identity'];

describe('demo worker jobs', () => {
  it('runs visual-l1 then hybrid-l1 in one process, the quick ones in one process a core, each other baseline alone', () => {
    const all = listBaselines();
    const jobs = workerJobs(all, 2);
    expect(jobs.flat().map((b) => `${b.challenge}/${b.name}`).sort()).toEqual(all.map((b) => `${b.challenge}/${b.name}`).sort());
    expect(names(jobs)).toContain('visual-l1+hybrid-l1');
    const packs = jobs.filter((j) => j.some((b) => QUICK.includes(b.name)));
    expect(packs).toHaveLength(2);
    expect(packs.flat().map((b) => b.name).sort()).toEqual([...QUICK].sort());
    expect(jobs.filter((j) => j.length === 1).map((j) => j[0]!.name).sort()).toEqual(
      ['audio-only-mask', 'audio-visual-mask', 'centernet-coco80', 'deeplab-v3plus', 'mobilenet-v2', 'ssdlite-mobilenet-v2', 'unet']);
    const s = { seed: 7, challengesRoot: '/c' };
    expect(workerArgs(jobs.find((j) => j[0]!.name === 'visual-l1')!, s)).toEqual(
      ['demo', '--baseline-worker', 'motion-photos-mini/visual-l1,motion-photos-mini/hybrid-l1', '--seed', '7', '--challenges', '/c']);
  });

  it('one core: every quick baseline in one process; a pair member asked for alone is a baseline like the others', () => {
    expect(workerJobs(listBaselines(), 1).filter((j) => j.some((b) => QUICK.includes(b.name)))).toHaveLength(1);
    const jobs = workerJobs(listBaselines('motion-photos-mini').filter((b) => b.name !== 'visual-l1'), 2);
    expect(names(jobs)).toEqual(['hybrid-l1', 'gyro-l1+identity']);
  });

  it('starts the longest job first', () => {
    const order = names(longestFirst(workerJobs(listBaselines(), 2)));
    expect(order[0]).toBe('unet');
    // The two packs of quick ones last.
    expect(order.slice(-2).every((j) => j.split('+').every((n) => QUICK.includes(n)))).toBe(true);
  });
});
