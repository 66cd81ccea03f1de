// Model submissions through the real server: upload, validation before queueing, the job run in
// the sandbox by the queue, failure reasons on the participant's submission, the latency record
// and the model board; and kill -9 of the server mid-run (held once the sandbox is up): the
// sandbox dies with it and the job runs again, exactly once.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, register } from '../leaderboard/helpers.js';
import { spawnServe } from '../leaderboard/serve-process.js';
import { here, makeModels, PYTHON, tinyClassificationChallenge, type TinyChallenge } from './helpers.js';

let root: string;
let models: string;
let ch: TinyChallenge;
let dbPath: string;

function modelForm(file: string, name = path.basename(file)): FormData {
  const form = new FormData();
  form.append('file', new Blob([fs.readFileSync(file)], { type: 'application/octet-stream' }), name);
  return form;
}

async function waitDone(url: string, token: string, id: number, seconds = 240): Promise<any> {
  for (let i = 0; i < seconds * 10; i++) {
    const r = await api(url, 'GET', `/api/submissions/${id}`, { token });
    if (r.body?.status === 'scored' || r.body?.status === 'failed') return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`submission ${id} never finished`);
}

/** Child processes of `pid` (from /proc), to find the sandbox the server started. */
function children(pid: number): { pid: number; comm: string }[] {
  const out: { pid: number; comm: string }[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S (\d+)/.exec(stat);
      if (m && Number(m[2]) === pid) out.push({ pid: Number(d), comm: m[1] });
    } catch {
      /* gone */
    }
  }
  return out;
}

const alive = (pid: number) => fs.existsSync(`/proc/${pid}`);

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-model-server-'));
  models = path.join(root, 'models');
  makeModels(models, 32, 10);
  ch = tinyClassificationChallenge(root, { sandbox: { wall_s: 60 } });
  dbPath = path.join(root, 'podium.sqlite');
}, 120_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('model submissions on the server', () => {
  it('kill -9 mid-run: the sandbox dies with the server, and the job runs again exactly once', async () => {
    const gate = path.join(root, 'gate-never-created');
    const args = ['--db', dbPath, '--challenges', path.join(root, 'challenges'), '--workers', '1'];
    const first = await spawnServe(args, { PODIUM_TEST_HOLD_MODEL: gate });
    const token = await register(first.url, 'model-crash');
    const up = await api(first.url, 'POST', '/api/challenges/inat-tiny/submissions', { token, form: modelForm(path.join(models, 'classifier.onnx')) });
    expect(up.status, up.text).toBe(202);
    // Wait until the sandbox (bwrap, started through prlimit by the server) is up and held.
    let sandbox: { pid: number; comm: string } | undefined;
    for (let i = 0; i < 1200 && !sandbox; i++) {
      sandbox = children(first.child.pid!).find((c) => c.comm === 'bwrap');
      if (!sandbox) await new Promise((r) => setTimeout(r, 100));
    }
    expect(sandbox, 'the model runs in bubblewrap under the server').toBeTruthy();
    const inner = children(sandbox!.pid);
    expect(await first.stop('SIGKILL')).toBe(null);
    for (let i = 0; i < 100 && (alive(sandbox!.pid) || inner.some((c) => alive(c.pid))); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(sandbox!.pid), 'bubblewrap died with the server').toBe(false);
    for (const c of inner) expect(alive(c.pid), 'the sandboxed runner died with the server').toBe(false);

    const second = await spawnServe(args);
    try {
      const done = await waitDone(second.url, token, up.body.id);
      expect(done.status, done.error).toBe('scored');
      // The same predictions, computed by hand and uploaded as a file, score the same.
      const file = path.join(root, 'by-hand.csv');
      execFileSync(PYTHON, [path.join(here, 'predict_classifier.py'), path.join(models, 'classifier.onnx'), path.join(ch.data, 'test2018.json'), file, '3', '-1', '1']);
      const form = new FormData();
      form.append('file', new Blob([fs.readFileSync(file)], { type: 'text/csv' }), 'by-hand.csv');
      const asFile = await api(second.url, 'POST', '/api/challenges/inat-tiny/submissions', { token, form });
      expect(asFile.status, asFile.text).toBe(202);
      const fileDone = await waitDone(second.url, token, asFile.body.id);
      expect(done.scores).toEqual(fileDone.scores);

      const page = await fetch(`${second.url}/challenges/inat-tiny/models`);
      expect(page.status).toBe(200);
      const text = await page.text();
      expect(text).toContain('accuracy gate, then latency');
      expect(text).toContain('Pareto front');
      expect(text).toMatch(/<svg class="chart"/);
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
    const db = new Database(dbPath, { readonly: true });
    const job = db.prepare('SELECT state, attempts FROM jobs WHERE submission_id = ?').get(up.body.id) as any;
    expect(job).toEqual({ state: 'done', attempts: 2 });
    const counts = db.prepare('SELECT split, count(*) AS n FROM scores WHERE submission_id = ? GROUP BY split').all(up.body.id) as any[];
    expect(counts.every((c) => c.n === 1)).toBe(true);
    const lat = JSON.parse((db.prepare('SELECT latency_json FROM submissions WHERE id = ?').get(up.body.id) as any).latency_json);
    expect(lat).toMatchObject({ kind: 'model', params: 40, madds: 30, warmup_stop: 'fixed', environment: { isolation: 'bwrap', threads: 1 } });
    expect(lat.p90_ms).toBeGreaterThan(0);
    db.close();
  }, 600_000);

  it('refuses a bad model at upload and reports a failed run on the submission', async () => {
    const server = await spawnServe(['--db', dbPath, '--challenges', path.join(root, 'challenges'), '--workers', '1']);
    try {
      const token = await register(server.url, 'model-hostile');
      const ext = await api(server.url, 'POST', '/api/challenges/inat-tiny/submissions', { token, form: modelForm(path.join(models, 'external.onnx')) });
      expect(ext.status).toBe(400);
      expect(JSON.stringify(ext.body.errors)).toMatch(/keeps its data in an external file/);
      const cut = await api(server.url, 'POST', '/api/challenges/inat-tiny/submissions', { token, form: modelForm(path.join(models, 'truncated.onnx')) });
      expect(cut.status).toBe(400);
      expect(JSON.stringify(cut.body.errors)).toMatch(/not a complete ONNX model/);

      const hog = await api(server.url, 'POST', '/api/challenges/inat-tiny/submissions', { token, form: modelForm(path.join(models, 'memhog.onnx')) });
      expect(hog.status, hog.text).toBe(202);
      const failed = await waitDone(server.url, token, hog.body.id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/^model failed \(memory\): out of memory/);

      // The submit page says the challenge takes models (its upload limit) and links the models board.
      const submit = await (await fetch(`${server.url}/challenges/inat-tiny/submit`)).text();
      expect(submit).toMatch(/id="takes-models">This challenge also takes models: upload one self-contained <code>.onnx<\/code> file \(up to 256 MB\)/);
      expect(submit).toContain('href="/challenges/inat-tiny/models"');
      const board = await fetch(`${server.url}/challenges/inat-tiny/models`);
      expect(board.status).toBe(200);
      // The models board has the challenge's tabs; the leaderboard links it (signed in or not: the anonymous page is another path).
      expect(await board.text()).toContain('<nav class="subnav"');
      for (const viewer of [{}, { token }]) {
        const overview = await api(server.url, 'GET', '/challenges/inat-tiny', viewer);
        expect(overview.text).toMatch(/id="models-link">This challenge also takes models: <a href="\/challenges\/inat-tiny\/models">models board<\/a>/);
      }
    } finally {
      await server.stop('SIGTERM');
    }
  }, 600_000);
});
