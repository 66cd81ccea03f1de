/**
 * Services going away mid-run, on PostgreSQL with submission files in S3 (runs with
 * PODIUM_TEST_DB; needs root: the database here is a PostgreSQL server of this test's own, run
 * as the postgres user, since the shared test server is never stopped):
 * - the database stopped while one job is being scored and another is queued: uploads and
 *   boards answer 503 with Retry-After and store nothing; the result finished meanwhile is
 *   stored once the database is back (tried again with back-off); every acknowledged
 *   submission ends scored exactly once, and the refused upload left no row;
 * - the object store killed (kill -9 of the S3 server) while a job is held and another queued:
 *   uploads answer 503 and store nothing; the queued job cannot fetch its file and goes back
 *   to the queue without using up its attempts; a new S3 server on the same folder and port
 *   brings everything back, each submission scored exactly once.
 * Scoring is held at a gate file (PODIUM_TEST_HOLD_SCORING), so each outage lands mid-job
 * without timing assumptions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/leaderboard/open-store.js';
import type { Store } from '../../src/leaderboard/store.js';
import { expectScoredOnce, until } from './deployment.js';
import { api, fileForm, makeWorld, register, submissionCsv, TEST_PG, waitFor } from './helpers.js';
import { freePort, startCluster, type Cluster } from './pg-cluster.js';
import { S3_BUCKET, startS3, type Running } from './processes.js';
import { spawnServe, type ServeProcess } from './serve-process.js';

describe.runIf(TEST_PG)('a database or object store that goes away mid-run', () => {
  const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z', limits: { per_day: 50 } }]);
  const s3Dir = path.join(world.root, 's3');
  let s3Port: number;
  let s3: Running & { env: NodeJS.ProcessEnv };
  let cluster: Cluster;
  let server: ServeProcess | undefined;
  let store: Store;

  beforeAll(async () => {
    cluster = await startCluster();
    s3Port = await freePort();
    s3 = await startS3(s3Dir, '127.0.0.1', s3Port);
    store = await openStore(cluster.url);
  });
  afterAll(async () => {
    await server?.stop();
    await store?.close();
    await s3?.stop('SIGKILL');
    cluster?.remove();
    world.cleanup();
  });

  /** A server on this test's database and bucket whose scoring waits for `gate` to exist. */
  const serve = async (gate: string) => {
    await server?.stop();
    server = await spawnServe(['--db', cluster.url, '--storage', `s3://${S3_BUCKET}/outage`, '--challenges', world.challengesRoot, '--workers', '1'],
      { ...s3.env, PODIUM_TEST_HOLD_SCORING: gate });
    return server;
  };
  const upload = (url: string, token: string, k: number) =>
    api(url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv((i) => i % (k + 2) !== 0)) });
  const accept = async (url: string, token: string, k: number) => {
    const r = await upload(url, token, k);
    expect(r.status, r.text).toBe(202);
    return r.body.id as number;
  };
  const jobOf = async (id: number) =>
    (await store.sql.get<{ state: string; attempts: number }>('SELECT state, attempts FROM jobs WHERE submission_id = ? ORDER BY id DESC', [id]))!;
  const submissionIds = async () => (await store.sql.all<{ id: number }>('SELECT id FROM submissions ORDER BY id')).map((r) => r.id);

  it('the database stops for a few seconds: 503s meanwhile, nothing acknowledged is lost or scored twice', async () => {
    const gate = path.join(world.root, 'gate-db');
    const { url } = await serve(gate);
    const token = await register(url, 'patient');
    const held = await accept(url, token, 0);
    await until(() => jobOf(held), (j) => j.state === 'running', 'the first job to be claimed');
    const queued = await accept(url, token, 1);
    const before = await submissionIds();

    cluster.stop();
    const refused = await upload(url, token, 2);
    expect(refused.status, refused.text).toBe(503);
    expect(refused.body.error).toMatch(/database cannot be reached right now; nothing was changed/);
    expect(refused.headers.get('retry-after')).toBe('5');
    const board = await api(url, 'GET', '/api/challenges/toy/leaderboard');
    expect(board.status).toBe(503);
    // The held job finishes while the database is down: its result cannot be stored.
    fs.writeFileSync(gate, '');
    await until(async () => server!.stderr(), (e) => /job \d+: its result could not be stored/.test(e), 'the held result to meet the outage');
    cluster.start();

    const again = await until(() => upload(url, token, 3), (r) => r.status !== 503, 'the server to reach the database again');
    expect(again.status, again.text).toBe(202);
    for (const id of [held, queued, again.body.id as number]) {
      expect((await waitFor(url, token, id)).status).toBe('scored');
      await expectScoredOnce(store, id);
    }
    // The refused upload left no row.
    expect(await submissionIds()).toEqual([...before, again.body.id]);
    expect((await jobOf(held)).state).toBe('done');
  });

  it('the object store is killed: 503s meanwhile, the queued job waits without using up its attempts, then all is scored once', async () => {
    const gate = path.join(world.root, 'gate-s3');
    const { url } = await serve(gate);
    const token = await register(url, 'stored');
    const held = await accept(url, token, 4);
    await until(() => jobOf(held), (j) => j.state === 'running', 'the first job to be claimed');
    const queued = await accept(url, token, 5);
    const before = await submissionIds();

    expect(await s3.stop('SIGKILL')).toBeNull();
    const refused = await upload(url, token, 6);
    expect(refused.status, refused.text).toBe(503);
    expect(refused.body.error).toMatch(/storage cannot be reached right now; nothing was stored/);
    expect(refused.headers.get('retry-after')).toBe('5');
    // The held job already has its file; the queued one cannot fetch its own and is put back.
    fs.writeFileSync(gate, '');
    expect((await waitFor(url, token, held)).status).toBe('scored');
    await until(async () => server!.stderr(), (e) => /could not be read from storage/.test(e), 'the queued job to meet the outage');

    s3 = await startS3(s3Dir, '127.0.0.1', s3Port);
    const again = await until(() => upload(url, token, 7), (r) => r.status !== 503, 'the server to reach the object store again');
    expect(again.status, again.text).toBe(202);
    for (const id of [held, queued, again.body.id as number]) {
      expect((await waitFor(url, token, id)).status).toBe('scored');
      await expectScoredOnce(store, id);
    }
    expect(await jobOf(queued)).toMatchObject({ state: 'done', attempts: 1 });
    expect(await submissionIds()).toEqual([...before, again.body.id]);
  });
});
