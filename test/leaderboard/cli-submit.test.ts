/**
 * `podium submit` against a live server: every problem (up to a cap) with the true total, --json
 * errors as one object on stdout, a folder zipped for the user, problems inside a zip named by
 * the inner file and never by a server path, a compressed upload named as such, and control
 * characters stripped from what the server sends back (team names).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../src/formats/png.js';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { cliPath, fixture } from '../helpers/cli.js';
import { api, fileForm, makeWorld, register, submissionCsv } from './helpers.js';

const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z', limits: { per_day: 50, total: 100 } }]);
const voc40 = fixture('seg/voc40');
let server: RunningServer;
let token: string;

function podium(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env: { ...process.env, PODIUM_URL: server.url, PODIUM_TOKEN: token } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  // A segmentation challenge on the shared 40-mask fixture: it takes a folder or a zip.
  const seg = path.join(world.challengesRoot, 'seg');
  fs.mkdirSync(seg);
  fs.writeFileSync(path.join(seg, 'challenge.yaml'), [
    'id: seg', 'title: Masks', 'task: segmentation', `truth: ${path.join(voc40, 'truth')}`, 'primary_metric: miou', 'options: {}',
    'limits: { per_day: 50, total: 100, final_selections: 2, max_upload_mb: 20 }',
    'phases:', '  - { id: main, start: 2020-01-01T00:00:00Z, end: 2099-01-01T00:00:00Z }', '',
  ].join('\n'));
  // Bad rows: 300 unknown ids, so the server's capped list stands for more than it shows.
  fs.writeFileSync(path.join(world.root, 'many.csv'), ['id,predicted', ...Array.from({ length: 300 }, (_, i) => `x${i},ant bee cat`)].join('\n') + '\n');
  fs.writeFileSync(path.join(world.root, 'header-only.csv'), 'id,predicted\n');
  fs.writeFileSync(path.join(world.root, 'good.csv.gz'), zlib.gzipSync(submissionCsv(() => true)));
  // The fixture's masks, one of them the wrong size.
  const masks = path.join(world.root, 'my-masks');
  fs.cpSync(path.join(voc40, 'submission'), masks, { recursive: true });
  fs.writeFileSync(path.join(masks, '2007_000001.png'), encodePng({ width: 3, height: 2, colorType: 'gray', data: new Uint8Array(6) }));
  server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, bootstrapSamples: 20, log: () => undefined });
  token = await register(server.url, 'cli\u001b[31m red\u202e team');
});
afterAll(async () => {
  await server?.close();
  world.cleanup();
});

describe('podium submit', () => {
  it('prints every problem up to a cap, with the true total the server counted', async () => {
    const viaApi = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(fs.readFileSync(path.join(world.root, 'many.csv'), 'utf8'), 'many.csv') });
    expect(viaApi.status).toBe(400);
    const total = viaApi.body.total as number;
    expect(total).toBeGreaterThan(viaApi.body.errors.length);
    const r = await podium(['submit', '--challenge', 'toy', '--file', path.join(world.root, 'many.csv')]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`podium: the file is not a valid submission: ${total.toLocaleString('en-US')} problems; nothing was queued and it does not count against your limits`);
    expect(lines.slice(1, 51).every((l) => /^ {2}many\.csv, line \d+/.test(l))).toBe(true);
    expect(lines[51]).toBe(`  ... and ${(total - 50).toLocaleString('en-US')} more`);
    expect(lines).toHaveLength(52);
  });

  it('counts the problems of a header-only file truly', async () => {
    const r = await podium(['submit', '--challenge', 'toy', '--file', path.join(world.root, 'header-only.csv'), '--json']);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.total).toBeGreaterThanOrEqual(out.problems.length);
    expect(out.problems.every((p: { message: string }) => !/more problems/.test(p.message))).toBe(true);
    expect(out.error).toMatch(/not a valid submission/);
  });

  it('prints errors as one JSON object on stdout with --json', async () => {
    const r = await podium(['submit', '--challenge', 'nope', '--file', path.join(world.root, 'many.csv'), '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ error: 'no challenge "nope"', status: 404 });
    const missing = await podium(['submit', '--challenge', 'toy', '--file', path.join(world.root, 'absent.csv'), '--json']);
    expect(JSON.parse(missing.stdout).error).toMatch(/no such file or folder .*absent\.csv$/);
  });

  it('zips a folder for the user and scores it', async () => {
    const r = await podium(['submit', '--challenge', 'seg', '--file', path.join(voc40, 'submission'), '--wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^zipped .*submission \(40 files, [\d.]+ KB\) as submission\.zip\n$/);
    const expected = JSON.parse(fs.readFileSync(path.join(voc40, 'expected.json'), 'utf8'));
    expect(r.stdout).toMatch(/^submission \d+ scored: miou \d/);
    const score = Number(/miou ([\d.]+)/.exec(r.stdout)![1]);
    expect(score).toBeCloseTo(expected.miou ?? expected.metrics?.miou, 4);
  });

  it('names the file inside the zip, never a server path', async () => {
    const r = await podium(['submit', '--challenge', 'seg', '--file', path.join(world.root, 'my-masks'), '--json']);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    const text = JSON.stringify(out);
    expect(out.problems[0].file).toBe('my-masks.zip/2007_000001.png');
    expect(out.problems[0].message).toMatch(/mask is 3 x 2/);
    expect(text).not.toContain(voc40);
    expect(text).not.toContain(world.root);
  });

  it('names a compressed upload as compressed', async () => {
    const r = await podium(['submit', '--challenge', 'toy', '--file', path.join(world.root, 'good.csv.gz')]);
    expect(r.code).toBe(2);
    // One problem: one line.
    expect(r.stderr).toBe('podium: good.csv.gz: is gzip-compressed; podium reads the file itself (a folder as a .zip): decompress it first and submit the result\n');
  });

  it('strips control characters from team names it prints', async () => {
    expect((await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv(() => true)) })).status).toBe(202);
    await server.whenIdle();
    const board = await podium(['leaderboard', 'toy']);
    expect(board.stdout).toContain('cli[31m red team');
    expect(board.stdout).not.toMatch(/[\u001b\u202e]/);
    const status = await podium(['status', 'toy']);
    expect(status.stdout).toMatch(/^toy · team cli\[31m red team · 1 submission/m);
  });
});
