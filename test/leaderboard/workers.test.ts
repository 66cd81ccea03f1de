/**
 * Scoring across processes: a server that only validates (--workers 0) and two `podium worker`
 * processes sharing its database, with submission files in an S3-compatible server (s3rver, a
 * separate process speaking S3 over HTTP). Every submission is scored exactly once, by the
 * workers, from the bucket; SIGTERM stops a worker cleanly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/leaderboard/open-store.js';
import { api, fileForm, makeWorld, register, submissionCsv, waitFor } from './helpers.js';
import { S3_BUCKET, startS3, startWorker, type Running } from './processes.js';
import { spawnServe, type ServeProcess } from './serve-process.js';

const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z', limits: { per_day: 20 } }]);
const s3dir = path.join(world.root, 's3');
let s3: Awaited<ReturnType<typeof startS3>>;
let server: ServeProcess;
const workers: Running[] = [];
const storage = `s3://${S3_BUCKET}/submissions`;

beforeAll(async () => {
  s3 = await startS3(s3dir);
  server = await spawnServe(['--db', world.dbPath, '--storage', storage, '--challenges', world.challengesRoot, '--workers', '0'], s3.env);
});
afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await server?.stop();
  await s3?.stop();
  world.cleanup();
});

describe('podium worker processes with S3 storage', () => {
  it('score every submission exactly once from the bucket, and stop cleanly on SIGTERM', async () => {
    for (let i = 0; i < 2; i++) {
      workers.push(await startWorker(['--db', world.dbPath, '--storage', storage, '--challenges', world.challengesRoot], s3.env));
    }
    const token = await register(server.url, 'distributed');
    const ids: number[] = [];
    const expected = new Map<number, number>();
    for (let k = 0; k < 6; k++) {
      const right = (i: number) => i % (k + 2) !== 0;
      const r = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv(right)) });
      expect(r.status, r.text).toBe(202);
      ids.push(r.body.id);
      let wrong = 0;
      for (let i = 0; i < 30; i++) if (!right(i)) wrong++;
      expected.set(r.body.id, wrong / 30);
    }
    for (const id of ids) {
      const done = await waitFor(server.url, token, id);
      expect(done.status, done.error).toBe('scored');
      expect(done.scores.public.top1_error).toBeCloseTo(expected.get(id)!, 12);
    }
    // Exactly once: one done job and one current row per split for each submission.
    const store = await openStore(world.dbPath);
    try {
      const jobs = await store.sql.all<{ state: string; attempts: number; n: number }>('SELECT state, attempts, count(*) AS n FROM jobs GROUP BY state, attempts');
      expect(jobs).toEqual([{ state: 'done', attempts: 1, n: 6 }]);
      const doubled = await store.sql.all('SELECT submission_id, split FROM scores GROUP BY submission_id, split HAVING count(*) > 1');
      expect(doubled).toEqual([]);
      // The files are objects in the bucket (s3rver's folder), not in a local storage folder.
      const keys = (await store.sql.all<{ stored_path: string }>('SELECT DISTINCT stored_path FROM submissions')).map((r) => r.stored_path);
      expect(keys).toHaveLength(6);
      const inBucket = JSON.stringify(fs.readdirSync(s3dir, { recursive: true }));
      for (const k of keys) expect(inBucket).toContain(path.basename(k));
      expect(fs.existsSync(path.join(path.dirname(world.storage), 'submissions'))).toBe(false);
    } finally {
      await store.close();
    }
    for (const w of workers.splice(0)) {
      expect(await w.stop('SIGTERM')).toBe(0);
      expect(w.output()).toContain('podium worker: stopped');
    }
  });
});
