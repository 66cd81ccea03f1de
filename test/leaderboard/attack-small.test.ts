/**
 * The smaller holes, each attacked against a real loopback server: select flags that are not
 * booleans, formula cells in admin CSV exports, a weak admin token and guessing it, the
 * session cookie's Secure flag behind HTTPS, a stored file deleted under its submission
 * (a damaged database: attack-database.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, csrfOf, fileForm, makeWorld, register, setCookieValue, submissionCsv, waitFor } from './helpers.js';

const ADMIN = 'admin-token-strong-enough-1234';
const world = makeWorld([{ id: 'toy', limits: { per_day: 50, total: 100 } }]);
let server: RunningServer;
let url: string;

beforeAll(async () => {
  server = await startServer({
    dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, adminToken: ADMIN,
    bootstrapSamples: 20, log: () => undefined, trustProxy: 'loopback',
  });
  url = server.url;
});
afterAll(async () => {
  await server.close();
  world.cleanup();
});

async function scored(token: string, right: (i: number) => boolean, description?: string): Promise<number> {
  const r = await api(url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv(right), 'sub.csv', description) });
  expect(r.status, r.text).toBe(202);
  const s = await waitFor(url, token, r.body.id);
  expect(s.status).toBe('scored');
  return r.body.id;
}

describe('small holes', () => {
  it('selects only on a JSON boolean: "false", other types and non-JSON bodies are refused', async () => {
    const token = await register(url, 'selector');
    const id = await scored(token, (i) => i % 2 === 0);
    const post = (body: string, type: string) => fetch(`${url}/api/submissions/${id}/select`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body,
    });
    for (const [body, type] of [['{"selected": "false"}', 'application/json'], ['{"selected": 0}', 'application/json'],
      ['selected=false', 'application/x-www-form-urlencoded'], ['anything', 'text/plain'], ['[true]', 'application/json']]) {
      const r = await post(body!, type!);
      expect(r.status, body).toBe(400);
    }
    const s = await api(url, 'GET', `/api/submissions/${id}`, { token });
    expect(s.body.selected).toBe(false);
    expect((await post('{"selected": true}', 'application/json')).status).toBe(200);
    expect((await post('{"selected": false}', 'application/json')).status).toBe(200);
    expect((await api(url, 'GET', `/api/submissions/${id}`, { token })).body.selected).toBe(false);
  });

  it('writes formula-looking text cells of admin CSV exports with a leading quote', async () => {
    const evil = await register(url, '=HYPERLINK("http://evil.example","x")');
    await scored(evil, () => true, '@SUM(1+1)*cmd|" /C calc"!A0');
    const subs = await (await fetch(`${url}/api/admin/challenges/toy/submissions.csv`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    expect(subs).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(subs).toContain(`"'@SUM(1+1)*cmd|"" /C calc""!A0"`);
    const board = await (await fetch(`${url}/api/admin/challenges/toy/leaderboard.csv`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    expect(board).toContain(`"'=HYPERLINK(`);
    // No line starts a cell with a bare formula character.
    for (const line of [...subs.split('\n'), ...board.split('\n')]) {
      for (const cell of line.split(',')) expect(/^"?[=+@]/.test(cell), cell).toBe(false);
    }
  });

  it('refuses to start with a weak admin token', async () => {
    await expect(startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, adminToken: 'admin', log: () => undefined }))
      .rejects.toThrow(/PODIUM_ADMIN_TOKEN is too short \(5 characters\); use at least 20/);
  });

  it('marks the session cookie Secure when served over HTTPS (behind a trusted proxy)', async () => {
    const token = await register(url, 'secure');
    const login = async (headers: Record<string, string>) => {
      const form = await fetch(`${url}/login`, { headers });
      const pre = setCookieValue(form, 'podium_presession');
      const origin = headers['x-forwarded-proto'] === 'https' ? url.replace('http:', 'https:') : url;
      const res = await fetch(`${url}/login`, {
        method: 'POST', redirect: 'manual',
        headers: { ...headers, origin, cookie: `podium_presession=${pre}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, _csrf: csrfOf(await form.text()) }).toString(),
      });
      expect(res.status).toBe(303);
      return res.headers.getSetCookie().find((c) => c.startsWith('podium_session='))!;
    };
    expect(await login({ 'x-forwarded-proto': 'https' })).toMatch(/; Secure/);
    expect(await login({})).not.toMatch(/Secure/);
  });

  it("says a deleted stored file is the server's problem, not the participant's invalid file", async () => {
    const token = await register(url, 'lost file');
    const id = await scored(token, (i) => i % 3 === 0);
    const row = (await server.context.store.submission(id))!;
    fs.rmSync(path.join(world.storage, row.stored_path));
    const rescore = await api(url, 'POST', '/api/admin/challenges/toy/rescore', { token: ADMIN });
    expect(rescore.status).toBe(202);
    await server.whenIdle();
    const report = await api(url, 'GET', `/api/admin/rescores/${rescore.body.run_id}`, { token: ADMIN });
    expect(report.body.jobs.failed).toBeGreaterThanOrEqual(1);
    const job = (await server.context.store.sql.get<{ error: string }>(`SELECT error FROM jobs WHERE submission_id = ? AND kind = 'rescore'`, [id]))!;
    expect(job.error).toMatch(/the stored file of this submission is missing on the server/);
    expect(job.error).not.toContain(world.storage);
    // A first scoring whose file vanished while it was queued.
    const p = (await server.context.store.participantByToken(token))!;
    const { submission } = await server.context.store.recordUpload({
      challengeId: 'toy', participantId: p.id, receivedAt: Date.now(), sha256: 'f'.repeat(64), size: 10,
      filename: 'gone.csv', storedPath: path.join('ff', `${'f'.repeat(64)}.csv`), description: '',
    });
    server.context.pool.notify();
    const r = { body: { id: submission.id } };
    const s = await waitFor(url, token, r.body.id);
    expect(s).toMatchObject({ status: 'failed', error_kind: 'error' });
    expect(s.error).toMatch(/the stored file of this submission is missing on the server/);
  });

  // Last: the back-off then holds for this test process's address.
  it('backs off after repeated wrong admin tokens, per address', async () => {
    const attempt = () => fetch(`${url}/api/admin/challenges/toy/submissions.csv`, { headers: { authorization: 'Bearer wrong-guess' } });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await attempt()).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const blocked = await attempt();
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Even the right token waits out the back-off from that address.
    expect((await fetch(`${url}/api/admin/challenges/toy/submissions.csv`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(429);
  });
});
