/**
 * The pre-router (routes/cached-reads.ts): the JSON board, the challenge page and /history are
 * answered before express for requests without a token or session cookie, with the same status, headers,
 * bytes and request log line as express gives; everything else goes to express.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardReadOf, cachedReads } from '../../src/leaderboard/routes/cached-reads.js';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, fileForm, makeWorld, register, submissionCsv, waitFor, webLogin } from './helpers.js';

const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }]);
let server: RunningServer;
let logText = '';
let token = '';

beforeAll(async () => {
  const sink = new PassThrough();
  sink.on('data', (d) => (logText += d));
  server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, bootstrapSamples: 20, log: () => undefined, requestLog: sink });
  for (const [k, name] of ['Ada', 'Grace', 'Edsger'].entries()) {
    token = await register(server.url, name);
    const sent = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv((i) => i % (k + 2) === 0)) });
    await waitFor(server.url, token, sent.body.id);
  }
});
afterAll(async () => {
  await server?.close();
  world.cleanup();
});

interface Answer { status: number; headers: string[]; body: Buffer }

/** A GET on a connection of its own; the raw headers in order, without Date (it moves with the clock). */
function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    http.request({ host: hostname, port, path, headers, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i] !== 'Date') raw.push(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        resolve({ status: res.statusCode!, headers: raw, body: Buffer.concat(chunks) });
      });
    }).on('error', reject).end();
  });
}

const header = (a: Answer, name: string) => a.headers[a.headers.findIndex((h) => h.toLowerCase() === name) + 1];

const READS = [
  '/api/challenges/toy/leaderboard',
  '/api/challenges/toy/leaderboard?split=public',
  '/challenges/toy',
  '/challenges/toy?split=public',
  '/api/challenges/toy/history',
  '/api/challenges/toy/history?offset=1&limit=1',
  '/api/challenges/toy/history?limit=2',
];

describe('board reads before express', () => {
  it('answers as express does: status, headers in order, bytes, gzip, 304, and the log line', async () => {
    for (const url of READS) {
      // The same route with a trailing slash: express matches it (non-strict routing), the pre-router does not.
      const [pathname, query] = url.split('?');
      const viaExpress = `${pathname}/${query ? `?${query}` : ''}`;
      for (const accept of [{}, { 'accept-encoding': 'gzip, deflate, br' }, { cookie: 'podium_presession=abc' }] as Record<string, string>[]) {
        const fast = await get(server.url, url, accept);
        const slow = await get(server.url, viaExpress, accept);
        expect(fast.status, url).toBe(200);
        expect(fast.headers, url).toEqual(slow.headers);
        expect(fast.body.equals(slow.body), url).toBe(true);
        expect(header(fast, 'vary')).toBe('Accept-Encoding');
        const etag = header(fast, 'etag')!;
        const fast304 = await get(server.url, url, { ...accept, 'if-none-match': etag });
        const slow304 = await get(server.url, viaExpress, { ...accept, 'if-none-match': `"other", ${etag}` });
        expect(fast304.status).toBe(304);
        expect(fast304.headers).toEqual(slow304.headers);
        expect(fast304.body.length).toBe(0);
      }
    }
    const gz = await get(server.url, '/challenges/toy', { 'accept-encoding': 'gzip' });
    expect(header(gz, 'content-encoding')).toBe('gzip');

    await new Promise((r) => setImmediate(r));
    const lines = logText.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'request' && l.method === 'GET');
    const fastLine = lines.find((l) => l.path === '/api/challenges/toy/leaderboard');
    const slowLine = lines.find((l) => l.path === '/api/challenges/toy/leaderboard/');
    const { time: _t1, ms: _m1, path: _p1, ...fastRest } = fastLine!;
    const { time: _t2, ms: _m2, path: _p2, ...slowRest } = slowLine!;
    expect(fastRest).toEqual(slowRest);
    expect(fastRest).toMatchObject({ status: 200, ip: '127.0.0.1' });
  });

  it('leaves a signed-in viewer their own page, and never gives it to anyone else', async () => {
    const web = await webLogin(server.url, token);
    const mine = await get(server.url, '/challenges/toy', { cookie: web.cookie });
    const anonymous = await get(server.url, '/challenges/toy');
    expect(mine.status).toBe(200);
    // The account link in the header names who is signed in.
    expect(mine.body.toString()).toContain('href="/account" title="Your account and token">Edsger<');
    expect(header(mine, 'cache-control')).toBe('no-store');
    expect(anonymous.body.toString()).not.toContain('href="/account"');
    expect(header(anonymous, 'cache-control')).toBe('no-cache');
  });

  it('hands to express whatever is not plainly one of the three reads', async () => {
    let handed = 0;
    const own = http.createServer(cachedReads(server.context, (_req, res) => {
      handed++;
      res.statusCode = 599;
      res.end();
    }));
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(own.address() as AddressInfo).port}`;
    try {
      const served = async (path: string, headers: Record<string, string> = {}, method = 'GET') => (await get(base, path, headers, method)).status !== 599;
      for (const url of READS) expect(await served(url), url).toBe(true);
      expect(await served('/challenges/toy', { cookie: 'podium_presession=abc; theme=%E0%A4%A' })).toBe(true);
      expect(handed).toBe(0);
      expect(await served('/challenges/toy', { cookie: 'podium_session=x' })).toBe(false);
      expect(await served('/challenges/toy', { cookie: 'a=1; podium_session=%E0%A4%A' })).toBe(false);
      expect(await served('/api/challenges/toy/leaderboard', { authorization: `Bearer ${token}` })).toBe(false);
      expect(await served('/api/challenges/toy/leaderboard', {}, 'HEAD')).toBe(false);
      expect(await served('/api/challenges/toy/leaderboard?split=private')).toBe(false);
      expect(await served('/challenges/toy?split=private')).toBe(false);
      expect(await served('/api/challenges/nope/leaderboard')).toBe(false);
      expect(await served('/api/challenges/t%6Fy/leaderboard')).toBe(false);
      expect(await served('/api/challenges/toy/history?limit=0')).toBe(false);
      expect(await served('/api/challenges/toy/history?limit=1&limit=2')).toBe(false);
      expect(await served('/api/challenges/toy/leaderboard.csv')).toBe(false);
      expect(await served('/challenges/toy/rules')).toBe(false);
      expect(handed).toBe(12);
    } finally {
      await new Promise<void>((resolve) => own.close(() => resolve()));
    }
  });

  it('is not used behind a trusted proxy, where the log\'s address is express\'s reading of X-Forwarded-For', async () => {
    const sink = new PassThrough();
    let text = '';
    sink.on('data', (d) => (text += d));
    const proxied = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, bootstrapSamples: 20, log: () => undefined, requestLog: sink, trustProxy: 'loopback' });
    try {
      expect((await get(proxied.url, '/api/challenges/toy/leaderboard', { 'x-forwarded-for': '203.0.113.7' })).status).toBe(200);
      await new Promise((r) => setImmediate(r));
      expect(text).toContain('"ip":"203.0.113.7"');
    } finally {
      await proxied.close();
    }
  });

  it('recognises the three reads by method, path and headers only', () => {
    const req = (url: string, headers: Record<string, string> = {}, method = 'GET') => ({ url, headers, method }) as http.IncomingMessage;
    expect(boardReadOf(req('/api/challenges/toy/history?offset=5'))).toEqual({ kind: 'history', challengeId: 'toy', path: '/api/challenges/toy/history', query: { offset: '5' } });
    expect(boardReadOf(req('/challenges/a.b-c_d'))).toMatchObject({ kind: 'page', challengeId: 'a.b-c_d' });
    expect(boardReadOf(req('/challenges/toy/'))).toBeUndefined();
    expect(boardReadOf(req('/challenges/toy', { cookie: 'podium_session=abc' }))).toBeUndefined();
    expect(boardReadOf(req('/challenges/toy', { cookie: 'podium_presession=abc' }))).toMatchObject({ kind: 'page' });
    expect(boardReadOf(req('/challenges/toy', {}, 'POST'))).toBeUndefined();
  });
});
