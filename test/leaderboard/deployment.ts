/**
 * What the multi-process PostgreSQL tests (shard-workers, faults, outage) share: waiting for a
 * state of the deployment, the pid in a worker's lease owner, and the exactly-once check of a
 * submission's score rows.
 */
import { expect } from 'vitest';
import type { Store } from '../../src/leaderboard/store.js';
import type { Running } from './processes.js';

/** Reads until `ok` holds (every 100 ms), failing after `ms` with what it last read. */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pid in the lease owner a `podium worker` printed when it was ready (host|pid|nonce|n). */
export function ownerPid(w: Running): string {
  return /owner [^|]+\|(\d+)\|/.exec(w.output())![1]!;
}

/** One current score row per split and no other: scored once, never twice. */
export async function expectScoredOnce(store: Store, submissionId: number): Promise<void> {
  const rows = await store.sql.all<{ split: string; current: number; n: number }>(
    'SELECT split, current, count(*) AS n FROM scores WHERE submission_id = ? GROUP BY split, current ORDER BY split', [submissionId]);
  expect(rows).toEqual([{ split: 'all', current: 1, n: 1 }, { split: 'private', current: 1, n: 1 }, { split: 'public', current: 1, n: 1 }]);
}
