/**
 * The admin page behind the admin token: the challenges with their state and load errors,
 * pause/resume, rescore with the report of what moved, disqualify with a reason, exports, token
 * reset, and reloading the definitions without a restart (a new folder becomes a challenge, a
 * fixed one comes back).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, csrfOf, fileForm, makeWorld, register, setCookieValue, submissionCsv, waitFor } from './helpers.js';

const world = makeWorld([{ id: 'toy', start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }, { id: 'later', start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }]);
const ADMIN = 'the-admin-token-of-the-admin-page-test';
let server: RunningServer;
let token: string;
let submissionId: number;

/** A browser-like visitor: keeps its cookies, sends same-origin forms with the page's CSRF token. */
class Visitor {
  cookies = new Map<string, string>();
  csrf = '';
  get cookie() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  private keep(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [k, v] = pair!.split('=');
      if (line.includes('Max-Age=0')) this.cookies.delete(k!);
      else this.cookies.set(k!, v!);
    }
  }
  async get(p: string): Promise<{ status: number; text: string }> {
    const res = await fetch(server.url + p, { headers: { cookie: this.cookie }, redirect: 'manual' });
    this.keep(res);
    const text = await res.text();
    if (/name="_csrf"/.test(text)) this.csrf = csrfOf(text);
    return { status: res.status, text };
  }
  async post(p: string, fields: Record<string, string> = {}): Promise<{ status: number; text: string; location: string | null }> {
    const res = await fetch(server.url + p, {
      method: 'POST', redirect: 'manual',
      headers: { cookie: this.cookie, origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, _csrf: this.csrf }).toString(),
    });
    this.keep(res);
    const text = await res.text();
    if (/name="_csrf"/.test(text)) this.csrf = csrfOf(text);
    return { status: res.status, text, location: res.headers.get('location') };
  }
}

async function signedInAdmin(): Promise<Visitor> {
  const v = new Visitor();
  await v.get('/admin');
  const r = await v.post('/admin/login', { token: ADMIN });
  expect(r.status).toBe(303);
  await v.get('/admin');
  return v;
}

beforeAll(async () => {
  // A folder whose definition is broken: not served, and the page says why.
  const broken = path.join(world.challengesRoot, 'broken');
  fs.mkdirSync(broken);
  fs.writeFileSync(path.join(broken, 'challenge.yaml'), fs.readFileSync(path.join(world.challengesRoot, 'toy', 'challenge.yaml'), 'utf8')
    .replace('id: toy', 'id: broken').replace('truth: solution.csv', 'truth: missing.csv'));
  // A challenge added after the start: its folder is set aside until the test moves it in.
  fs.renameSync(path.join(world.challengesRoot, 'later'), path.join(world.root, 'later'));
  server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, bootstrapSamples: 20, adminToken: ADMIN, log: () => undefined });
  token = await register(server.url, 'Board Member');
  const r = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv((i) => i % 2 === 0)) });
  submissionId = r.body.id;
  await waitFor(server.url, token, submissionId);
});
afterAll(async () => {
  await server?.close();
  world.cleanup();
});

describe('the admin page', () => {
  it('asks for the admin token, refuses a wrong one, and never puts the token in a cookie', async () => {
    const v = new Visitor();
    const login = await v.get('/admin');
    expect(login.text).toContain('id="admin-login"');
    const wrong = await v.post('/admin/login', { token: 'not-the-admin-token-at-all' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('That is not the admin token.');
    expect((await v.post('/admin/reload')).status).toBe(401);
    const ok = await v.post('/admin/login', { token: ADMIN });
    expect(ok.status).toBe(303);
    expect(v.cookie).toContain('podium_admin=');
    expect(v.cookie).not.toContain(ADMIN);
    expect((await v.get('/admin')).text).toContain('<h1>Admin</h1>');
    // A participant's session is no admin cookie.
    const participant = new Visitor();
    participant.cookies.set('podium_admin', `${Date.now() + 60_000}.forged`);
    expect((await participant.get('/admin')).text).toContain('id="admin-login"');
  });

  it('lists the challenges with state and counts, and the folders not served with the reason', async () => {
    const v = await signedInAdmin();
    const page = (await v.get('/admin')).text;
    expect(page).toMatch(/<tr data-challenge="toy">[\s\S]*?<td class="state-open">open<\/td>\s*<td class="num">1<\/td>/);
    expect(page).toMatch(/<li><strong>broken<\/strong>: [^<]*missing\.csv/);
    expect(page).not.toContain('data-challenge="later"');
    // The same through the admin API.
    const json = await api(server.url, 'GET', '/api/admin/challenges', { token: ADMIN });
    expect(json.body.challenges.map((c: { id: string }) => c.id)).toEqual(['toy']);
    expect(json.body.challenges[0]).toMatchObject({ state: 'open', submissions: 1, queued: 0, failed: 0, outdated: 0 });
    expect(json.body.skipped).toEqual([{ id: 'broken', reason: expect.stringContaining('missing.csv') }]);
  });

  it('pauses and resumes a challenge', async () => {
    const v = await signedInAdmin();
    const paused = await v.post('/admin/challenges/toy/pause', { paused: '1' });
    expect(paused.status).toBe(303);
    expect((await v.get(paused.location!)).text).toContain('toy paused');
    expect((await api(server.url, 'GET', '/api/challenges/toy')).body.state).toBe('paused');
    expect((await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv(() => true)) })).status).toBe(503);
    await v.post('/admin/challenges/toy/pause', { paused: '0' });
    expect((await api(server.url, 'GET', '/api/challenges/toy')).body.state).toBe('open');
  });

  it('rescores and shows the report', async () => {
    const v = await signedInAdmin();
    const started = await v.post('/admin/challenges/toy/rescore');
    expect(started.status).toBe(303);
    expect(started.location).toMatch(/^\/admin\/rescores\/\d+$/);
    await server.whenIdle();
    const report = (await v.get(started.location!)).text;
    expect(report).toContain('Finished.');
    expect(report).toContain('1 done, 0 failed');
    // Same evaluator, same file: nothing moved.
    expect(report).toContain('0 scores changed');
    expect(report).toContain('public board: 0 teams moved');
  });

  it('exports the boards and submissions as CSV', async () => {
    const v = await signedInAdmin();
    const res = await fetch(`${server.url}/admin/challenges/toy/submissions.csv`, { headers: { cookie: v.cookie } });
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toMatch(/^id,team,participant,created_at,status/);
    expect(lines[1]).toMatch(new RegExp(`^${submissionId},Board Member,Board Member,`));
    const priv = await fetch(`${server.url}/admin/challenges/toy/leaderboard.csv?split=private`, { headers: { cookie: v.cookie } });
    expect(priv.status).toBe(200);
    expect(await priv.text()).toMatch(/^rank,tied,team,baseline,score,ci_low,ci_high,submission_id,submitted_at,entries,evaluator_version,public_rank,rank_change\n1,/);
    expect((await fetch(`${server.url}/admin/challenges/toy/submissions.csv`)).status).toBe(401);
  });

  it('resets a participant token by email', async () => {
    const v = await signedInAdmin();
    const old = await register(server.url, 'Lost Token');
    const r = await v.post('/admin/token', { email: 'losttoken@EXAMPLE.org' });
    expect(r.status).toBe(200);
    const fresh = /<div class="notice ok" id="new-token">[\s\S]*?<p class="token">([^<]+)<\/p>/.exec(r.text)![1]!;
    expect((await api(server.url, 'GET', '/api/me', { token: old })).status).toBe(401);
    expect((await api(server.url, 'GET', '/api/me', { token: fresh })).status).toBe(200);
    expect((await v.post('/admin/token', { email: 'nobody@example.org' })).text).toContain('no participant with the email nobody@example.org');
  });

  it('reloads the definitions without a restart: a new challenge appears, a fixed one comes back', async () => {
    const v = await signedInAdmin();
    fs.renameSync(path.join(world.root, 'later'), path.join(world.challengesRoot, 'later'));
    fs.copyFileSync(path.join(world.challengesRoot, 'toy', 'solution.csv'), path.join(world.challengesRoot, 'broken', 'missing.csv'));
    expect((await fetch(`${server.url}/challenges/later`)).status).toBe(404);
    const r = await v.post('/admin/reload');
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/id="reload-report">Loaded 3: broken, later, toy\. Added: broken, later\./);
    expect(r.text).toContain('Every challenge folder loaded.');
    expect((await fetch(`${server.url}/challenges/later`)).status).toBe(200);
    const later = await register(server.url, 'Late Comer');
    const up = await api(server.url, 'POST', '/api/challenges/later/submissions', { token: later, form: fileForm(submissionCsv(() => true)) });
    expect(up.status, up.text).toBe(202);
    expect((await waitFor(server.url, later, up.body.id)).status).toBe('scored');
  });

  it('disqualifies a submission with a reason the team sees', async () => {
    const v = await signedInAdmin();
    const refused = await v.post('/admin/disqualify', { kind: 'submission', id: String(submissionId), reason: '' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('give a reason');
    const r = await v.post('/admin/disqualify', { kind: 'submission', id: String(submissionId), reason: 'hand-labelled test rows' });
    expect(r.status).toBe(303);
    expect((await api(server.url, 'GET', '/api/challenges/toy/leaderboard')).body.entries).toHaveLength(0);
    const mine = await api(server.url, 'GET', `/api/submissions/${submissionId}`, { token });
    expect(mine.body).toMatchObject({ disqualified: true, disqualified_reason: 'hand-labelled test rows' });
  });
});

it('says the admin page is off without an admin token', async () => {
  const other = await startServer({ dbPath: path.join(world.root, 'other.sqlite'), challengesRoot: world.challengesRoot, port: 0, workers: 1, log: () => undefined });
  try {
    const res = await fetch(`${other.url}/admin`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('The admin page is off');
  } finally {
    await other.close();
  }
});
