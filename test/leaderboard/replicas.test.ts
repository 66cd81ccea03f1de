/**
 * Two `podium serve` replicas on one PostgreSQL database, scoring in a `podium worker` (runs
 * with PODIUM_TEST_DB): an account made on one replica works on the other, an upload to one is
 * scored by the worker, and each replica's board, already read and kept before the score, shows
 * it on its next read (the board version bumped in the database, told by notification).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, fileForm, makeWorld, register, submissionCsv, TEST_PG, waitFor } from './helpers.js';
import { startWorker, type Running } from './processes.js';
import { spawnServe, type ServeProcess } from './serve-process.js';

describe.runIf(TEST_PG)('podium serve replicas sharing one PostgreSQL', () => {
  const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }]);
  const replicas: ServeProcess[] = [];
  let worker: Running;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      replicas.push(await spawnServe(['--db', world.dbPath, '--storage', world.storage, '--challenges', world.challengesRoot, '--workers', '0']));
    }
    worker = await startWorker(['--db', world.dbPath, '--storage', world.storage, '--challenges', world.challengesRoot]);
  });
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    for (const r of replicas) await r.stop();
    world.cleanup();
  });

  const board = async (url: string) => {
    const r = await api(url, 'GET', '/api/challenges/toy/leaderboard');
    expect(r.status, r.text).toBe(200);
    return (r.body.entries as { team: string; score: number }[]).map((e) => [e.team, e.score]);
  };

  it('share accounts, uploads and boards: a score stored by the worker is on both boards at the next read', async () => {
    const [a, b] = replicas as [ServeProcess, ServeProcess];
    expect(await board(a.url)).toEqual([]);
    expect(await board(b.url)).toEqual([]);

    const token = await register(a.url, 'on-replica-a');
    const up = await api(b.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv((i) => i % 3 !== 0)) });
    expect(up.status, up.text).toBe(202);
    const done = await waitFor(a.url, token, up.body.id);
    expect(done.status, done.error).toBe('scored');
    const expected = [['on-replica-a', done.scores.public.top1_error]];
    expect(await board(a.url)).toEqual(expected);
    expect(await board(b.url)).toEqual(expected);
  });
});
