/**
 * Faults of a deployment on PostgreSQL (runs with PODIUM_TEST_DB; needs root for `ip netns`):
 * - two `podium worker`s on two "hosts" (network namespaces joined by veth); kill -9 the one
 *   scoring a job: the other finishes it, exactly once;
 * - cut the link of the host scoring a job: its lease expires, the job is scored elsewhere, and
 *   the cut-off worker's late result is discarded when its link comes back;
 * Scoring is held at a gate file (PODIUM_TEST_HOLD_SCORING) so each fault lands mid-job
 * without timing assumptions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/leaderboard/open-store.js';
import type { Store } from '../../src/leaderboard/store.js';
import { expectScoredOnce, ownerPid, until } from './deployment.js';
import { api, fileForm, makeWorld, register, submissionCsv, TEST_PG, waitFor } from './helpers.js';
import { makeHosts, relay, type Host } from './netns.js';
import { startWorker, type Running } from './processes.js';
import { spawnServe, type ServeProcess } from './serve-process.js';

describe.runIf(TEST_PG)('scoring across hosts on PostgreSQL, under faults', () => {
  const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z', limits: { per_day: 50 } }]);
  let net: ReturnType<typeof makeHosts>;
  let hostA: Host;
  let hostB: Host;
  let pgRelay: Awaited<ReturnType<typeof relay>>;
  let server: ServeProcess;
  let store: Store;
  let token: string;
  const running: Running[] = [];

  /** The database URL as a namespaced host reaches it: through the relay on its gateway. */
  const dbFrom = (h: Host) => {
    const u = new URL(world.dbPath);
    u.hostname = h.gateway;
    u.port = String(pgRelay.port);
    return u.toString();
  };
  const worker = async (h: Host, gate?: string) => {
    const w = await startWorker(['--db', dbFrom(h), '--storage', world.storage, '--challenges', world.challengesRoot, '--lease', '3', '--grace', '5'],
      gate ? { PODIUM_TEST_HOLD_SCORING: gate } : {}, h.exec);
    running.push(w);
    return w;
  };
  const job = async (submissionId: number) =>
    (await store.sql.get<{ state: string; attempts: number; lease_owner: string | null }>('SELECT state, attempts, lease_owner FROM jobs WHERE submission_id = ?', [submissionId]))!;
  const upload = async (k: number) => {
    const r = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv((i) => i % (k + 2) !== 0)) });
    expect(r.status, r.text).toBe(202);
    return r.body.id as number;
  };

  beforeAll(async () => {
    net = makeHosts(2);
    [hostA, hostB] = net.hosts as [Host, Host];
    pgRelay = await relay(Number(new URL(TEST_PG!).port || 5432));
    server = await spawnServe(['--db', world.dbPath, '--storage', world.storage, '--challenges', world.challengesRoot, '--workers', '0']);
    store = await openStore(world.dbPath);
    token = await register(server.url, 'faulty');
  });
  afterAll(async () => {
    for (const w of running) await w.stop('SIGKILL');
    await server?.stop();
    await store?.close();
    await pgRelay?.close();
    net?.remove();
    world.cleanup();
  });

  it('kill -9 of the worker scoring a job: the worker on the other host finishes it, exactly once', async () => {
    const a = await worker(hostA, path.join(world.root, 'gate-a-never'));
    const id = await upload(0);
    await until(() => job(id), (j) => j.state === 'running' && j.lease_owner?.includes(`|${ownerPid(a)}|`) === true, 'host A to claim the job');
    const b = await worker(hostB);
    expect(await a.stop('SIGKILL')).toBeNull();
    const done = await waitFor(server.url, token, id);
    expect(done.status).toBe('scored');
    expect(await job(id)).toMatchObject({ state: 'done', attempts: 2 });
    await expectScoredOnce(store, id);
    expect(await b.stop('SIGTERM')).toBe(0);
  });

  it('a cut link: the lease expires, another host scores the job, the cut-off result is discarded', async () => {
    const gate = path.join(world.root, 'gate-a2');
    const a = await worker(hostA, gate);
    const id = await upload(1);
    await until(() => job(id), (j) => j.state === 'running' && j.lease_owner?.includes(`|${ownerPid(a)}|`) === true, 'host A to claim the job');
    hostA.cut();
    const b = await worker(hostB);
    const done = await waitFor(server.url, token, id);
    expect(done.status).toBe('scored');
    expect(await job(id)).toMatchObject({ state: 'done', attempts: 2 });
    // Host A comes back and finishes its copy of the work: too late, nothing is written twice.
    hostA.restore();
    fs.writeFileSync(gate, '');
    await until(async () => a.output(), (o) => /lease lost before it finished \([\d.]+ s after it was handed to a scoring thread\); its result was discarded/.test(o), "host A's late result to be refused");
    await expectScoredOnce(store, id);
    expect(await job(id)).toMatchObject({ state: 'done', attempts: 2 });
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(await b.stop('SIGTERM')).toBe(0);
  });
});
