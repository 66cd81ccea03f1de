/**
 * Boards under a crowd: responses encoded once per board version, with an ETag (304 when the
 * client has it), gzip when asked, a new ETag as soon as a score moves the board, and
 * /history in pages.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, fileForm, makeWorld, register, submissionCsv, testClock, waitFor } from './helpers.js';

const world = makeWorld();
const clock = testClock('2026-06-01T12:00:00Z');
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, clock: clock.now, bootstrapSamples: 20, log: () => undefined });
});
afterAll(async () => {
  await server.close();
  world.cleanup();
});

/** A raw GET (fetch would decompress and hide the encoding). */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(server.url + path, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

async function submit(token: string, right: (i: number) => boolean): Promise<void> {
  const r = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv(right)) });
  expect(r.status, r.text).toBe(202);
  await waitFor(server.url, token, r.body.id);
}

describe('board responses', () => {
  it('carry an ETag, answer 304 to it, compress when asked, and change with the board', async () => {
    const names = ['ann', 'bob', 'cy'];
    const tokens = await Promise.all(names.map((n) => register(server.url, n)));
    for (let k = 0; k < names.length; k++) await submit(tokens[k]!, (i) => i % (k + 2) !== 0);

    const first = await get('/api/challenges/toy/leaderboard');
    expect(first.status).toBe(200);
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers['cache-control']).toBe('no-cache');
    expect(JSON.parse(first.body.toString()).entries.map((e: any) => e.team)).toEqual(['cy', 'bob', 'ann']);

    const again = await get('/api/challenges/toy/leaderboard', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);

    const gz = await get('/api/challenges/toy/leaderboard', { 'accept-encoding': 'gzip, br' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(zlib.gunzipSync(gz.body).equals(first.body)).toBe(true);
    expect(gz.body.length).toBeLessThan(first.body.length);

    // The page, for someone not signed in, the same way.
    const page = await get('/challenges/toy', { 'accept-encoding': 'gzip' });
    expect(page.status).toBe(200);
    expect(page.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(page.body).toString()).toContain('ann');
    expect((await get('/challenges/toy', { 'if-none-match': page.headers.etag! })).status).toBe(304);

    // The CSV download too: an attachment with an ETag, 304 to it.
    const csv = await get('/api/challenges/toy/leaderboard.csv');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toContain('toy-public-leaderboard.csv');
    expect(csv.body.toString().split('\n')[0]).toMatch(/^rank,tied,team,/);
    expect(csv.headers.etag).toMatch(/^"[\w-]+"$/);
    expect((await get('/api/challenges/toy/leaderboard.csv', { 'if-none-match': csv.headers.etag! })).status).toBe(304);
    expect((await get('/challenges/toy/leaderboard.csv', { 'if-none-match': csv.headers.etag! })).status).toBe(304);

    // A better score for ann moves the board: the old ETag no longer matches.
    await submit(tokens[0]!, () => true);
    const moved = await get('/api/challenges/toy/leaderboard', { 'if-none-match': etag });
    expect(moved.status).toBe(200);
    expect(moved.headers.etag).not.toBe(etag);
    expect(JSON.parse(moved.body.toString()).entries[0].team).toBe('ann');
    const pageAfter = await get('/challenges/toy', { 'if-none-match': page.headers.etag! });
    expect(pageAfter.status).toBe(200);
    const csvAfter = await get('/api/challenges/toy/leaderboard.csv', { 'if-none-match': csv.headers.etag! });
    expect(csvAfter.status).toBe(200);
    expect(csvAfter.body.toString().split('\n')[1]).toMatch(/^1,.*,ann,/);
  });

  it('pages /history with offset, limit and a link to the next page', async () => {
    // (The chart's points may lag the board by a few seconds: 3 or 4 of the 4 scored.)
    const all = await api(server.url, 'GET', '/api/challenges/toy/history');
    expect(all.body.total).toBeGreaterThanOrEqual(3);
    expect(all.body.points).toHaveLength(all.body.total);
    expect(all.body.next).toBeNull();
    const pages: any[] = [];
    let next: string | null = '/api/challenges/toy/history?limit=3';
    while (next) {
      const r = await api(server.url, 'GET', next);
      expect(r.status).toBe(200);
      pages.push(...r.body.points);
      next = r.body.next;
    }
    expect(pages).toEqual(all.body.points);
    expect((await api(server.url, 'GET', '/api/challenges/toy/history?limit=0')).status).toBe(400);
    const bad = await api(server.url, 'GET', '/api/challenges/toy/history?offset=-1');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/offset must be a whole number/);
  });
});
