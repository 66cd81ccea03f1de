/** `podium submit`, `podium leaderboard`, `podium status` (the built CLI) against a live server. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { cliPath } from '../helpers/cli.js';
import { makeWorld, register, submissionCsv } from './helpers.js';

const world = makeWorld([{ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }]);
let server: RunningServer;
let token: string;

/** Asynchronous, so the in-process server keeps answering while the CLI runs. */
function podium(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env: { ...process.env, PODIUM_URL: '', PODIUM_TOKEN: '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, bootstrapSamples: 50, log: () => undefined });
  token = await register(server.url, 'cli user');
  fs.writeFileSync(path.join(world.root, 'good.csv'), submissionCsv((i) => i % 2 === 0));
  fs.writeFileSync(path.join(world.root, 'bad.csv'), 'id,predicted\nr000,ant\n');
});
afterAll(async () => {
  await server.close();
  world.cleanup();
});

describe('podium submit / leaderboard / status', () => {
  it('submits with flags, waits for the score and shows it', async () => {
    const r = await podium(['submit', '--url', server.url, '--token', token, '--challenge', 'toy', '--file', path.join(world.root, 'good.csv'), '-m', 'first try', '--wait']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^submission 1 scored: top1_error 0\.5 \(95% interval 0\.\d+ – 0\.\d+\)/);
  });

  it('reads the server and token from the environment', async () => {
    const env = { PODIUM_URL: server.url, PODIUM_TOKEN: token };
    const status = await podium(['status', 'toy'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('toy · team cli user · 1 submission');
    expect(status.stdout).toMatch(/1\s+\S+ \S+\s+scored\s+0\.5/);
    const all = await podium(['status', '--json'], env);
    expect(JSON.parse(all.stdout).challenges[0].submissions[0].status).toBe('scored');
    const board = await podium(['leaderboard', 'toy'], env);
    expect(board.code).toBe(0);
    expect(board.stdout).toMatch(/^1\s+cli user\s+0\.5/m);
    const json = JSON.parse((await podium(['leaderboard', 'toy', '--json'], env)).stdout);
    expect(json.entries[0]).toMatchObject({ rank: 1, team: 'cli user', score: 0.5 });
  });

  it('prints every problem of an invalid file and exits 2', async () => {
    const r = await podium(['submit', '--challenge', 'toy', '--file', path.join(world.root, 'bad.csv')], { PODIUM_URL: server.url, PODIUM_TOKEN: token });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^podium: bad\.csv, line 2, column predicted: .*\(and \d+ more problems\)\n$/);
  });

  it('explains a missing token, an unknown challenge, a private board too early and an unreachable server', async () => {
    const noToken = await podium(['submit', '--url', server.url, '--challenge', 'toy', '--file', path.join(world.root, 'good.csv')]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/no token; pass --token or set PODIUM_TOKEN/);
    const unknown = await podium(['leaderboard', 'nope', '--url', server.url]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no challenge "nope"');
    const early = await podium(['leaderboard', 'toy', '--split', 'private', '--url', server.url]);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain('shown after the end');
    const down = await podium(['leaderboard', 'toy', '--url', 'http://127.0.0.1:9']);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/cannot reach the podium server at http:\/\/127\.0\.0\.1:9/);
  });
});
