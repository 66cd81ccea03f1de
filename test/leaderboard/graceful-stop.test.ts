/**
 * A `podium worker` stopped with SIGTERM (a deploy, a restart) gives its unfinished job back to
 * the queue: that is not the job losing its worker, so it must not count towards the attempts
 * after which a job is failed. Two graceful stops and then one kill -9 mid-job: the job is
 * scored, once. Scoring is held at a gate file (PODIUM_TEST_HOLD_SCORING) so every stop lands
 * mid-job without timing assumptions. Runs on SQLite, and on PostgreSQL with PODIUM_TEST_DB.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/leaderboard/open-store.js';
import type { Store } from '../../src/leaderboard/store.js';
import { expectScoredOnce, ownerPid, until } from './deployment.js';
import { api, fileForm, makeWorld, register, submissionCsv, waitFor } from './helpers.js';
import { startWorker, type Running } from './processes.js';
import { spawnServe, type ServeProcess } from './serve-process.js';

describe('podium worker stopped gracefully mid-job', () => {
  const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }]);
  const gate = path.join(world.root, 'gate-never-created');
  let server: ServeProcess;
  let store: Store;
  const running: Running[] = [];

  beforeAll(async () => {
    server = await spawnServe(['--db', world.dbPath, '--storage', world.storage, '--challenges', world.challengesRoot, '--workers', '0']);
    store = await openStore(world.dbPath);
  });
  afterAll(async () => {
    for (const w of running) await w.stop('SIGKILL');
    await server?.stop();
    await store?.close();
    world.cleanup();
  });

  const worker = async (held: boolean) => {
    const w = await startWorker(['--db', world.dbPath, '--storage', world.storage, '--challenges', world.challengesRoot, '--lease', '3', '--grace', '0'],
      held ? { PODIUM_TEST_HOLD_SCORING: gate } : {});
    running.push(w);
    return w;
  };
  const job = async (submissionId: number) =>
    (await store.sql.get<{ state: string; attempts: number; lease_owner: string | null; error: string | null }>(
      'SELECT state, attempts, lease_owner, error FROM jobs WHERE submission_id = ?', [submissionId]))!;
  const claimedBy = (id: number, w: Running) =>
    until(() => job(id), (j) => j.state === 'running' && j.lease_owner?.includes(`|${ownerPid(w)}|`) === true, 'the worker to claim the job');

  it('does not count as an attempt: two SIGTERMs and a kill -9 leave the job to be scored once', async () => {
    const token = await register(server.url, 'deployed-twice');
    const r = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv((i) => i % 3 !== 0)) });
    expect(r.status, r.text).toBe(202);
    const id = r.body.id as number;

    for (let stop = 0; stop < 2; stop++) {
      const w = await worker(true);
      await claimedBy(id, w);
      expect(await w.stop('SIGTERM')).toBe(0);
      expect(w.output()).toContain('1 job given back to the queue');
      expect(await job(id)).toMatchObject({ state: 'queued', attempts: 0, lease_owner: null, error: 'the server stopped' });
    }

    const crashing = await worker(true);
    await claimedBy(id, crashing);
    expect(await crashing.stop('SIGKILL')).toBeNull();

    await worker(false);
    const done = await waitFor(server.url, token, id);
    expect(done.status, done.error).toBe('scored');
    expect(await job(id)).toMatchObject({ state: 'done', attempts: 2 });
    await expectScoredOnce(store, id);
  });
});
