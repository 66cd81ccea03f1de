/**
 * SIGKILL mid-scoring, then restart: every job finishes exactly once. The scoring is held at a
 * gate (PODIUM_TEST_HOLD_SCORING names a file that does not exist) so the kill lands while a
 * job is `scoring`, without any timing assumption.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/leaderboard/open-store.js';
import { api, fileForm, makeWorld, register, submissionCsv, waitFor } from './helpers.js';
import { spawnServe } from './serve-process.js';

describe('podium serve killed with SIGKILL while scoring', () => {
  const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }]);
  afterAll(() => world.cleanup());

  it('re-queues the interrupted job after a restart and scores every submission exactly once', async () => {
    const gate = path.join(world.root, 'gate-never-created');
    const args = ['--db', world.dbPath, '--storage', world.storage, '--challenges', world.challengesRoot, '--workers', '1'];
    const first = await spawnServe(args, { PODIUM_TEST_HOLD_SCORING: gate });
    const token = await register(first.url, 'crash-tester');
    const ids: number[] = [];
    for (let k = 0; k < 3; k++) {
      const r = await api(first.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv((i) => i % (k + 2) === 0)) });
      expect(r.status, r.text).toBe(202);
      ids.push(r.body.id);
    }
    // Wait until a job is claimed and held mid-scoring.
    let scoring: any;
    for (let i = 0; i < 3000 && !scoring; i++) {
      const r = await api(first.url, 'GET', `/api/challenges/toy/submissions`, { token });
      scoring = r.body.submissions.find((s: any) => s.status === 'scoring');
      if (!scoring) await new Promise((res) => setTimeout(res, 20));
    }
    expect(scoring, 'a submission reached status scoring').toBeTruthy();
    expect(await first.stop('SIGKILL')).toBe(null);

    // The database still says `scoring`, under the dead process's lease.
    const before = await openStore(world.dbPath);
    const held = await before.sql.get<any>(`SELECT state, attempts, lease_owner FROM jobs WHERE submission_id = ?`, [scoring.id]);
    await before.close();
    expect(held.state).toBe('running');
    expect(held.attempts).toBe(1);

    const second = await spawnServe(args);
    try {
      for (const id of ids) expect((await waitFor(second.url, token, id)).status).toBe('scored');
    } finally {
      // A clean stop on SIGTERM, as `podium serve` promises.
      expect(await second.stop('SIGTERM')).toBe(0);
    }

    const db = (await openStore(world.dbPath)).sql;
    const jobs = await db.all<any>('SELECT submission_id, state, attempts FROM jobs ORDER BY submission_id');
    expect(jobs.map((j) => j.state)).toEqual(['done', 'done', 'done']);
    expect(jobs.find((j) => j.submission_id === scoring.id).attempts).toBe(2);
    // Exactly one score row per split per submission: nothing lost, nothing doubled.
    const counts = await db.all<any>('SELECT submission_id, split, count(*) AS n FROM scores GROUP BY submission_id, split');
    expect(counts).toHaveLength(ids.length * 3);
    expect(counts.every((c) => c.n === 1)).toBe(true);
    await db.close();
    expect(fs.existsSync(gate)).toBe(false);
  });
});
