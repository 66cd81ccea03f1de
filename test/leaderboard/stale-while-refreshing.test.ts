/**
 * Boards.cachedFor (stale-while-revalidate): once the value is older than its window, callers
 * keep getting the last finished value while the next one is made, and only then the new one; a
 * failed refresh keeps the last value and is tried again; the very first call waits. A page that shows such a value
 * is encoded again when the value is redrawn (`cached`'s input), not only when the board moves.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Boards } from '../../src/leaderboard/board.js';
import type { ChallengeRecord, Store } from '../../src/leaderboard/store.js';

/** A challenge record as far as the cache reads it: its id and board version. */
const record = (version: number) => ({ id: 'toy', board_version: version }) as unknown as ChallengeRecord;

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Whether `p` has settled once pending callbacks have run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  await flush();
  return done;
}

let now = 1_000_000;
afterEach(() => vi.restoreAllMocks());

describe('cachedFor while refreshing', () => {
  const boards = () => {
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    return new Boards({} as Store);
  };

  it('serves the last value while the next is made, then the next', async () => {
    const b = boards();
    expect(await b.cachedFor(5000, record(1), 'chart', () => 'first')).toBe('first');
    now += 6000;
    const next = deferred<string>();
    const compute = vi.fn(() => next.promise);
    expect(await b.cachedFor(5000, record(2), 'chart', compute)).toBe('first');
    expect(await b.cachedFor(5000, record(2), 'chart', compute)).toBe('first');
    expect(compute).toHaveBeenCalledTimes(1);
    next.resolve('second');
    await settled(next.promise);
    expect(await b.cachedFor(5000, record(2), 'chart', compute)).toBe('second');
  });

  it('the first call, with no value yet, waits for it', async () => {
    const b = boards();
    const first = deferred<string>();
    const call = b.cachedFor(5000, record(1), 'chart', () => first.promise);
    expect(await settled(call)).toBe(false);
    first.resolve('first');
    expect(await call).toBe('first');
  });

  it('a failed refresh keeps the last value and is tried again on the next call', async () => {
    const b = boards();
    expect(await b.cachedFor(5000, record(1), 'chart', () => 'first')).toBe('first');
    now += 6000;
    const failing = deferred<string>();
    expect(await b.cachedFor(5000, record(2), 'chart', () => failing.promise)).toBe('first');
    failing.reject(new Error('read failed'));
    await settled(failing.promise);
    const retry = vi.fn(() => 'third');
    expect(await b.cachedFor(5000, record(3), 'chart', retry)).toBe('first');
    expect(retry).toHaveBeenCalledTimes(1);
    await flush();
    expect(await b.cachedFor(5000, record(3), 'chart', retry)).toBe('third');
  });
});

describe('cached with an input', () => {
  it('is made again when the input is another object, even at the same board version', async () => {
    const b = new Boards({} as Store);
    const chartA = {};
    const chartB = {};
    const encode = vi.fn((chart: object) => (chart === chartA ? 'page with A' : 'page with B'));
    expect(await b.cached(record(7), 'page', () => encode(chartA), chartA)).toBe('page with A');
    expect(await b.cached(record(7), 'page', () => encode(chartA), chartA)).toBe('page with A');
    expect(encode).toHaveBeenCalledTimes(1);
    expect(await b.cached(record(7), 'page', () => encode(chartB), chartB)).toBe('page with B');
    expect(encode).toHaveBeenCalledTimes(2);
  });
});

describe('cached with an input that may lag', () => {
  it('serves the value of the last input while the new one is made, at the same board version only', async () => {
    const b = new Boards({} as Store);
    const chartA = {};
    const chartB = {};
    const chartC = {};
    expect(await b.cached(record(7), 'page', () => 'page with A', chartA, true)).toBe('page with A');
    const withB = deferred<string>();
    const encodeB = vi.fn(() => withB.promise);
    // A redrawn chart, same board: the page with A until the page with B is made, made once.
    expect(await b.cached(record(7), 'page', encodeB, chartB, true)).toBe('page with A');
    expect(await b.cached(record(7), 'page', encodeB, chartB, true)).toBe('page with A');
    expect(encodeB).toHaveBeenCalledTimes(1);
    withB.resolve('page with B');
    await settled(withB.promise);
    expect(await b.cached(record(7), 'page', encodeB, chartB, true)).toBe('page with B');
    // A new board version is waited for, whatever the chart.
    const atEight = deferred<string>();
    const call = b.cached(record(8), 'page', () => atEight.promise, chartC, true);
    expect(await settled(call)).toBe(false);
    atEight.resolve('board 8 with C');
    expect(await call).toBe('board 8 with C');
    // Without the flag a new input is waited for too (as 'cached with an input' above).
    const withA = deferred<string>();
    const strict = b.cached(record(8), 'page', () => withA.promise, chartA);
    expect(await settled(strict)).toBe(false);
    withA.resolve('board 8 with A');
    expect(await strict).toBe('board 8 with A');
  });
});
