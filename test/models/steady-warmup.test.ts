// The warm-up that lasts until the latency stops falling (evaluators/steady-warmup.ts), fed
// synthetic latencies through a fake clock: which block ends it, the caps, what is recorded.
import { describe, expect, it } from 'vitest';
import { describeWarmup, warmupHow, warmupSettled, type SteadyWarmupRule } from '../../src/evaluators/steady-warmup.js';
import { harnessFloor, interleavedSingleStream, singleStream, warmUp, type LatencySettings } from '../../src/evaluators/latency.js';
import { parseModelTrack } from '../../src/challenges/model-track.js';
import { mulberry32 } from '../../src/random.js';

const rule: SteadyWarmupRule = { block: 4, blockMs: 0, tolerance: 0.03, patience: 2, maxQueries: 400, maxMs: 60_000 };

/** A fake clock that moves only when a synthetic query says how long it took. */
function fakeClock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => { now += ms; } };
}

/** A model whose k-th query (0-based, warm-up included) takes `latency(k)` ms of the clock. */
function syntheticModel(latency: (k: number) => number, clock = fakeClock()) {
  let k = 0;
  return { now: clock.now, queries: () => k, runOne: () => clock.advance(latency(k++)) };
}

describe('warmupSettled', () => {
  it('waits for `patience` blocks in a row that do not beat the best before them by more than the tolerance', () => {
    expect(warmupSettled([10], rule)).toBe(false);
    expect(warmupSettled([10, 9.8], rule)).toBe(false); // one block is not enough
    expect(warmupSettled([10, 9.8, 9.9], rule)).toBe(true); // -2 %, then above the best
    expect(warmupSettled([10, 9.8, 9.0], rule)).toBe(false); // the last block still improves by 8 %
    expect(warmupSettled([10, 9.0, 9.1], rule)).toBe(false); // 9.0 improved on 10 by 10 %
    expect(warmupSettled([10, 9.0, 9.1, 8.95], rule)).toBe(true); // 9.1 and 8.95: under 3 % below 9.0
    expect(warmupSettled([10, 9.0, 9.1, 8.95], { ...rule, patience: 3 })).toBe(false);
    expect(warmupSettled([5, 5, 5], { ...rule, tolerance: 0 })).toBe(true);
  });
});

describe('warm-up until steady', () => {
  it('ends at the first block pair after the latency stops falling', async () => {
    // 10 ms falling by 5 % a query for 40 queries, then flat: tfjs-wasm's shape, in miniature.
    const m = syntheticModel((k) => 10 * 0.95 ** Math.min(k, 40));
    const used = await warmUp(m.runOne, () => 0, 2, rule, m.now);
    expect(used.stop).toBe('steady');
    // Fixed 2, then blocks of 4: block medians fall more than 3 % through query 41 (block 10),
    // blocks 11 and 12 are flat, so warm-up ends after 2 + 12 x 4 queries.
    expect(used.queries).toBe(2 + 12 * 4);
    expect(m.queries()).toBe(used.queries);
    expect(used.ms).toBeCloseTo([...Array(48).keys()].reduce((t, i) => t + 10 * 0.95 ** Math.min(i + 2, 40), 0), 9);
  });

  it('ignores one slow query in a block (medians), so a flat model stops after patience + 1 blocks', async () => {
    const m = syntheticModel((k) => (k % 7 === 3 ? 50 : 1));
    const used = await warmUp(m.runOne, () => 0, 0, rule, m.now);
    expect(used).toMatchObject({ queries: 12, stop: 'steady' });
  });

  it('with blocks of a minimum time, waits out a plateau shorter than patience x blockMs', async () => {
    // tfjs-wasm's shape (bench/latency/README.md): 5 ms a query until 600 ms after the first one,
    // then 3 ms (the optimised code arrives). Blocks of 4 queries (20 ms) call the plateau steady.
    const stepped = () => {
      const clock = fakeClock();
      return syntheticModel(() => (clock.now() < 600 ? 5 : 3), clock);
    };
    const quick = stepped();
    const early = await warmUp(quick.runOne, () => 0, 0, { ...rule, patience: 3 }, quick.now);
    expect(early).toMatchObject({ queries: 16, stop: 'steady' }); // 4 blocks of 5 ms queries
    // Blocks of at least 250 ms: [0, 250) and [250, 500) at 5 ms, then [500, 750) has 20 queries
    // at 5 ms and 50 at 3 ms (median 3: a 40 % improvement), then three blocks of 84 at 3 ms.
    const timed = stepped();
    const used = await warmUp(timed.runOne, () => 0, 0, { ...rule, patience: 3, blockMs: 250, maxQueries: 10_000 }, timed.now);
    expect(used).toMatchObject({ queries: 50 + 50 + 70 + 3 * 84, stop: 'steady' });
    expect(used.ms).toBeGreaterThanOrEqual(750 + 3 * 250);
  });

  it('stops at the query cap when the latency keeps falling', async () => {
    const m = syntheticModel((k) => 100 * 0.9 ** k);
    const used = await warmUp(m.runOne, () => 0, 10, { ...rule, maxQueries: 30 }, m.now);
    expect(used).toMatchObject({ queries: 10 + 28, stop: 'query cap' }); // 7 blocks of 4; an 8th would pass 30
  });

  it('stops at the time cap, checked between blocks', async () => {
    const m = syntheticModel((k) => 100 * 0.9 ** k);
    const used = await warmUp(m.runOne, () => 0, 0, { ...rule, maxMs: 500 }, m.now);
    // Blocks take 100+90+81+72.9 = 343.9 ms, then 225.6 ms: the cap is passed after block 2.
    expect(used.stop).toBe('time cap');
    expect(used.queries).toBe(8);
    expect(used.ms).toBeGreaterThanOrEqual(500);
  });

  it('without a rule runs the fixed count only', async () => {
    const m = syntheticModel(() => 1);
    expect(await warmUp(m.runOne, () => 0, 5, undefined, m.now)).toEqual({ queries: 5, ms: 0, stop: 'fixed' });
    expect(m.queries()).toBe(5);
  });

  it('refuses a rule that could never end', async () => {
    const m = syntheticModel(() => 1);
    await expect(warmUp(m.runOne, () => 0, 0, { ...rule, block: 0 }, m.now)).rejects.toThrow(/block and patience must be at least 1/);
  });
});

describe('the harness records the warm-up it used', () => {
  const settings: LatencySettings = { warmup: 2, steadyWarmup: rule, minQueries: 20, minDurationMs: 0, offlineSamples: 4, offlineBatch: 2 };

  it('SingleStream: the timed queries start after the warm-up and none of the warm-up is timed', async () => {
    const m = syntheticModel((k) => (k < 30 ? 10 - k * 0.3 : 1));
    const r = await singleStream({ samples: 3, runOne: m.runOne }, settings, m.now);
    expect(r.warmup.stop).toBe('steady');
    expect(r.warmup.queries).toBeGreaterThan(30);
    expect(r.latenciesMs.every((ms) => ms === 1)).toBe(true);
    expect(m.queries()).toBe(r.warmup.queries + 20);
  });

  it('interleaved: each model warms up alone until steady, then the fixed queries of both', async () => {
    const clock = fakeClock();
    const e = syntheticModel((k) => (k < 20 ? 4 - k * 0.1 : 1), clock);
    const f = syntheticModel((k) => (k < 60 ? 20 - k * 0.3 : 2), clock);
    const r = await interleavedSingleStream({ samples: 3, runOne: e.runOne }, { samples: 3, runOne: f.runOne }, settings, mulberry32(1), clock.now, 4);
    // Entry: block medians fall through the block of queries 20-23 (the first flat one), then two
    // more flat blocks: 8 blocks; the reference's through queries 60-63: 18 blocks; then 2 fixed
    // queries of each.
    expect(r.entryWarmup).toMatchObject({ queries: 8 * 4 + 2, stop: 'steady' });
    expect(r.referenceWarmup).toMatchObject({ queries: 18 * 4 + 2, stop: 'steady' });
    expect(r.entryMs.every((ms) => ms === 1)).toBe(true);
    expect(r.referenceMs.every((ms) => ms === 2)).toBe(true);
  });
});

describe("the model track's settings", () => {
  const track = (latency: Record<string, unknown>) => parseModelTrack({ inputs: 'x.json', latency }, '/c', (col, msg) => { throw new Error(`${col}: ${msg}`); })!;

  it('by default warm up until steady, with the blocks of at least 250 ms that wait out a tfjs-style plateau', async () => {
    // bench/latency/README.md's DeepLab shape in round numbers: 8 ms a query, 5 ms from 0.4 s
    // (a plateau), 3 ms from 0.9 s.
    const clock = fakeClock();
    const m = syntheticModel(() => (clock.now() < 400 ? 8 : clock.now() < 900 ? 5 : 3), clock);
    const settings = { ...track({ min_queries: 30, min_duration_ms: 0 }).latency };
    const r = await singleStream({ samples: 4, runOne: m.runOne }, settings, m.now);
    expect(r.warmup.stop).toBe('steady');
    // 10 fixed queries (80 ms), then 250 ms blocks: [80, 330) at 8 ms, the next mostly 5 ms
    // (improves), one flat at 5 ms, then one mostly 3 ms (improves) and three flat ones after it.
    expect(r.warmup.ms).toBeGreaterThanOrEqual(900 - 80 + 3 * 250);
    expect(r.latenciesMs.every((ms) => ms === 3)).toBe(true);
    expect(describeWarmup(r.warmup)).toBe(`${r.warmup.queries} warm-up queries (until steady, ${(r.warmup.ms / 1000).toFixed(1)} s)`);
  });

  it('with a count in the yaml run that count and no more', async () => {
    const clock = fakeClock();
    const m = syntheticModel(() => (clock.now() < 400 ? 8 : clock.now() < 900 ? 5 : 3), clock);
    const r = await singleStream({ samples: 4, runOne: m.runOne }, track({ warmup: 10, min_queries: 30, min_duration_ms: 0 }).latency, m.now);
    expect(r.warmup).toEqual({ queries: 10, ms: 0, stop: 'fixed' });
    expect(r.latenciesMs.slice(0, 10).every((ms) => ms === 8)).toBe(true); // timed before it is steady: what the fixed count got wrong
    expect(describeWarmup(r.warmup)).toBe('10 warm-up queries (fixed count)');
  });

  it('the harness floor records its warm-up too', async () => {
    const clock = fakeClock();
    const f = await harnessFloor({ samples: 1, runOne: () => clock.advance(0.004) }, { ...track({ min_queries: 30 }).latency, minDurationMs: 0 }, clock.now);
    // A flat null model: 10 fixed queries, then four blocks of at least 250 ms (62,500 queries each)
    // would pass the 20,000-query cap: the first block fills to the cap, the next would pass it.
    expect(f.warmup).toMatchObject({ queries: 10 + 20_000, stop: 'query cap' });
    expect(warmupHow(f.warmup)).toBe('stopped at the query cap, 0.1 s');
  });
});
