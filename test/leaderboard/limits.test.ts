/** Submission limits: per UTC day and in total, size, phase dates, pause; invalid and failed files cost nothing. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, fileForm, makeWorld, register, submissionCsv, testClock, waitFor } from './helpers.js';

const world = makeWorld([
  { id: 'toy', limits: { per_day: 3, total: 4, max_upload_mb: 0.01 } },
  { id: 'later', start: '2026-09-01T00:00:00Z', end: '2026-10-01T00:00:00Z' },
]);
const clock = testClock('2026-06-01T23:00:00Z');
let server: RunningServer;
let url: string;
let token: string;

beforeAll(async () => {
  server = await startServer({
    dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, adminToken: 'adm-token-of-twenty-chars',
    clock: clock.now, bootstrapSamples: 50, log: () => undefined,
  });
  url = server.url;
  token = await register(url, 'lim');
});
afterAll(async () => {
  await server.close();
  world.cleanup();
});

const valid = (k: number) => submissionCsv((i) => i % (k + 2) === 0);
const post = (csv: string, name = 'sub.csv') => api(url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(csv, name) });

describe('limits', () => {
  it('does not count invalid files, then stops at the daily limit with the reset time', async () => {
    for (let k = 0; k < 2; k++) expect((await post('id,predicted\nnope,ant\n')).status).toBe(400);
    const accepted: number[] = [];
    for (let k = 0; k < 3; k++) {
      const r = await post(valid(k));
      expect(r.status, r.text).toBe(202);
      accepted.push(r.body.id);
    }
    const over = await post(valid(9));
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ limit: 'per_day', used: 3, allowed: 3, resets_at: '2026-06-02T00:00:00.000Z' });
    expect(over.headers.get('retry-after')).toBe('3600');
    for (const id of accepted) await waitFor(url, token, id);
  });

  it('gives quota back for a submission whose scoring failed', async () => {
    const mine = await api(url, 'GET', '/api/challenges/toy/submissions', { token });
    const id = mine.body.submissions[0].id;
    await server.context.store.sql.run(`UPDATE submissions SET status = 'failed', error = 'scoring failed: test' WHERE id = ?`, [id]);
    const r = await post(valid(5));
    expect(r.status, r.text).toBe(202);
    await waitFor(url, token, r.body.id);
    expect((await post(valid(6))).status).toBe(429);
  });

  it('resets at UTC midnight and stops at the total limit', async () => {
    clock.set('2026-06-02T00:00:01Z');
    const a = await post(valid(7));
    expect(a.status).toBe(202);
    await waitFor(url, token, a.body.id);
    const b = await post(valid(8));
    expect(b.status).toBe(429);
    expect(b.body).toMatchObject({ limit: 'total', allowed: 4, resets_at: null });
  });

  it('refuses a file over the size limit with the limit in the message, storing nothing', async () => {
    const other = await register(url, 'big');
    const big = 'x'.repeat(20 * 1024);
    const r = await api(url, 'POST', '/api/challenges/toy/submissions', { token: other, form: fileForm(big) });
    expect(r.status).toBe(413);
    expect(r.body.error).toMatch(/larger than this challenge's limit of 10\.2 KB/);
    const tmp = path.join(world.storage, 'tmp');
    expect(fs.existsSync(tmp) ? fs.readdirSync(tmp) : []).toEqual([]);
    const mine = await api(url, 'GET', '/api/challenges/toy/submissions', { token: other });
    expect(mine.body.submissions).toEqual([]);
  });

  it('explains a missing file field, a closed phase and a paused challenge', async () => {
    const form = new FormData();
    form.append('description', 'no file');
    const fresh = await register(url, 'fresh');
    const none = await api(url, 'POST', '/api/challenges/toy/submissions', { token: fresh, form });
    expect(none.status).toBe(400);
    expect(none.body.error).toMatch(/no `file` field/);
    const early = await api(url, 'POST', '/api/challenges/later/submissions', { token, form: fileForm(valid(1)) });
    expect(early.status).toBe(403);
    expect(early.body.error).toMatch(/opens for submissions at 2026-09-01/);
    expect((await api(url, 'POST', '/api/admin/challenges/later/pause', { token: 'adm-token-of-twenty-chars', json: { paused: true } })).status).toBe(200);
    const paused = await api(url, 'POST', '/api/challenges/later/submissions', { token, form: fileForm(valid(1)) });
    expect(paused.status).toBe(503);
    expect(paused.body.error).toMatch(/paused/);
    expect((await api(url, 'GET', '/api/challenges')).body.challenges.find((c: any) => c.id === 'later').state).toBe('paused');
  });
});
