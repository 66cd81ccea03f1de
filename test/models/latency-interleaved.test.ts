// Interleaved SingleStream with a fake clock: a load burst hits entry and reference alike, so
// the paired ratio stays put while raw percentiles move; the query order is a seeded permutation;
// queries run in blocks, each after one untimed query.
import { describe, expect, it } from 'vitest';
import { harnessFloor, interleavedSingleStream, median, seededPermutation, type LatencySettings } from '../../src/evaluators/latency.js';
import { mulberry32 } from '../../src/random.js';

const settings: LatencySettings = { warmup: 2, minQueries: 100, minDurationMs: 0, offlineSamples: 8, offlineBatch: 4 };

function fakeClock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => { now += ms; } };
}

describe('interleaved SingleStream', () => {
  it('runs the same samples on both in blocks, each after one untimed query, order alternating by round', async () => {
    const clock = fakeClock();
    const calls: string[] = [];
    let slow = 1;
    const entry = { samples: 5, runOne: (i: number) => { calls.push(`e${i}`); clock.advance(2 * slow); } };
    const reference = { samples: 5, runOne: (i: number) => { calls.push(`r${i}`); clock.advance(1 * slow); if (calls.length >= 100) slow = 10; } };
    const r = await interleavedSingleStream(entry, reference, settings, mulberry32(7), clock.now, 4);
    expect(r.entryMs).toHaveLength(100);
    expect(r.referenceMs).toHaveLength(100);
    const timed = calls.slice(4); // after 2 warm-up rounds
    // Round 1: entry's untimed query and 4 timed ones, then the reference's on the same samples; round 2 the other way.
    expect(timed.slice(0, 20).map((c) => c[0]).join('')).toBe('eeeeerrrrrrrrrreeeee');
    for (let k = 0; k < timed.length; k += 10) {
      const first = timed.slice(k, k + 5).map((c) => c.slice(1));
      expect(first[0]).toBe(first[1]); // the untimed query is on the block's first sample
      expect(timed.slice(k + 5, k + 10).map((c) => c.slice(1))).toEqual(first);
    }
    // A 10x slowdown partway moves raw p50 but not the median of the rounds' ratios.
    expect(r.pairedRatio).toBe(2);
    expect(new Set(r.entryMs).size).toBe(2);
  });

  it('draws samples in a seeded permutation, the same for the same seed', () => {
    expect(seededPermutation(10, mulberry32(3))).toEqual(seededPermutation(10, mulberry32(3)));
    expect([...seededPermutation(10, mulberry32(3))].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seededPermutation(10, mulberry32(3))).not.toEqual(seededPermutation(10, mulberry32(4)));
  });

  it('runs until both minimums are met', async () => {
    const clock = fakeClock();
    const t = { samples: 3, runOne: () => clock.advance(1) };
    const r = await interleavedSingleStream(t, t, { ...settings, minQueries: 10, minDurationMs: 100 }, mulberry32(1), clock.now);
    expect(r.entryMs.length).toBe(48); // 18 ms a round (2 x (1 untimed + 8 timed)), 6 rounds to pass 100 ms
  });

  it('the harness floor is the same loop around a model that does nothing', async () => {
    const clock = fakeClock();
    const f = await harnessFloor({ samples: 1, runOne: () => clock.advance(0.004) }, settings, clock.now);
    expect(f.queries).toBe(100);
    expect(f.p50_ms).toBeCloseTo(0.004, 12);
    expect(median([1, 2, 3, 10])).toBe(2.5);
  });
});
