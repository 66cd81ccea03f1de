/**
 * Accounts: the welcome page shows how to use the token with the CLI; a signed-in participant
 * rotates the token (the old one stops working and every other session ends) on the account
 * page or through the API; an admin finds a participant by email and resets a lost token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, csrfOf, makeWorld, register, setCookieValue, webLogin } from './helpers.js';

const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }]);
const ADMIN = 'admin-token-for-the-accounts-test';
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, bootstrapSamples: 20, adminToken: ADMIN, log: () => undefined });
});
afterAll(async () => {
  await server?.close();
  world.cleanup();
});

const me = (token: string) => api(server.url, 'GET', '/api/me', { token }).then((r) => r.status);
const account = (cookie: string) => fetch(`${server.url}/account`, { headers: { cookie } }).then((r) => r.status);

describe('accounts', () => {
  it('shows on the welcome page how to use the token from the command line', async () => {
    const form = await fetch(`${server.url}/register`);
    const pre = setCookieValue(form, 'podium_presession');
    const res = await fetch(`${server.url}/register`, {
      method: 'POST', headers: { cookie: `podium_presession=${pre}`, origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'Web Newcomer', email: 'web@example.org', _csrf: csrfOf(await form.text()) }).toString(),
    });
    expect(res.status).toBe(201);
    const page = await res.text();
    const token = /<p class="token" id="token">([^<]+)<\/p>/.exec(page)![1]!;
    expect(page).toContain(`export PODIUM_URL=${server.url}`);
    expect(page).toContain(`export PODIUM_TOKEN=${token}`);
    expect(page).toContain('npx podium submit --challenge CHALLENGE --file predictions.csv --wait');
    expect(await me(token)).toBe(200);
  });

  it('rotates the token from the account page: the old token and the other sessions stop working', async () => {
    const old = await register(server.url, 'Rotator');
    const here = await webLogin(server.url, old);
    const elsewhere = await webLogin(server.url, old);
    expect(await account(elsewhere.cookie)).toBe(200);
    const page = await (await fetch(`${server.url}/account`, { headers: { cookie: here.cookie } })).text();
    expect(page).toContain('id="rotate-token"');
    expect(page).toContain('Rotator@example.org');

    const res = await here.post('/account/token', {});
    expect(res.status).toBe(200);
    const text = await res.text();
    const fresh = /<p class="token" id="token">([^<]+)<\/p>/.exec(text)![1]!;
    expect(fresh).not.toBe(old);
    expect(text).toContain('Your old token and your other browser sessions no longer work.');
    expect(await me(old)).toBe(401);
    expect(await me(fresh)).toBe(200);
    // The other browser is logged out; the one that asked continues with a new session.
    expect(await account(elsewhere.cookie)).toBe(401);
    expect(await account(here.cookie)).toBe(401);
    const renewed = `podium_session=${setCookieValue(res, 'podium_session')}`;
    expect(await account(renewed)).toBe(200);
    // The old token cannot log in any more; the new one can.
    await expect(webLogin(server.url, old)).rejects.toThrow(/login: 401/);
    expect(await account((await webLogin(server.url, fresh)).cookie)).toBe(200);
  });

  it('rotates the token through the API', async () => {
    const old = await register(server.url, 'Api Rotator');
    const web = await webLogin(server.url, old);
    const r = await api(server.url, 'POST', '/api/me/token', { token: old });
    expect(r.status).toBe(200);
    expect(r.body.token).toMatch(/^pdm_/);
    expect(await me(old)).toBe(401);
    expect(await me(r.body.token)).toBe(200);
    expect(await account(web.cookie)).toBe(401);
  });

  it('lets an admin find a participant by email and reset a lost token', async () => {
    const old = await register(server.url, 'Forgetful');
    const web = await webLogin(server.url, old);
    expect((await api(server.url, 'GET', '/api/admin/participants?email=FORGETFUL@example.org', { token: old })).status).toBe(401);
    const found = await api(server.url, 'GET', '/api/admin/participants?email=FORGETFUL@Example.org', { token: ADMIN });
    expect(found.body.participants).toHaveLength(1);
    const id = found.body.participants[0].id;
    const reset = await api(server.url, 'POST', `/api/admin/participants/${id}/token`, { token: ADMIN });
    expect(reset.status).toBe(200);
    expect(await me(old)).toBe(401);
    expect(await me(reset.body.token)).toBe(200);
    expect(await account(web.cookie)).toBe(401);
    expect((await api(server.url, 'POST', '/api/admin/participants/999999/token', { token: ADMIN })).status).toBe(404);
  });
});
