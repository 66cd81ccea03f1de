/**
 * The structured log: a JSON line per request (method, path without query, status, duration,
 * participant) and per submission state change, never a token; `podium serve` writes it to
 * stdout by default and not with --no-request-log.
 */
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, fileForm, makeWorld, register, submissionCsv, waitFor } from './helpers.js';
import { spawnServe } from './serve-process.js';

const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }]);
let server: RunningServer;
let text = '';

const lines = () => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);

beforeAll(async () => {
  const sink = new PassThrough();
  sink.on('data', (d) => (text += d));
  server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, bootstrapSamples: 20, log: () => undefined, requestLog: sink });
});
afterAll(async () => {
  await server?.close();
  world.cleanup();
});

describe('the request log', () => {
  it('writes a line per request and per submission state change, without tokens or query strings', async () => {
    const token = await register(server.url, 'Logged One');
    const me = await api(server.url, 'GET', '/api/me', { token });
    const sent = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv((i) => i % 2 === 0)) });
    await waitFor(server.url, token, sent.body.id);
    await fetch(`${server.url}/challenges/toy?split=private&secret=${token}`);
    await fetch(`${server.url}/no/such/page`);
    await new Promise((r) => setImmediate(r));

    expect(text).not.toContain(token);
    const all = lines();
    for (const l of all) expect(l).toMatchObject({ level: 'info', service: 'podium', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    const upload = all.find((l) => l.event === 'request' && l.method === 'POST' && l.path === '/api/challenges/toy/submissions');
    expect(upload).toMatchObject({ status: 202, participant: me.body.id });
    expect(upload!.ms).toBeGreaterThan(0);
    expect(upload!.bytes_in).toBeGreaterThan(1000);
    expect(all.find((l) => l.event === 'request' && l.path === '/challenges/toy')).toMatchObject({ method: 'GET', status: 403 });
    expect(all.find((l) => l.event === 'request' && l.path === '/no/such/page')).toMatchObject({ status: 404 });
    const states = all.filter((l) => l.event === 'submission' && l.submission === sent.body.id).map((l) => l.state);
    expect(states).toEqual(['queued', 'scoring', 'scored']);
  });
});

describe('podium serve', () => {
  it('logs to stdout by default, and not with --no-request-log', async () => {
    const args = ['--db', path.join(world.root, 'serve.sqlite'), '--challenges', world.challengesRoot, '--workers', '1'];
    const on = await spawnServe(args);
    try {
      await fetch(`${on.url}/api/health`);
      for (let i = 0; i < 200 && !on.stdout().includes('"path":"/api/health"'); i++) await new Promise((r) => setTimeout(r, 25));
      const line = on.stdout().split('\n').find((l) => l.includes('"path":"/api/health"'));
      expect(JSON.parse(line!)).toMatchObject({ event: 'request', method: 'GET', path: '/api/health', status: 200 });
    } finally {
      await on.stop();
    }
    const off = await spawnServe([...args, '--no-request-log']);
    try {
      await fetch(`${off.url}/api/health`);
      await fetch(`${off.url}/api/health`);
      expect(off.stdout()).not.toContain('"event"');
    } finally {
      await off.stop();
    }
  });
});
