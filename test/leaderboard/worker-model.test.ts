/**
 * A model submission scored by a `podium worker` process, not by the server: the server only
 * validates (--workers 0), the ONNX file goes to an S3-compatible server (s3rver, a separate
 * process over HTTP), and the worker fetches it, runs it in its sandbox, scores and times it.
 * The same predictions uploaded as a file score the same. Runs on SQLite, and on PostgreSQL
 * with PODIUM_TEST_DB.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/leaderboard/open-store.js';
import type { Store } from '../../src/leaderboard/store.js';
import { here, makeModels, PYTHON, tinyClassificationChallenge, type TinyChallenge } from '../models/helpers.js';
import { expectScoredOnce, until } from './deployment.js';
import { api, makeWorld, register, waitFor } from './helpers.js';
import { S3_BUCKET, startS3, startWorker, type Running } from './processes.js';
import { spawnServe, type ServeProcess } from './serve-process.js';

describe('podium worker with a model submission', () => {
  const world = makeWorld([]);
  const models = path.join(world.root, 'models');
  const s3dir = path.join(world.root, 's3');
  const storage = `s3://${S3_BUCKET}/models`;
  let ch: TinyChallenge;
  let s3: Awaited<ReturnType<typeof startS3>>;
  let server: ServeProcess;
  let worker: Running;
  let store: Store;

  beforeAll(async () => {
    makeModels(models, 32, 10);
    ch = tinyClassificationChallenge(world.root);
    s3 = await startS3(s3dir);
    server = await spawnServe(['--db', world.dbPath, '--storage', storage, '--challenges', world.challengesRoot, '--workers', '0'], s3.env);
    worker = await startWorker(['--db', world.dbPath, '--storage', storage, '--challenges', world.challengesRoot], s3.env);
    store = await openStore(world.dbPath);
  }, 120_000);
  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await server?.stop();
    await store?.close();
    await s3?.stop();
    world.cleanup();
  });

  const upload = async (token: string, file: string, type: string) => {
    const form = new FormData();
    form.append('file', new Blob([fs.readFileSync(file)], { type }), path.basename(file));
    const r = await api(server.url, 'POST', '/api/challenges/inat-tiny/submissions', { token, form });
    expect(r.status, r.text).toBe(202);
    return r.body.id as number;
  };

  it('is fetched from the bucket, run in the sandbox and timed on the worker, and scores as its predictions do', async () => {
    const token = await register(server.url, 'model-on-a-worker');
    const modelId = await upload(token, path.join(models, 'classifier.onnx'), 'application/octet-stream');
    // A model run takes longer than a file's scoring: up to 4 minutes on a loaded machine.
    const done = (await until(() => api(server.url, 'GET', `/api/submissions/${modelId}`, { token }),
      (r) => r.body?.status === 'scored' || r.body?.status === 'failed', 'the model submission to finish', 240_000)).body;
    expect(done.status, done.error).toBe('scored');

    const byHand = path.join(world.root, 'by-hand.csv');
    execFileSync(PYTHON, [path.join(here, 'predict_classifier.py'), path.join(models, 'classifier.onnx'), path.join(ch.data, 'test2018.json'), byHand, '3', '-1', '1']);
    const fileId = await upload(token, byHand, 'text/csv');
    const fileDone = await waitFor(server.url, token, fileId);
    expect(fileDone.status, fileDone.error).toBe('scored');
    expect(done.scores).toEqual(fileDone.scores);

    // Scored by the worker (the server has no scoring thread), once, and timed in its sandbox.
    for (const id of [modelId, fileId]) {
      expect(await store.sql.get('SELECT state, attempts FROM jobs WHERE submission_id = ?', [id])).toEqual({ state: 'done', attempts: 1 });
      await expectScoredOnce(store, id);
    }
    const row = (await store.sql.get<{ latency_json: string; stored_path: string }>('SELECT latency_json, stored_path FROM submissions WHERE id = ?', [modelId]))!;
    expect(JSON.parse(row.latency_json)).toMatchObject({ kind: 'model', params: 40, madds: 30, environment: { isolation: 'bwrap', threads: 1 } });
    expect(JSON.stringify(fs.readdirSync(s3dir, { recursive: true }))).toContain(path.basename(row.stored_path));

    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(worker.output()).toContain('podium worker: stopped');
  }, 360_000);
});
