/** A truth without usage marks: every row is public, the board ranks on all rows, and there is no private board. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, fileForm, makeWorld, register, submissionCsv, testClock, waitFor } from './helpers.js';

const world = makeWorld([{ usage: false }]);
const clock = testClock('2026-06-01T12:00:00Z');
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ dbPath: world.dbPath, challengesRoot: world.challengesRoot, port: 0, workers: 1, clock: clock.now, bootstrapSamples: 50, log: () => undefined });
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
});
