/**
 * Board reads that do not read the challenge again until it may have changed.
 * On SQLite (db.ts: this connection's writes and SQLite's data_version): a warm read sends no
 * statement but that pragma (one for the reads of an event-loop iteration), and another
 * connection's change is on the board at once.
 * On PostgreSQL (runs with PODIUM_TEST_DB) the server keeps a challenge's record until the
 * database notifies a change (challenge-feed.ts). Checked here:
 * - a warm board read sends no statement through the store (only a `SELECT 1` on the
 *   listening connection, which orders the pending notifications before its answer);
 * - a score stored by this server is on the board at once;
 * - a change made by another process (another connection) is on the next board read;
 * - the listening connection dropped (its backend terminated): board reads ask the database
 *   again, so a change made meanwhile is on the board at once; the feed listens again and
 *   reads go back to asking nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteDatabase } from '../../src/leaderboard/db.js';
import { openStore } from '../../src/leaderboard/open-store.js';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import type { SqlValue } from '../../src/leaderboard/sql.js';
import type { Store } from '../../src/leaderboard/store.js';
import { until } from './deployment.js';
import { api, fileForm, makeWorld, register, submissionCsv, TEST_PG, testClock, waitFor } from './helpers.js';

/** A server with a second store on its database (another process's connections), counting the server's statements. */
function serverAndOther() {
  const world = makeWorld();
  const clock = testClock('2026-06-01T12:00:00Z');
  const t = { world, server: undefined as unknown as RunningServer, other: undefined as unknown as Store, queries: 0 };
  beforeAll(async () => {
    t.server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, clock: clock.now, bootstrapSamples: 20, log: () => undefined });
    const sql = t.server.context.store.sql;
    for (const method of ['get', 'all', 'run'] as const) {
      const original = sql[method].bind(sql) as (q: string, p?: readonly SqlValue[]) => Promise<unknown>;
      (sql as unknown as Record<string, unknown>)[method] = (q: string, p?: readonly SqlValue[]) => {
        t.queries++;
        return original(q, p);
      };
    }
    t.other = await openStore(world.dbPath);
  });
  afterAll(async () => {
    await t.server?.close();
    await t.other?.close();
    world.cleanup();
  });
  return t;
}

describe.skipIf(TEST_PG)('board reads on SQLite: a pragma says whether the challenge changed', () => {
  const t = serverAndOther();
  const board = async () => (await api(t.server.url, 'GET', '/api/challenges/toy/leaderboard')).body.entries as { team: string }[];

  it('answers warm reads without reading the challenge, and shows another connection\'s change at once', async () => {
    const token = await register(t.server.url, 'ann');
    const r = await api(t.server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv((i) => i % 2 !== 0)) });
    expect((await waitFor(t.server.url, token, r.body.id)).status).toBe('scored');
    expect((await board()).map((e) => e.team)).toEqual(['ann']);
    t.queries = 0;
    for (let i = 0; i < 5; i++) await board();
    expect(t.queries).toBe(0);
    const annId = (await t.other.sql.get<{ participant_id: number }>('SELECT participant_id FROM submissions ORDER BY id LIMIT 1'))!.participant_id;
    await t.other.renameTeam('toy', annId, 'ann2');
    expect((await board())[0]!.team).toBe('ann2');
    expect(t.queries).toBeGreaterThan(0);
  });

  it('checks the data version once for all the reads of an event-loop iteration, after each of them asked', async () => {
    const changes = (t.server.context.store.sql as SqliteDatabase).changes;
    const first = changes.caughtUp!();
    expect(changes.caughtUp!()).toBe(first);
    await first;
    const stamp = changes.stamp('toy')!;
    expect(changes.unchangedSince('toy', stamp)).toBe(true);
    const annId = (await t.other.sql.get<{ participant_id: number }>('SELECT participant_id FROM submissions ORDER BY id LIMIT 1'))!.participant_id;
    await t.other.renameTeam('toy', annId, 'ann3');
    // A read that asks after another connection's commit waits for a check made after it asked.
    const next = changes.caughtUp!();
    expect(next).not.toBe(first);
    await next;
    expect(changes.unchangedSince('toy', stamp)).toBe(false);
    expect((await board())[0]!.team).toBe('ann3');
  });
});

describe.runIf(TEST_PG)('board reads told of changes by PostgreSQL notifications', () => {
  const t = serverAndOther();

  const board = async () => {
    const r = await api(t.server.url, 'GET', '/api/challenges/toy/leaderboard');
    expect(r.status, r.text).toBe(200);
    return r.body.entries as { team: string; score: number }[];
  };
  const feed = () => t.server.context.boards.feed!;

  it('answers warm reads from memory, and shows its own scores at once', async () => {
    expect(feed().up).toBe(true);
    const token = await register(t.server.url, 'ann');
    const first = await api(t.server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv((i) => i % 2 !== 0)) });
    expect(first.status, first.text).toBe(202);
    expect((await waitFor(t.server.url, token, first.body.id)).status).toBe('scored');
    // Scored by this server: on the board with no wait for the notification.
    expect((await board()).map((e) => e.team)).toEqual(['ann']);
    expect((await api(t.server.url, 'GET', '/challenges/toy')).status).toBe(200);
    t.queries = 0;
    for (let i = 0; i < 5; i++) await board();
    expect((await api(t.server.url, 'GET', '/challenges/toy')).text).toContain('ann');
    expect(t.queries).toBe(0);
  });

  it("shows another process's change once told, and reads from the database while the feed is down", async () => {
    // Another process renames ann's team: on the next board read (the notification is waited for).
    const annId = (await t.other.sql.get<{ participant_id: number }>(`SELECT participant_id FROM submissions ORDER BY id LIMIT 1`))!.participant_id;
    await t.other.renameTeam('toy', annId, 'ann2');
    expect((await board())[0]!.team).toBe('ann2');
    t.queries = 0;
    await board();
    expect(t.queries).toBe(0);

    // The listening connection is dropped: until it is back, reads go to the database.
    const killed = await t.other.sql.get<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = 'podium serve listener' AND datname = current_database()`);
    expect(killed!.n).toBe(1);
    await until(async () => feed().up, (up) => !up, 'the server to notice the dropped connection', 10_000);
    await t.other.renameTeam('toy', annId, 'ann3');
    t.queries = 0;
    expect((await board())[0]!.team).toBe('ann3');
    expect(t.queries).toBeGreaterThan(0);

    // Listening again: a change made while no one listened is not lost, and warm reads are free again.
    await until(async () => feed().up, (up) => up, 'the feed to listen again', 30_000);
    expect((await board())[0]!.team).toBe('ann3');
    await t.other.renameTeam('toy', annId, 'ann4');
    expect((await board())[0]!.team).toBe('ann4');
    t.queries = 0;
    await board();
    expect(t.queries).toBe(0);
  });
});
