/**
 * What is decided when a submission is recorded, against a real loopback server: an upload
 * opened before the deadline and finished after it is refused; a team change while an upload
 * is in flight files it under the participant's team as it is when the body completes (never a
 * deleted team's id reused by another team); the loser of a race on the daily limit leaves no
 * stored file; one account per email; ids are never reused, also in a database migrated from
 * the schema before.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, openDb, SqliteDatabase } from '../../src/leaderboard/db.js';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { Store } from '../../src/leaderboard/store.js';
import { api, csrfOf, fileForm, makeWorld, register, setCookieValue, submissionCsv, testClock, waitFor } from './helpers.js';

const world = makeWorld([
  { id: 'toy', end: '2026-06-30T00:00:00Z', limits: { per_day: 50, total: 100 } },
  { id: 'tight', limits: { per_day: 1, total: 10 } },
]);
const clock = testClock('2026-06-29T23:59:00Z');
const tmpDir = path.join(world.storage, 'tmp');
let server: RunningServer;
let url: string;

beforeAll(async () => {
  server = await startServer({
    dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, adminToken: 'a'.repeat(32),
    clock: clock.now, bootstrapSamples: 20, log: () => undefined,
  });
  url = server.url;
});
afterAll(async () => {
  await server.close();
  world.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tempFiles = () => (fs.existsSync(tmpDir) ? fs.readdirSync(tmpDir) : []);

/**
 * Starts an upload over a raw socket and holds its last bytes back until `finish()` is called;
 * resolves once the server has accepted the start (its temp file exists).
 */
async function heldUpload(challenge: string, token: string, csv: string): Promise<{ finish(): Promise<{ status: number; body: any }> }> {
  const boundary = 'podiumheldboundary';
  const body = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="sub.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`,
  );
  const { hostname, port, host } = new URL(url);
  const sock = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(Number(port), hostname, () => resolve(s));
    s.once('error', reject);
  });
  let answer = '';
  sock.on('data', (d) => (answer += d));
  const ended = new Promise<void>((r) => sock.once('end', () => r()));
  const before = new Set(tempFiles());
  sock.write([`POST /api/challenges/${challenge}/submissions HTTP/1.1`, `Host: ${host}`, `Authorization: Bearer ${token}`,
    `Content-Type: multipart/form-data; boundary=${boundary}`, `Content-Length: ${body.length}`, 'Connection: close', '', ''].join('\r\n'));
  sock.write(body.subarray(0, body.length - 40));
  for (let i = 0; i < 200 && !tempFiles().some((f) => !before.has(f)); i++) await sleep(25);
  expect(tempFiles().some((f) => !before.has(f))).toBe(true);
  return {
    async finish() {
      sock.write(body.subarray(body.length - 40));
      await Promise.race([ended, sleep(30_000)]);
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1]);
      return { status, body: JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4).replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, '')) };
    },
  };
}

describe('decided when the submission is recorded', () => {
  it('refuses an upload opened before the deadline and completed after it', async () => {
    clock.set('2026-06-29T23:59:50Z');
    const token = await register(url, 'latecomer');
    const held = await heldUpload('toy', token, submissionCsv(() => true));
    clock.set('2026-06-30T00:00:03Z');
    const r = await held.finish();
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(/toy ended at 2026-06-30T00:00:00\.000Z; no more submissions are accepted/);
    const mine = await api(url, 'GET', '/api/challenges/toy/submissions', { token });
    expect(mine.body.submissions).toEqual([]);
    const board = await api(url, 'GET', '/api/challenges/toy/leaderboard');
    expect(board.status).toBe(200);
    expect(board.body.entries.map((e: { team: string }) => e.team)).not.toContain('latecomer');
    // Nothing stored for it either.
    const stored = world.storage;
    expect(fs.readdirSync(stored).filter((d) => d !== 'tmp').flatMap((d) => fs.readdirSync(path.join(stored, d)))).toEqual([]);
    clock.set('2026-06-01T12:00:00Z');
  });

  it('files an upload under the team its participant is in when it completes, never a reused id', async () => {
    clock.set('2026-06-01T12:00:00Z');
    const mover = await register(url, 'mover');
    const bystander = await register(url, 'bystander');
    // The upload starts: mover's solo team is created for it.
    const held = await heldUpload('toy', mover, submissionCsv((i) => i % 2 === 0));
    const solo = await api(url, 'GET', '/api/challenges/toy/team', { token: mover });
    expect(solo.status).toBe(200);
    // Mid-upload, mover leaves the (empty) solo team for a named one; bystander creates a team.
    expect((await api(url, 'POST', '/api/challenges/toy/teams', { token: mover, json: { name: 'Movers' } })).status).toBe(201);
    const other = await api(url, 'POST', '/api/challenges/toy/teams', { token: bystander, json: { name: 'Bystanders' } });
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(solo.body.id); // the deleted solo team's id is not reused
    const r = await held.finish();
    expect(r.status).toBe(202);
    const s = await waitFor(url, mover, r.body.id);
    expect(s.team).toBe('Movers');
    const theirs = await api(url, 'GET', '/api/challenges/toy/submissions', { token: bystander });
    expect(theirs.body).toMatchObject({ team: 'Bystanders', submissions: [] });
  });

  it('leaves no stored file behind for the loser of a race on the daily limit', async () => {
    const token = await register(url, 'racer');
    const a = await heldUpload('tight', token, submissionCsv((i) => i % 3 === 0));
    const b = await heldUpload('tight', token, submissionCsv((i) => i % 5 === 0));
    const [ra, rb] = await Promise.all([a.finish(), b.finish()]);
    expect([ra.status, rb.status].sort()).toEqual([202, 429]);
    const winner = ra.status === 202 ? ra.body : rb.body;
    const storage = world.storage;
    const stored = fs.readdirSync(storage).filter((d) => d !== 'tmp').flatMap((d) => fs.readdirSync(path.join(storage, d)));
    const rows = await server.context.store.sql.all<{ stored_path: string }>('SELECT stored_path FROM submissions');
    expect(stored.sort()).toEqual(rows.map((r) => path.basename(r.stored_path)).sort());
    expect(stored).toContain(`${winner.sha256}.csv`);
    expect(tempFiles()).toEqual([]);
  });

  it('allows one account per email, whatever its case', async () => {
    const first = await api(url, 'POST', '/api/participants', { json: { name: 'Ann', email: 'Ann.Lee@Example.org' } });
    expect(first.status).toBe(201);
    const again = await api(url, 'POST', '/api/participants', { json: { name: 'Ann 2', email: ' ann.lee@EXAMPLE.ORG' } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/an account with this email already exists/);
    // The web form too (as a browser sends it: pre-session cookie and form token).
    const blank = await fetch(`${url}/register`);
    const pre = setCookieValue(blank, 'podium_presession');
    const form = new URLSearchParams({ name: 'Ann 3', email: 'ANN.LEE@example.org', _csrf: csrfOf(await blank.text()) });
    const page = await fetch(`${url}/register`, { method: 'POST', body: form, headers: { origin: url, cookie: `podium_presession=${pre}` }, redirect: 'manual' });
    expect(page.status).toBe(409);
    expect(await page.text()).toMatch(/an account with this email already exists/);
  });
});

describe('ids are never reused', () => {
  it('migrates a database of the earlier schema, keeping rows and ids; a deleted id is not given out again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-ids-'));
    try {
      const file = path.join(dir, 'old.sqlite');
      const old = new Database(file);
      old.pragma('foreign_keys = ON');
      for (let v = 1; v <= 2; v++) old.exec(MIGRATIONS[v - 1]!);
      old.pragma('user_version = 2');
      old.exec(`INSERT INTO challenges (id, title, task, truth, primary_metric, higher_is_better, options_json, limits_json, synced_at)
                VALUES ('c', 'C', 'classification', 't.csv', 'top1_error', 0, '{}', '{}', 0);
                INSERT INTO participants (id, name, email, created_at) VALUES (1, 'a', 'Same@x.org', 0), (2, 'b', 'same@X.org', 0);
                INSERT INTO teams (id, challenge_id, name, invite_code, created_at) VALUES (1, 'c', 'A', 'i1', 0), (7, 'c', 'B', 'i7', 0);
                INSERT INTO team_members (challenge_id, participant_id, team_id, joined_at) VALUES ('c', 1, 1, 0), ('c', 2, 7, 0);
                INSERT INTO submissions (id, challenge_id, team_id, participant_id, sha256, size, filename, stored_path, status, created_at)
                  VALUES (5, 'c', 7, 2, 'ab', 1, 'f.csv', 'ab/ab.csv', 'queued', 0);
                INSERT INTO jobs (id, submission_id, kind, state, created_at) VALUES (3, 5, 'score', 'queued', 0);`);
      old.close();

      const db = openDb(file);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.prepare('SELECT id, team_id FROM submissions').all()).toEqual([{ id: 5, team_id: 7 }]);
      expect(db.prepare('SELECT id FROM teams ORDER BY id').all()).toEqual([{ id: 1 }, { id: 7 }]);
      expect(db.prepare('SELECT submission_id FROM jobs WHERE id = 3').get()).toEqual({ submission_id: 5 });
      // Both old accounts of one email stay; a new one for it is refused.
      const store = new Store(new SqliteDatabase(db));
      await expect(store.createParticipant('c', 'SAME@x.org', 1)).rejects.toThrow(/already exists/);
      db.prepare('DELETE FROM jobs').run();
      db.prepare('DELETE FROM submissions').run();
      db.prepare('DELETE FROM team_members WHERE team_id = 7').run();
      db.prepare('DELETE FROM teams WHERE id = 7').run();
      const r = db.prepare(`INSERT INTO teams (challenge_id, name, invite_code, created_at) VALUES ('c', 'New', 'i9', 1)`).run();
      expect(Number(r.lastInsertRowid)).toBe(8);
      expect(() => db.prepare('INSERT INTO team_members (challenge_id, participant_id, team_id, joined_at) VALUES (?, ?, ?, ?)').run('c', 2, 99, 0))
        .toThrow(/FOREIGN KEY/);
      db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
