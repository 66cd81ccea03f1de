/**
 * Rules accepted once before the first submission: a challenge with rules (rules.md beside its
 * definition) refuses an upload until the participant accepts them, on the web page, through the
 * API or with `podium submit --accept-rules`; the first acceptance time is kept; a challenge
 * without rules and the baselines are not gated; the rules are Markdown with raw HTML shown as text.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { cliPath } from '../helpers/cli.js';
import { api, fileForm, makeWorld, register, submissionCsv, waitFor, webLogin } from './helpers.js';

const open = { start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' };
const world = makeWorld([{ id: 'ruled', ...open }, { id: 'free', ...open }]);
let server: RunningServer;
const good = submissionCsv((i) => i % 3 !== 0);

function podium(args: string[], token: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env: { ...process.env, PODIUM_URL: server.url, PODIUM_TOKEN: token } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  fs.writeFileSync(path.join(world.challengesRoot, 'ruled', 'rules.md'),
    '# Rules\n\n1. One account per person.\n2. No hand labelling of the **test** set.\n\n<script>alert(1)</script>\n');
  fs.writeFileSync(path.join(world.root, 'good.csv'), good);
  server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, bootstrapSamples: 20, log: () => undefined });
});
afterAll(async () => {
  await server?.close();
  world.cleanup();
});

describe('rules acceptance', () => {
  it('refuses an API upload until the rules are accepted, then keeps the first acceptance', async () => {
    const token = await register(server.url, 'api rules');
    const before = await api(server.url, 'GET', '/api/challenges/ruled', { token });
    expect(before.body).toMatchObject({ rules_required: true, rules_accepted_at: null });
    expect(before.body.rules).toContain('No hand labelling');

    const refused = await api(server.url, 'POST', '/api/challenges/ruled/submissions', { token, form: fileForm(good) });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/^accept the rules of ruled before your first submission/);
    expect(refused.body.rules).toBe('/challenges/ruled/rules');
    // A refused upload made no team and used no submission.
    expect((await api(server.url, 'GET', '/api/challenges/ruled/submissions', { token })).body.submissions ?? []).toHaveLength(0);

    const accepted = await api(server.url, 'POST', '/api/challenges/ruled/rules/accept', { token, json: {} });
    expect(accepted.status).toBe(200);
    const again = await api(server.url, 'POST', '/api/challenges/ruled/rules/accept', { token, json: {} });
    expect(again.body.accepted_at).toBe(accepted.body.accepted_at);
    expect((await api(server.url, 'GET', '/api/challenges/ruled', { token })).body.rules_accepted_at).toBe(accepted.body.accepted_at);

    const sent = await api(server.url, 'POST', '/api/challenges/ruled/submissions', { token, form: fileForm(good) });
    expect(sent.status, sent.text).toBe(202);
    expect((await waitFor(server.url, token, sent.body.id)).status).toBe('scored');
  });

  it('does not gate a challenge without rules, and the acceptance of one challenge does not carry to another', async () => {
    const token = await register(server.url, 'free rider');
    const free = await api(server.url, 'GET', '/api/challenges/free', { token });
    expect(free.body).toMatchObject({ rules_required: false, rules: '' });
    expect((await api(server.url, 'POST', '/api/challenges/free/submissions', { token, form: fileForm(good) })).status).toBe(202);
    expect((await api(server.url, 'POST', '/api/challenges/ruled/submissions', { token, form: fileForm(good) })).status).toBe(403);
  });

  it('asks on the submit page, accepts with a form and then shows the upload form', async () => {
    const token = await register(server.url, 'web rules');
    const web = await webLogin(server.url, token);
    const submit = await (await fetch(`${server.url}/challenges/ruled/submit`, { headers: { cookie: web.cookie } })).text();
    expect(submit).toContain('id="accept-rules"');
    expect(submit).not.toContain('id="upload"');

    const rules = await (await fetch(`${server.url}/challenges/ruled/rules`, { headers: { cookie: web.cookie } })).text();
    expect(rules).toContain('<strong>test</strong>');
    expect(rules).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(rules).not.toContain('<script>alert');

    const res = await web.post('/challenges/ruled/rules/accept?next=submit', {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/challenges/ruled/submit');
    const after = await (await fetch(`${server.url}/challenges/ruled/submit`, { headers: { cookie: web.cookie } })).text();
    expect(after).toContain('id="upload"');
    expect(after).not.toContain('id="accept-rules"');
    const rulesAfter = await (await fetch(`${server.url}/challenges/ruled/rules`, { headers: { cookie: web.cookie } })).text();
    expect(rulesAfter).toContain('You accepted these rules on');
  });

  it('refuses an accept form without a session', async () => {
    const res = await fetch(`${server.url}/challenges/ruled/rules/accept`, {
      method: 'POST', redirect: 'manual', headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded' }, body: '',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
  });

  it('explains the gate in podium submit and accepts with --accept-rules', async () => {
    const token = await register(server.url, 'cli rules');
    const file = path.join(world.root, 'good.csv');
    const refused = await podium(['submit', '--challenge', 'ruled', '--file', file], token);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/^podium: accept the rules of ruled before your first submission.*--accept-rules\n$/);
    const ok = await podium(['submit', '--challenge', 'ruled', '--file', file, '--accept-rules', '--wait'], token);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/scored/);
  });
});
