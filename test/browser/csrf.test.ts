/**
 * Cross-site request forgery, attacked from real pages in Chromium: a cross-site page (another
 * site: `localhost` against the server's `127.0.0.1`) posting the login form, and a same-site
 * page (same host, another port) posting the forms that change a victim's final selection and
 * team, even with the victim's own form token in hand and the attacker's pre-session cookie
 * planted, and uploading a file through the JSON API with a `no-cors` fetch. Every one must
 * be refused and change nothing.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, csrfOf, fileForm, makeWorld, register, setCookieValue, submissionCsv, waitFor } from '../leaderboard/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(!haveChromium)(haveChromium ? 'CSRF in chromium' : `CSRF in chromium (skipped: ${CHROMIUM} is not installed)`, () => {
  const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }]);
  let server: RunningServer;
  let browser: Browser;
  let attacker: http.Server;
  let attackerPort = 0;
  /** What the attacker's server answers, by path (HTML), and the cookies it may plant. */
  const pages = new Map<string, { body: string; setCookie?: string }>();

  beforeAll(async () => {
    server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, bootstrapSamples: 20, log: () => undefined });
    attacker = http.createServer((req, res) => {
      const p = pages.get(req.url ?? '');
      if (!p) return void res.writeHead(404).end();
      const headers: Record<string, string> = { 'content-type': 'text/html' };
      if (p.setCookie) headers['set-cookie'] = p.setCookie;
      res.writeHead(200, headers).end(p.body);
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', () => r()));
    attackerPort = (attacker.address() as AddressInfo).port;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => attacker?.close(r));
    await server?.close();
    world.cleanup();
  });

  const autoPost = (action: string, fields: Record<string, string>) => `<!doctype html><body onload="document.forms[0].submit()">
    <form method="post" action="${action}">${Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`).join('')}</form></body>`;

  /** A browser context signed in as `token` through the login form. */
  async function signedIn(token: string) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await page.fill('input[name=token]', token);
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('form.stack button[type=submit]')]);
    return { context, page };
  }

  it('refuses a cross-site login form (login CSRF) and sets no session', async () => {
    const attackerToken = await register(server.url, 'mallory');
    // The attacker fetches a valid pre-session cookie and token for themselves and posts them too.
    const form = await fetch(`${server.url}/login`);
    const pre = setCookieValue(form, 'podium_presession')!;
    pages.set('/login-csrf', { body: autoPost(`${server.url}/login`, { token: attackerToken, _csrf: csrfOf(await form.text()) }) });
    const context = await browser.newContext();
    await context.addCookies([{ name: 'podium_presession', value: pre, url: server.url }]);
    const page = await context.newPage();
    const answer = page.waitForResponse((r) => r.url() === `${server.url}/login` && r.request().method() === 'POST');
    await page.goto(`http://localhost:${attackerPort}/login-csrf`);
    const res = await answer;
    expect(res.status()).toBe(403);
    expect(await res.text()).toMatch(/sent from another site \(cross-site\); nothing was changed/);
    expect((await context.cookies(server.url)).map((c) => c.name)).not.toContain('podium_session');
    await page.goto(`${server.url}/`);
    expect(await page.content()).not.toContain('mallory');
    await context.close();
  });

  it('refuses same-site (another port) form posts that change a final selection or a team, even with the victim\'s token', async () => {
    const victim = await register(server.url, 'victim');
    const up = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token: victim, form: fileForm(submissionCsv((i) => i % 2 === 0)) });
    expect(up.status).toBe(202);
    await waitFor(server.url, victim, up.body.id);
    const { context, page } = await signedIn(victim);
    // Suppose the victim's form token leaked: the origin check alone must still refuse.
    await page.goto(`${server.url}/challenges/toy/submissions`);
    const token = csrfOf(await page.content());
    const same = `http://127.0.0.1:${attackerPort}`;
    pages.set('/select', { body: autoPost(`${server.url}/challenges/toy/submissions/${up.body.id}/select`, { selected: '1', _csrf: token }) });
    pages.set('/team', { body: autoPost(`${server.url}/challenges/toy/team`, { name: 'Pwned', _csrf: token }) });
    for (const p of ['/select', '/team']) {
      const answer = page.waitForResponse((r) => r.url().startsWith(server.url) && r.request().method() === 'POST');
      await page.goto(same + p);
      const res = await answer;
      expect(res.status(), p).toBe(403);
      expect(await res.text()).toMatch(/sent from another site \(same-site\)/);
    }
    const sub = await api(server.url, 'GET', `/api/submissions/${up.body.id}`, { token: victim });
    expect(sub.body.selected).toBe(false);
    const team = await api(server.url, 'GET', '/api/challenges/toy/team', { token: victim });
    expect(team.body.name).toBe('victim');
    // The same forms from the server's own pages work (the token travels with them).
    await page.goto(`${server.url}/challenges/toy/submissions`);
    const posted = page.waitForResponse((r) => r.url().endsWith('/select') && r.request().method() === 'POST');
    await page.click('table form.inline button[type=submit]');
    expect((await posted).status()).toBe(303);
    expect((await api(server.url, 'GET', `/api/submissions/${up.body.id}`, { token: victim })).body.selected).toBe(true);
    await context.close();
  });

  it('does not let a no-cors fetch from another port upload through the JSON API with the session cookie', async () => {
    const victim = await register(server.url, 'uploader');
    const { context, page } = await signedIn(victim);
    const csv = JSON.stringify(submissionCsv(() => true));
    pages.set('/upload', { body: `<!doctype html><script>
      const form = new FormData();
      form.append('file', new Blob([${csv}], { type: 'text/csv' }), 'x.csv');
      fetch(${JSON.stringify(`${server.url}/api/challenges/toy/submissions`)}, { method: 'POST', mode: 'no-cors', credentials: 'include', body: form })
        .then(() => { document.title = 'sent'; }, () => { document.title = 'failed'; });
    </script>` });
    const answer = page.waitForResponse((r) => r.url().startsWith(`${server.url}/api/`));
    await page.goto(`http://127.0.0.1:${attackerPort}/upload`);
    const res = await answer;
    expect(res.status()).toBe(401);
    const mine = await api(server.url, 'GET', '/api/challenges/toy/submissions', { token: victim });
    expect(mine.body.submissions).toEqual([]);
    await context.close();
  });

  it('revokes the session at logout: the old cookie no longer signs in', async () => {
    const token = await register(server.url, 'leaver');
    const { context, page } = await signedIn(token);
    const session = (await context.cookies(server.url)).find((c) => c.name === 'podium_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Strict');
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('header form button[type=submit]')]);
    const replay = await fetch(`${server.url}/challenges/toy/submissions`, { headers: { cookie: `podium_session=${session.value}` } });
    expect(replay.status).toBe(401);
    await context.close();
  });
});
