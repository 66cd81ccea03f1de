/**
 * `podium worker` woken by PostgreSQL notifications, not by polling (runs with PODIUM_TEST_DB).
 * The worker's poll is set to 10 minutes, so once it is up only a notification on podium_jobs
 * (sent in the transaction that queues a job, queue.ts) can make it claim a job queued by
 * another process (here the server, scoring nothing itself). Checked:
 * - a submission uploaded to the server is scored by the worker;
 * - the worker's listening connection is terminated (pg_terminate_backend): a submission
 *   uploaded meanwhile is still scored (the every-second poll while it does not listen, or
 *   the catch-up when it listens again), and once it listens again, a new one is scored
 *   through the new connection's notification.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/leaderboard/open-store.js';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import type { Store } from '../../src/leaderboard/store.js';
import { expectScoredOnce, until } from './deployment.js';
import { api, fileForm, makeWorld, register, submissionCsv, TEST_PG, waitFor } from './helpers.js';
import { startWorker, type Running } from './processes.js';

describe.runIf(TEST_PG)('podium worker told of new jobs by PostgreSQL notifications', () => {
  const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }]);
  let server: RunningServer;
  let worker: Running;
  let store: Store;
  let token: string;

  beforeAll(async () => {
    server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 0, bootstrapSamples: 20, log: () => undefined });
    store = await openStore(world.dbPath);
    worker = await startWorker(['--db', world.dbPath, '--storage', world.storage, '--challenges', world.challengesRoot, '--poll', '600']);
    token = await register(server.url, 'ann');
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await server?.close();
    await store?.close();
    world.cleanup();
  });

  const submitAndScore = async (right: (i: number) => boolean) => {
    const r = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv(right)) });
    expect(r.status, r.text).toBe(202);
    expect((await waitFor(server.url, token, r.body.id)).status).toBe('scored');
    await expectScoredOnce(store, r.body.id);
  };
  const listeners = () => store.sql.all<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE application_name = 'podium worker listener' AND datname = current_database()`);

  it('scores a job queued by another process with a 10-minute poll', async () => {
    await submitAndScore((i) => i % 2 === 0);
    expect(worker.output()).not.toContain('listening again');
  });

  it('still picks up jobs after its listening connection is killed, and listens again', async () => {
    const [before] = await listeners();
    expect(before).toBeDefined();
    const killed = await store.sql.get<{ ok: boolean }>('SELECT pg_terminate_backend(?) AS ok', [before!.pid]);
    expect(killed!.ok).toBe(true);
    await submitAndScore((i) => i % 3 === 0);
    // Listening again on a new connection: only its notification can wake the worker now.
    const again = await until(listeners, (rows) => rows.length === 1 && rows[0]!.pid !== before!.pid, 'the worker to listen again', 60_000);
    await until(async () => worker.output(), (out) => out.includes('podium worker listener: listening again'), 'the worker to say it listens again', 60_000);
    await submitAndScore((i) => i % 5 === 0);
    expect((await listeners()).map((r) => r.pid)).toEqual([again[0]!.pid]);
  });
});
