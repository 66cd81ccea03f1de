/**
 * A submission whose scoring fails (not the file's fault) ends `failed` with the reason, never
 * stuck, and gives its quota back. The truth disappears between validation and scoring; the
 * scoring gate (PODIUM_TEST_HOLD_SCORING) orders the two steps without timing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, fileForm, makeWorld, register, submissionCsv, testClock, waitFor } from './helpers.js';

const world = makeWorld([{ limits: { per_day: 1 } }]);
const gate = path.join(world.root, 'gate');
let server: RunningServer;

beforeAll(async () => {
  process.env.PODIUM_TEST_HOLD_SCORING = gate;
  try {
    server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, clock: testClock('2026-06-01T12:00:00Z').now, bootstrapSamples: 20, log: () => undefined });
  } finally {
    delete process.env.PODIUM_TEST_HOLD_SCORING;
  }
});
afterAll(async () => {
  await server.close();
  world.cleanup();
});

describe('a scoring failure', () => {
  it('is reported with its reason and does not use up the daily limit', async () => {
    const token = await register(server.url, 'unlucky');
    const r = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv(() => true)) });
    expect(r.status).toBe(202);
    const truth = path.join(world.challengesRoot, 'toy', 'solution.csv');
    const saved = fs.readFileSync(truth);
    fs.rmSync(truth);
    fs.writeFileSync(gate, '');
    const done = await waitFor(server.url, token, r.body.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/solution\.csv/);
    expect(done.error_kind).toBe('error');
    fs.writeFileSync(truth, saved);
    // per_day is 1, and the failed one does not count.
    const again = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv(() => true)) });
    expect(again.status, again.text).toBe(202);
    expect((await waitFor(server.url, token, again.body.id)).status).toBe('scored');
  });
});
