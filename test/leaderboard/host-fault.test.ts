/**
 * Whose fault a problem is, said where it is found: a broken truth is the organisers' failure
 * (logged, listed for the admin, shown to the participant as such), never an `invalid` verdict
 * on the participant's file; a challenge whose options are misspelt is not served, and the
 * admin sees why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, fileForm, makeWorld, register, submissionCsv, testClock, waitFor } from './helpers.js';

const world = makeWorld([{}]);
const gate = path.join(world.root, 'gate');
const logged: string[] = [];
let server: RunningServer;

beforeAll(async () => {
  // A second challenge, identical but for a misspelt option key.
  const typo = path.join(world.challengesRoot, 'typo');
  fs.mkdirSync(typo);
  fs.copyFileSync(path.join(world.challengesRoot, 'toy', 'solution.csv'), path.join(typo, 'solution.csv'));
  const yaml = fs.readFileSync(path.join(world.challengesRoot, 'toy', 'challenge.yaml'), 'utf8').replace('id: toy', 'id: typo');
  fs.writeFileSync(path.join(typo, 'challenge.yaml'), yaml.replace(/^options:.*$/m, 'options: { prediction: 3 }'));
  process.env.PODIUM_TEST_HOLD_SCORING = gate;
  try {
    server = await startServer({
      dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, adminToken: 'admin-secret-of-the-host-fault-test',
      clock: testClock('2026-06-01T12:00:00Z').now, bootstrapSamples: 20, log: (line) => void logged.push(line),
    });
  } finally {
    delete process.env.PODIUM_TEST_HOLD_SCORING;
  }
});
afterAll(async () => {
  await server.close();
  world.cleanup();
});

describe('faults of the host', () => {
  it('a challenge with an unknown option is unavailable, with the reason for the admin', async () => {
    expect((await api(server.url, 'GET', '/api/challenges/typo')).status).toBe(404);
    const r = await api(server.url, 'GET', '/api/admin/unavailable', { token: 'admin-secret-of-the-host-fault-test' });
    expect(r.status, r.text).toBe(200);
    expect(r.body.challenges).toEqual([{ id: 'typo', reason: expect.stringMatching(/options\.prediction: unknown option prediction; valid: predictions/) }]);
    expect(logged.some((l) => /skipping challenge typo/.test(l))).toBe(true);
  });

  it('a broken truth fails the scoring as the organisers\' fault, not the file\'s', async () => {
    const token = await register(server.url, 'innocent');
    const r = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv(() => true)) });
    expect(r.status, r.text).toBe(202);
    // The truth breaks between validation and scoring: a duplicate id.
    const truth = path.join(world.challengesRoot, 'toy', 'solution.csv');
    fs.appendFileSync(truth, 'r000,ant,Public\n');
    fs.writeFileSync(gate, '');
    const done = await waitFor(server.url, token, r.body.id);
    expect(done.status).toBe('failed');
    expect(done.error_kind).toBe('error');
    expect(done.error, done.error).toMatch(/the organisers' data failed, not your file \(solution\.csv, line \d+, column id: duplicate id "r000"/);
    expect(logged.some((l) => l.includes(`job`) && l.includes("organisers' data failed"))).toBe(true);
    const admin = await api(server.url, 'GET', '/api/admin/unavailable', { token: 'admin-secret-of-the-host-fault-test' });
    expect(admin.body.failed_scorings).toEqual([expect.objectContaining({ submission_id: r.body.id, challenge_id: 'toy', error: done.error })]);
  });
});
