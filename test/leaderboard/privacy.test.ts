/**
 * Before the end no route may leak a private score. The submission is built so its private
 * (and all-rows) numbers are distinctive; every route's body is searched for them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, fileForm, makeWorld, register, submissionCsv, testClock, waitFor, webLogin } from './helpers.js';

const world = makeWorld();
const clock = testClock('2026-06-01T12:00:00Z');
let server: RunningServer;
let url: string;
let token: string;
let id: number;

// Public rows: even ones right (top1 error 0.5). Private rows 30..59: only 35, 42, 49, 56 right
// (error 26/30 = 0.8667); all rows: 41/60 = 0.6833.
const LEAKS = ['0.8666', '0.8667', '0.867', '0.6833', '0.683', '26/30', '41/60'];

beforeAll(async () => {
  server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, adminToken: 'adm-token-of-twenty-chars', clock: clock.now, bootstrapSamples: 100, log: () => undefined });
  url = server.url;
  token = await register(url, 'private-eye');
  const r = await api(url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv((i) => (i < 30 ? i % 2 === 0 : i % 7 === 0))) });
  id = r.body.id;
  const done = await waitFor(url, token, id);
  expect(done.scores.public.top1_error).toBe(0.5);
  await api(url, 'POST', '/api/challenges/toy/teams', { token: await register(url, 'second'), json: { name: 'Second' } });
});
afterAll(async () => {
  await server.close();
  world.cleanup();
});

describe('private scores before the end', () => {
  it('are on no API route or page, for anyone', async () => {
    const routes = [
      '/api/challenges', '/api/challenges/toy', '/api/challenges/toy/leaderboard', '/api/challenges/toy/leaderboard?split=private',
      '/api/challenges/toy/history', `/api/submissions/${id}`, '/api/challenges/toy/submissions', '/api/me', '/api/challenges/toy/team',
      '/api/openapi.json', '/api/health', '/', '/challenges/toy', '/challenges/toy?split=private', '/challenges/toy/submissions',
      '/challenges/toy/submit', '/challenges/toy/team', '/static/podium.css', '/nope',
    ];
    const viewers: Record<string, Record<string, string>> = {
      anonymous: {},
      owner: { authorization: `Bearer ${token}` },
      'owner (web session)': { cookie: (await webLogin(url, token)).cookie },
    };
    let checked = 0;
    for (const [who, headers] of Object.entries(viewers)) {
      for (const route of routes) {
        const res = await fetch(url + route, { headers });
        const text = await res.text();
        for (const leak of LEAKS) expect(text.includes(leak), `${who} ${route} contains ${leak}`).toBe(false);
        if (route.includes('split=private')) expect(res.status, `${who} ${route}`).toBe(403);
        checked++;
      }
    }
    expect(checked).toBe(routes.length * 3);
  });

  it('appear once the challenge has ended', async () => {
    clock.set('2027-01-01T00:00:00Z');
    const sub = await api(url, 'GET', `/api/submissions/${id}`, { token });
    expect(sub.body.scores.private.top1_error).toBeCloseTo(26 / 30, 12);
    expect(sub.body.scores.all.top1_error).toBeCloseTo(41 / 60, 12);
    const board = await api(url, 'GET', '/api/challenges/toy/leaderboard?split=private');
    expect(board.status).toBe(200);
    expect(board.body.entries[0].score).toBeCloseTo(26 / 30, 12);
  });
});
