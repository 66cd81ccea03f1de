/**
 * Validation under attack, against a real `podium serve` process on loopback: quadratic-number
 * files from two attackers while a bystander uploads; bomb files (WAVs declaring far more than
 * the truth, PNGs of 8192 x 8192, a JSON array of millions of empty arrays, 100,000-deep
 * nesting). Each is refused with a clear 400, and the server's peak memory (VmHWM of its
 * process, worker threads included) stays within a stated bound. The budget itself (time and
 * heap of a validation thread) is checked in-process with a tiny heap.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../src/formats/png.js';
import { writeZip } from '../../src/formats/zip.js';
import { startServer } from '../../src/leaderboard/server.js';
import { api, fileForm, makeWorld, register } from './helpers.js';
import { spawnServe, type ServeProcess } from './serve-process.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const world = makeWorld([{ id: 'toy' }]);

/** A challenge folder of the given task over a copy of a fixture truth. */
function addChallenge(id: string, task: string, truthFrom: string, truthName: string, options = '{}'): void {
  const dir = path.join(world.challengesRoot, id);
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(truthFrom, path.join(dir, truthName), { recursive: true });
  fs.writeFileSync(path.join(dir, 'challenge.yaml'), [
    `id: ${id}`, `title: ${id}`, `task: ${task}`, `truth: ${truthName}`,
    `primary_metric: ${task === 'detection' ? 'AP' : task === 'segmentation' ? 'miou' : 'sdri'}`,
    `options: ${options}`,
    'limits: { per_day: 100, total: 1000, final_selections: 2, max_upload_mb: 100 }',
    'phases:', '  - { id: main, start: 2020-01-01T00:00:00Z, end: 2099-01-01T00:00:00Z }', '',
  ].join('\n'));
}
addChallenge('det', 'detection', path.join(fixtures, 'det/instances.json'), 'instances.json');
addChallenge('sep', 'separation', path.join(fixtures, 'sep/truth'), 'truth');
addChallenge('seg', 'segmentation', path.join(fixtures, 'seg/voc40/truth'), 'truth');

let server: ServeProcess;
afterAll(async () => {
  await server?.stop('SIGKILL');
  world.cleanup();
});

const MB = 1024 * 1024;
function memory(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

async function upload(token: string, challenge: string, body: Blob | string, filename: string) {
  const started = performance.now();
  const r = await api(server.url, 'POST', `/api/challenges/${challenge}/submissions`, { token, form: fileForm(body as string, filename) });
  return { ...r, seconds: (performance.now() - started) / 1000 };
}

/** A WAV header declaring `frames` mono 16-bit samples at `rate` Hz, followed by that many zero samples. */
function silentWav(frames: number, rate: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + frames * 2, 4); h.write('WAVE', 8); h.write('fmt ', 12);
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22); h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34); h.write('data', 36); h.writeUInt32LE(frames * 2, 40);
  return Buffer.concat([h, Buffer.alloc(frames * 2)]);
}

describe('validation under attack', () => {
  let base: { rss: number; peak: number };
  let tokens: string[];

  beforeAll(async () => {
    server = await spawnServe(['--db', world.dbPath, '--storage', world.storage, '--challenges', world.challengesRoot, '--workers', '1']);
    tokens = await Promise.all(['attacker one', 'attacker two', 'bystander', 'bomber'].map((n) => register(server.url, n)));
    base = memory(server.child.pid!);
  });

  it('refuses 150,000-digit numbers at once, while a bystander is answered', async () => {
    const digits = '1'.repeat(150_000);
    const hostile = `image_id,category_id,score,x,y,width,height\n${'3,2,0.5,1,1,2,2\n'.repeat(50)}3,2,0.5,${digits}x,1,2,2\n`;
    const valid = fs.readFileSync(path.join(fixtures, 'det/submission.csv'), 'utf8').split('\n').slice(0, 400).join('\n') + '\n';
    const [a, b, bystander] = await Promise.all([
      upload(tokens[0]!, 'det', hostile, 'a.csv'),
      upload(tokens[1]!, 'det', hostile, 'b.csv'),
      (async () => {
        await new Promise((r) => setTimeout(r, 50)); // behind the attackers
        return upload(tokens[2]!, 'det', valid, 'mine.csv');
      })(),
    ]);
    for (const r of [a, b]) {
      expect(r.status).toBe(400);
      expect(r.body.errors[0].text).toMatch(/line 52.*x.*must be a finite number/);
    }
    expect(bystander.status, bystander.text).toBe(202);
    // Measured and printed for the record (bench figures belong in the note); the loose bound only
    // tells linear parsing from the quadratic regex, which took 80 s per file and held every slot.
    console.log(`150,000-digit files refused in ${a.seconds.toFixed(2)} s and ${b.seconds.toFixed(2)} s; bystander (${(valid.length / 1024).toFixed(1)} KB) answered in ${bystander.seconds.toFixed(2)} s`);
    expect(Math.max(a.seconds, b.seconds, bystander.seconds)).toBeLessThan(60);
  });

  it('refuses bomb files before decoding them, within a stated memory bound', async () => {
    const bomber = tokens[3]!;
    const dir = path.join(world.root, 'bombs');
    fs.mkdirSync(dir);

    // Eight WAVs of 32 MB (16M samples each) in a few hundred KB of zip; the truth's are 20,000 samples.
    const wav = silentWav(16 * MB, 8000);
    const wavZip = path.join(dir, 'wavs.zip');
    // The first eight estimates are the bombs; the other 40 are of the truth's size.
    const small = silentWav(20_000, 8000);
    const names = Array.from({ length: 24 }, (_, i) => [`s1/mix${String(i).padStart(3, '0')}.wav`, `s2/mix${String(i).padStart(3, '0')}.wav`]).flat();
    await writeZip(wavZip, names.map((name, i) => ({ name, data: i < 8 ? wav : small })));
    const wavBomb = await upload(bomber, 'sep', new Blob([fs.readFileSync(wavZip)]), 'wavs.zip');
    expect(wavBomb.status, wavBomb.text).toBe(400);
    expect(wavBomb.text).toMatch(/is 33,554,476 bytes; a WAV of the truth's length is at most 1,208,576 bytes/);

    // 100 PNGs of 8192 x 8192 (all zeros, so a few KB each): the truth masks are 64 x 48 or so.
    const png = encodePng({ width: 8192, height: 8192, colorType: 'gray', data: new Uint8Array(8192 * 8192) });
    const pngZip = path.join(dir, 'pngs.zip');
    await writeZip(pngZip, Array.from({ length: 100 }, (_, i) => ({ name: `2007_${String(i).padStart(6, '0')}.png`, data: png, compress: false })));
    const pngBomb = await upload(bomber, 'seg', new Blob([fs.readFileSync(pngZip)]), 'pngs.zip');
    expect(pngBomb.status, pngBomb.text).toBe(400);
    expect(pngBomb.text).toMatch(/mask is 8192 x 8192, the truth/);

    // A 30 MB JSON of 10 million empty arrays (JSON.parse would hold ~0.9 GB).
    const arrays = Buffer.alloc(30 * MB, '[],');
    arrays[0] = 0x5b;
    arrays[arrays.length - 1] = 0x5d;
    arrays[arrays.length - 2] = 0x5d;
    const jsonBomb = await upload(bomber, 'det', new Blob([arrays]), 'arrays.json');
    expect(jsonBomb.status, jsonBomb.text).toBe(400);
    expect(jsonBomb.text).toMatch(/holds more than 1,000,000 JSON arrays and objects/);

    // 100,000-deep nesting inside one entry (once a 500 "Maximum call stack size exceeded").
    const deep = `[{"image_id": ${'['.repeat(100_000)}${']'.repeat(100_000)}, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}]`;
    const nested = await upload(bomber, 'det', deep, 'deep.json');
    expect(nested.status, nested.text).toBe(400);
    expect(nested.text).toMatch(/image_id must be a .*number.*an array of 1/);

    const after = memory(server.child.pid!);
    const bound = base.rss + 400 * MB;
    console.log(`server RSS at start ${(base.rss / MB).toFixed(0)} MB, peak over the bombs ${(after.peak / MB).toFixed(0)} MB (bound: start + 400 MB = ${(bound / MB).toFixed(0)} MB), now ${(after.rss / MB).toFixed(0)} MB`);
    expect(after.peak).toBeLessThan(bound);
  }, 600_000); // building the bombs is slow on a loaded machine; nothing here is timed
});

describe('validation budget', () => {
  it('refuses a file whose check needs more than the heap budget, with a clear 400, and keeps serving', { timeout: 600_000 }, async () => {
    const w = makeWorld([{ id: 'toy' }]);
    const dir = path.join(w.challengesRoot, 'det');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(fixtures, 'det/instances.json'), path.join(dir, 'instances.json'));
    fs.writeFileSync(path.join(dir, 'challenge.yaml'), fs.readFileSync(path.join(world.challengesRoot, 'det/challenge.yaml')));
    const s = await startServer({ dbPath: w.dbPath, storage: w.storage, challengesRoot: w.challengesRoot, port: 0, workers: 1, validationHeapMb: 24, log: () => undefined });
    try {
      const token = await register(s.url, 'heavy');
      // Under the container cap, but general-path JSON (extra keys) that needs far more than 24 MB of heap.
      const entry = '{"image_id": 3, "category_id": 2, "bbox": [1, 1, 2, 2], "score": 0.5, "extra": {"a": [1, 2, 3]}}';
      const big = `[${Array.from({ length: 200_000 }, () => entry).join(',')}]`;
      const r = await api(s.url, 'POST', '/api/challenges/det/submissions', { token, form: fileForm(big, 'big.json') });
      expect(r.status, r.text).toBe(400);
      expect(r.body.errors[0].message).toMatch(/needs more than the 24 MB memory budget/);
      const ok = await api(s.url, 'POST', '/api/challenges/det/submissions', { token, form: fileForm(fs.readFileSync(path.join(fixtures, 'det/submission.csv'), 'utf8'), 'ok.csv') });
      expect(ok.status, ok.text).toBe(202);
    } finally {
      await s.close();
      w.cleanup();
    }
  });
});
