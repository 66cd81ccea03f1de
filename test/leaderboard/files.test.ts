/**
 * Challenge files: listed with sizes and sha256 (API and Data page), streamed (a folder as a
 * zip made on the fly), fetched by `podium download`, and never the truth: a truth file is
 * refused as a download, a folder's zip leaves truth files and symbolic links out, and no
 * name reaches outside the list (path traversal).
 */
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChallenge } from '../../src/challenges/definition.js';
import { readZip } from '../../src/formats/zip.js';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { cliPath } from '../helpers/cli.js';
import { api, makeWorld, submissionCsv } from './helpers.js';

const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }]);
const dir = path.join(world.challengesRoot, 'toy');
let server: RunningServer;

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

function withFiles(yamlFiles: string): void {
  const file = path.join(dir, 'challenge.yaml');
  const base = fs.readFileSync(file, 'utf8').replace(/\nfiles:[\s\S]*?(?=\nphases:)/, '');
  fs.writeFileSync(file, base.replace('\nphases:', `\n${yamlFiles.trimEnd()}\nphases:`));
}

beforeAll(async () => {
  fs.writeFileSync(path.join(dir, 'train.csv'), 'id,label\nt1,ant\nt2,bee\n');
  fs.writeFileSync(path.join(dir, 'sample.csv'), submissionCsv(() => false));
  fs.mkdirSync(path.join(dir, 'inputs', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'inputs', 'a.txt'), 'first\n');
  fs.writeFileSync(path.join(dir, 'inputs', 'deep', 'b.txt'), 'second\n');
  fs.writeFileSync(path.join(dir, 'inputs', 'skip.tmp'), 'left out by exclude\n');
  // A symbolic link to the truth inside a published folder: never followed.
  fs.symlinkSync(path.join(dir, 'solution.csv'), path.join(dir, 'inputs', 'link-to-truth.csv'));
  fs.appendFileSync(path.join(dir, 'challenge.yaml'), 'sample_submission: sample.csv\n');
  withFiles(`files:
  - path: train.csv
    description: Training labels.
  - path: inputs
    exclude: ["*.tmp"]
    description: Test inputs.
  - path: .
    name: everything.zip
    description: The whole folder; its truth is left out.
  - url: https://data.example.org/full.tar
    size: 1234
    description: The full set, kept elsewhere.`);
  server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, bootstrapSamples: 20, log: () => undefined });
});
afterAll(async () => {
  await server?.close();
  world.cleanup();
});

describe('challenge files', () => {
  it('lists every file with size and sha256, the sample submission included', async () => {
    const r = await api(server.url, 'GET', '/api/challenges/toy/files');
    expect(r.status).toBe(200);
    const byName = new Map<string, any>(r.body.files.map((f: any) => [f.name, f]));
    expect([...byName.keys()]).toEqual(['train.csv', 'inputs.zip', 'everything.zip', 'full.tar', 'sample.csv']);
    const train = fs.readFileSync(path.join(dir, 'train.csv'));
    expect(byName.get('train.csv')).toMatchObject({ kind: 'file', size: train.length, sha256: sha(train) });
    expect(byName.get('sample.csv')).toMatchObject({ role: 'sample_submission', kind: 'file' });
    expect(byName.get('inputs.zip')).toMatchObject({ kind: 'folder', entries: 2, truth_left_out: 0 });
    expect(byName.get('everything.zip').truth_left_out).toBe(1);
    expect(byName.get('full.tar')).toMatchObject({ kind: 'link', url: 'https://data.example.org/full.tar', size: 1234, sha256: null });
  });

  it('streams a file and a folder zip whose bytes match the listed size and sha256, without the truth', async () => {
    const list = (await api(server.url, 'GET', '/api/challenges/toy/files')).body.files as any[];
    for (const name of ['train.csv', 'inputs.zip', 'everything.zip', 'sample.csv']) {
      const listed = list.find((f) => f.name === name);
      const res = await fetch(`${server.url}/challenges/toy/files/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${name}"`);
      const body = Buffer.from(await res.arrayBuffer());
      expect(Number(res.headers.get('content-length'))).toBe(body.length);
      expect(body.length).toBe(listed.size);
      expect(sha(body)).toBe(listed.sha256);
    }
    const zipFile = path.join(world.root, 'inputs.zip');
    fs.writeFileSync(zipFile, Buffer.from(await (await fetch(`${server.url}/api/challenges/toy/files/inputs.zip`)).arrayBuffer()));
    const names: string[] = [];
    for await (const e of readZip(zipFile)) names.push(e.name);
    expect(names).toEqual(['inputs/a.txt', 'inputs/deep/b.txt']);

    const everything = path.join(world.root, 'everything.zip');
    fs.writeFileSync(everything, Buffer.from(await (await fetch(`${server.url}/challenges/toy/files/everything.zip`)).arrayBuffer()));
    const all: string[] = [];
    for await (const e of readZip(everything)) all.push(e.name);
    expect(all).toContain('toy/train.csv');
    expect(all.some((n) => n.endsWith('solution.csv'))).toBe(false);
    expect(all.some((n) => n.includes('link-to-truth'))).toBe(false);
  });

  it('serves nothing outside the list: no truth, no traversal', async () => {
    for (const p of [
      '/challenges/toy/files/solution.csv',
      '/challenges/toy/files/..%2Fsolution.csv',
      '/challenges/toy/files/..%2F..%2F..%2Fetc%2Fpasswd',
      '/challenges/toy/files/%2E%2E%2Fsolution.csv',
      '/api/challenges/toy/files/..%2Ftoy%2Fsolution.csv',
      '/api/challenges/toy/files/inputs.zip%2F..%2F..%2Fsolution.csv',
      '/challenges/toy/files/inputs/a.txt',
    ]) {
      const r = await fetch(server.url + p);
      const text = await r.text();
      expect(r.status, p).toBe(404);
      expect(text, p).not.toContain('r000,');
    }
    const link = await fetch(`${server.url}/challenges/toy/files/full.tar`, { redirect: 'manual' });
    expect(link.status).toBe(302);
    expect(link.headers.get('location')).toBe('https://data.example.org/full.tar');
  });

  it('refuses a definition that offers the truth, naming the field', async () => {
    const other = path.join(world.root, 'bad-def');
    fs.cpSync(dir, other, { recursive: true, verbatimSymlinks: true });
    const yaml = path.join(other, 'challenge.yaml');
    fs.writeFileSync(yaml, fs.readFileSync(yaml, 'utf8').replace('  - path: train.csv', '  - path: ./solution.csv').replace('id: toy', 'id: bad-def'));
    await expect(loadChallenge(other, { requireTruth: true })).rejects.toThrow(/files\[0\].*part of the truth/);
  });

  it('shows the files on the Data page', async () => {
    const page = await api(server.url, 'GET', '/challenges/toy/data');
    expect(page.status).toBe(200);
    expect(page.text).toContain('href="/challenges/toy/files/inputs.zip"');
    expect(page.text).toContain('sample submission');
    expect(page.text).toContain('1 truth files left out');
    expect(page.text).toContain(`npx podium download toy --url ${server.url}`);
  });

  it('podium download fetches every file and checks its sha256', async () => {
    const out = path.join(world.root, 'downloaded');
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [cliPath, 'download', 'toy', '--out', out, '--url', server.url], { env: { ...process.env, PODIUM_TOKEN: '' } }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/train\.csv: .* ok/);
    expect(r.stdout).toContain('full.tar: kept by the host at https://data.example.org/full.tar');
    expect(fs.readFileSync(path.join(out, 'train.csv'), 'utf8')).toBe('id,label\nt1,ant\nt2,bee\n');
    expect(fs.readdirSync(out).sort()).toEqual(['everything.zip', 'inputs.zip', 'sample.csv', 'train.csv']);
  });
});
