/** A truth without usage marks: every row is public, the board ranks on all rows, and there is no private board. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, csrfOf, fileForm, makeWorld, register, setCookieValue, submissionCsv, testClock, waitFor, webLogin } from './helpers.js';

const world = makeWorld([{ usage: false }]);
const clock = testClock('2026-06-01T12:00:00Z');
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, clock: clock.now, bootstrapSamples: 50, log: () => undefined });
});
afterAll(async () => {
  await server.close();
  world.cleanup();
});

describe('a challenge without a private split', () => {
  it('shows all-row scores as public, ranks on them, and has no private board even after the end', async () => {
    const token = await register(server.url, 'solo');
    const r = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv((i) => i % 4 !== 0)) });
    const done = await waitFor(server.url, token, r.body.id);
    expect(done.scores.public.top1_error).toBeCloseTo(15 / 60, 12);
    expect(done.intervals.public.low).toBeLessThan(0.25);
    const board = await api(server.url, 'GET', '/api/challenges/toy/leaderboard');
    expect(board.body.entries.map((e: any) => [e.rank, e.team, e.score])).toEqual([[1, 'solo', 0.25]]);
    expect(board.body.entries[0].ci).not.toBeNull();
    clock.set('2027-01-01T00:00:00Z');
    const priv = await api(server.url, 'GET', '/api/challenges/toy/leaderboard?split=private');
    expect(priv.status).toBe(404);
    expect(priv.body.error).toMatch(/no private split/);
  });

  it('manages teams through the HTML forms', async () => {
    const token = await register(server.url, 'form user');
    const web = await webLogin(server.url, token);
    const created = await web.post('/challenges/toy/team', { name: 'Team <One>' });
    expect(created.status).toBe(303);
    const page = await (await fetch(`${server.url}/challenges/toy/team`, { headers: { cookie: web.cookie } })).text();
    expect(page).toContain('Team &lt;One&gt;');
    const code = /<span class="token">([^<]+)<\/span>/.exec(page)![1]!;
    const mate = await webLogin(server.url, await register(server.url, 'mate'));
    const joined = await mate.post('/challenges/toy/team/join', { invite_code: code });
    expect(joined.status).toBe(303);
    const team = await api(server.url, 'GET', '/api/challenges/toy/team', { token: await register(server.url, 'outsider') });
    expect(team.status).toBe(404);
    const mine = await (await fetch(`${server.url}/challenges/toy/team`, { headers: { cookie: mate.cookie } })).text();
    expect(mine).toContain('form user');
    expect(mine).toContain('mate');
    // The session cookie is HttpOnly and SameSite=Strict, and holds a session id, not the API token.
    const form = await fetch(`${server.url}/login`);
    const login = await fetch(`${server.url}/login`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie: `podium_presession=${setCookieValue(form, 'podium_presession')}` },
      body: new URLSearchParams({ token, _csrf: csrfOf(await form.text()) }).toString(),
    });
    expect(login.headers.getSetCookie().join('\n')).toMatch(/podium_session=pds_[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    expect(login.headers.getSetCookie().join('\n')).not.toContain(token);
  });
});
