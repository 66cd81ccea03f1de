/**
 * One big submission scored in shards by two `podium worker` processes sharing PostgreSQL
 * (runs with PODIUM_TEST_DB): the job is cut into shard jobs, each worker claims one under its
 * own lease, one worker is killed (kill -9) mid-shard, its shard is retried by the other, and
 * the merged scores (intervals included) equal scoring the file in one process, exactly, and
 * are written once. Shards wait at a gate file (PODIUM_TEST_HOLD_SHARD) so the kill lands
 * mid-shard without timing assumptions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BOOTSTRAP_SAMPLES } from '../../src/leaderboard/bootstrap.js';
import { openStore } from '../../src/leaderboard/open-store.js';
import { scoreSubmission } from '../../src/leaderboard/scoring.js';
import type { Store } from '../../src/leaderboard/store.js';
import { fixture } from '../helpers/cli.js';
import { ownerPid, until } from './deployment.js';
import { api, fileForm, makeWorld, register, TEST_PG } from './helpers.js';
import { startWorker, type Running } from './processes.js';
import { spawnServe, type ServeProcess } from './serve-process.js';

/** The first `n` images of the detection fixture (truth, usage marks, and the submission's rows for them). */
function detectionChallenge(dir: string, n: number): { truth: string; submission: string } {
  fs.mkdirSync(dir, { recursive: true });
  const coco = JSON.parse(fs.readFileSync(fixture('det', 'instances.json'), 'utf8')) as { images: { id: number }[]; annotations: { image_id: number }[] };
  const images = coco.images.slice(0, n);
  const keep = new Set(images.map((im) => im.id));
  const truth = path.join(dir, 'instances.json');
  fs.writeFileSync(truth, JSON.stringify({ ...coco, images, annotations: coco.annotations.filter((a) => keep.has(a.image_id)) }));
  fs.writeFileSync(path.join(dir, 'instances.usage.csv'), ['id,usage', ...images.map((im, i) => `${im.id},${i % 2 ? 'Private' : 'Public'}`)].join('\n') + '\n');
  const [header, ...rows] = fs.readFileSync(fixture('det', 'submission.csv'), 'utf8').trim().split('\n');
  const submission = [header, ...rows.filter((r) => keep.has(Number(r.slice(0, r.indexOf(',')))))].join('\n') + '\n';
  fs.writeFileSync(path.join(dir, 'challenge.yaml'), [
    'id: det', 'title: Detection in shards', 'task: detection', 'truth: instances.json', 'primary_metric: AP', 'options: {}',
    'limits: { per_day: 5, total: 20, final_selections: 2, max_upload_mb: 5 }',
    'phases:', '  - { id: main, start: 2020-01-01T00:00:00Z, end: 2099-01-01T00:00:00Z }', '',
  ].join('\n'));
  return { truth, submission };
}

describe.runIf(TEST_PG)('one submission in shards across two podium worker processes (PostgreSQL)', () => {
  const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }]);
  const det = detectionChallenge(path.join(world.challengesRoot, 'det'), 30);
  let server: ServeProcess;
  let store: Store;
  const running: Running[] = [];
  const worker = async (gate: string) => {
    const w = await startWorker(['--db', world.dbPath, '--storage', world.storage, '--challenges', world.challengesRoot, '--lease', '3', '--grace', '5', '--shard-units', '10'],
      { PODIUM_TEST_HOLD_SHARD: gate });
    running.push(w);
    return w;
  };

  beforeAll(async () => {
    server = await spawnServe(['--db', world.dbPath, '--storage', world.storage, '--challenges', world.challengesRoot, '--workers', '0']);
    store = await openStore(world.dbPath);
  });
  afterAll(async () => {
    for (const w of running) await w.stop('SIGKILL');
    await server?.stop();
    await store?.close();
    world.cleanup();
  });

  it('kill -9 of a worker mid-shard: its shard is scored again elsewhere, the merge equals one pass exactly, written once', async () => {
    const gateB = path.join(world.root, 'gate-b');
    const a = await worker(path.join(world.root, 'gate-a-never'));
    const b = await worker(gateB);
    const token = await register(server.url, 'sharded');
    const r = await api(server.url, 'POST', '/api/challenges/det/submissions', { token, form: fileForm(det.submission) });
    expect(r.status, r.text).toBe(202);
    const id = r.body.id as number;
    const shards = () => store.sql.all<{ shard: number; unit_from: number; unit_to: number; state: string; attempts: number; lease_owner: string | null; has_result: number }>(
      `SELECT sh.shard, sh.unit_from, sh.unit_to, sh.state, sh.attempts, sh.lease_owner, CASE WHEN sh.result IS NULL THEN 0 ELSE 1 END AS has_result
       FROM job_shards sh JOIN jobs j ON j.id = sh.job_id WHERE j.submission_id = ? ORDER BY sh.shard`, [id]);
    // Each worker holds a shard at its gate: two running shards, two owners.
    const held = await until(shards, (s) => s.filter((x) => x.state === 'running').length === 2, 'both workers to hold a shard');
    expect(held.map((s) => [s.unit_from, s.unit_to])).toEqual([[0, 10], [10, 20], [20, 30]]);
    const owners = held.filter((s) => s.state === 'running').map((s) => s.lease_owner!);
    expect(new Set(owners).size).toBe(2);
    const killedShard = held.find((s) => s.lease_owner?.includes(`|${ownerPid(a)}|`))!.shard;
    expect(await a.stop('SIGKILL')).toBeNull();
    fs.writeFileSync(gateB, '');

    // (Scoring includes 2 x 1,000 bootstrap resamples of COCO AP: allow it time on a busy machine.)
    const status = () => store.sql.get<{ status: string; error: string | null }>('SELECT status, error FROM submissions WHERE id = ?', [id]);
    const done = await until(status, (s) => s?.status === 'scored' || s?.status === 'failed', 'the merged scores', 180_000);
    expect(done!.status, done!.error ?? '').toBe('scored');
    const after = await shards();
    expect(after.map((s) => [s.state, s.attempts, s.lease_owner, s.has_result])).toEqual(
      after.map((s) => ['done', s.shard === killedShard ? 2 : 1, null, 0]));
    const jobs = await store.sql.all<{ state: string; attempts: number }>('SELECT j.state, j.attempts FROM jobs j WHERE j.submission_id = ?', [id]);
    expect(jobs).toEqual([{ state: 'done', attempts: 1 }]);

    // Written once, and equal to one process scoring the whole file.
    const rows = await store.sql.all<{ split: string; metrics_json: string; primary_value: number; ci_low: number | null; ci_high: number | null; bootstrap_samples: number; evaluator_version: string; current: number }>(
      'SELECT split, metrics_json, primary_value, ci_low, ci_high, bootstrap_samples, evaluator_version, current FROM scores WHERE submission_id = ? ORDER BY id', [id]);
    expect(rows.map((x) => [x.split, x.current])).toEqual([['all', 1], ['public', 1], ['private', 1]]);
    const file = path.join(world.root, 'whole.csv');
    fs.writeFileSync(file, det.submission);
    const whole = await scoreSubmission({ challengeId: 'det', task: 'detection', truth: det.truth, options: {}, primaryMetric: 'AP', file, bootstrapSamples: DEFAULT_BOOTSTRAP_SAMPLES });
    expect(rows.map((x) => ({
      split: x.split, metrics: JSON.parse(x.metrics_json), primary_value: x.primary_value, ci_low: x.ci_low, ci_high: x.ci_high, bootstrap_samples: x.bootstrap_samples,
    }))).toEqual(whole.splits.map(({ extras: _extras, ...s }) => s));
    expect(rows[0]!.evaluator_version).toBe(whole.version);
    expect(await b.stop('SIGTERM')).toBe(0);
  }, 300_000);
});
