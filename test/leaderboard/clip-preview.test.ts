/**
 * Stabilization clip previews: the page lists each baseline's animation, the PNG route renders
 * input | output frames from the stored submission (identity: output = input), and only
 * baselines or the viewer's own team's submissions can be previewed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBaseline } from '../../src/baselines/run.js';
import { makeChallenge } from '../../src/datasets/mini-challenges.js';
import { decodePng } from '../../src/formats/png.js';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, register, waitFor, webLogin } from './helpers.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-preview-'));
const challengesRoot = path.join(root, 'challenges');
const dataDir = path.join(root, 'data', 'motion-photos-mini');
const dbPath = path.join(root, 'podium.sqlite');
let server: RunningServer;
const ids: Record<string, number> = {};

beforeAll(async () => {
  await makeChallenge('motion-photos-mini', dataDir, { seed: 11, sizes: { clipsPerCategory: 1 } });
  fs.mkdirSync(path.join(challengesRoot, 'motion-photos-mini'), { recursive: true });
  fs.copyFileSync(path.join('challenges', 'motion-photos-mini', 'challenge.yaml'), path.join(challengesRoot, 'motion-photos-mini', 'challenge.yaml'));
  for (const name of ['identity', 'gyro-l1']) {
    const run = await runBaseline('motion-photos-mini', name, { challengesRoot, dataDir, db: dbPath, latency: 'off' });
    ids[name] = (run.recorded as { submissionId: number }).submissionId;
  }
  server = await startServer({ dbPath, challengesRoot, port: 0, workers: 1, bootstrapSamples: 10, log: () => undefined });
}, 120_000);
afterAll(async () => {
  await server?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Frame count (acTL) and the first frame (the IDAT image) of an APNG. */
function apng(buf: Buffer): { frames: number; first: ReturnType<typeof decodePng> } {
  const at = buf.indexOf('acTL');
  expect(at).toBeGreaterThan(0);
  return { frames: buf.readUInt32BE(at + 4), first: decodePng(buf) };
}

describe('stabilization clip previews', () => {
  it('link from the challenge page to a clip page with one animation per baseline', async () => {
    const board = await (await fetch(`${server.url}/challenges/motion-photos-mini`)).text();
    expect(board).toContain('href="/challenges/motion-photos-mini/clips"');
    const first = await fetch(`${server.url}/challenges/motion-photos-mini/clips`, { redirect: 'manual' });
    expect(first.status).toBe(302);
    const clipUrl = first.headers.get('location')!;
    const page = await (await fetch(server.url + clipUrl)).text();
    for (const name of ['identity', 'gyro-l1']) expect(page).toContain(`src="${clipUrl}/${ids[name]}.png"`);
    // Every clip of the truth is listed, by category.
    for (const category of ['far-background', 'pan', 'foreground-dominated', 'close-range-parallax']) expect(page).toContain(category);
  });

  it('renders input beside output: identity leaves the frames unchanged, the gyro path moves them', async () => {
    const clip = fs.readFileSync(path.join(dataDir, 'test', 'clips.csv'), 'utf8').split('\n')[1]!.split(',')[0]!;
    const frame0 = decodePng(fs.readFileSync(path.join(dataDir, 'test', clip, 'frames', '0000.png')));
    const W = frame0.width, H = frame0.height;
    const halves = async (name: string) => {
      const res = await fetch(`${server.url}/challenges/motion-photos-mini/clips/${clip}/${ids[name]}.png`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const { frames, first } = apng(Buffer.from(await res.arrayBuffer()));
      expect(frames).toBe(45); // 90 frames, every other one
      expect([first.width, first.height]).toEqual([2 * W + 4, H]);
      const left = new Uint8Array(W * H), right = new Uint8Array(W * H);
      for (let y = 0; y < H; y++) {
        left.set(first.data.subarray(y * first.width, y * first.width + W), y * W);
        right.set(first.data.subarray(y * first.width + W + 4, y * first.width + 2 * W + 4), y * W);
      }
      return { left, right };
    };
    const identity = await halves('identity');
    expect(Buffer.from(identity.left).equals(Buffer.from(frame0.data))).toBe(true);
    expect(Buffer.from(identity.right).equals(Buffer.from(frame0.data))).toBe(true);
    const gyro = await halves('gyro-l1');
    expect(Buffer.from(gyro.left).equals(Buffer.from(frame0.data))).toBe(true);
    let changed = 0;
    for (let i = 0; i < W * H; i++) if (gyro.right[i] !== frame0.data[i]) changed++;
    expect(changed).toBeGreaterThan((W * H) / 10);
  });

  it("previews a team's own submission only for that team, and refuses unknown clips", async () => {
    const clip = fs.readFileSync(path.join(dataDir, 'test', 'clips.csv'), 'utf8').split('\n')[1]!.split(',')[0]!;
    const token = await register(server.url, 'stabilizer');
    const sample = fs.readFileSync(path.join(dataDir, 'sample_submission.csv'));
    const form = new FormData();
    form.append('file', new Blob([sample]), 'sample_submission.csv');
    const up = await api(server.url, 'POST', '/api/challenges/motion-photos-mini/submissions', { token, form });
    expect(up.status).toBe(202);
    await waitFor(server.url, token, up.body.id);
    const url = `/challenges/motion-photos-mini/clips/${clip}/${up.body.id}.png`;
    const owner = await webLogin(server.url, token);
    expect((await fetch(server.url + url, { headers: { cookie: owner.cookie } })).status).toBe(200);
    const ownPage = await (await fetch(`${server.url}/challenges/motion-photos-mini/clips/${clip}`, { headers: { cookie: owner.cookie } })).text();
    expect(ownPage).toContain(`${up.body.id}.png`);
    const other = await webLogin(server.url, await register(server.url, 'someone else'));
    expect((await fetch(server.url + url, { headers: { cookie: other.cookie } })).status).toBe(404);
    expect((await fetch(server.url + url)).status).toBe(404);
    expect((await fetch(`${server.url}/challenges/motion-photos-mini/clips/..%2F..%2Fetc/${ids.identity}.png`)).status).toBe(404);
    expect((await fetch(`${server.url}/challenges/motion-photos-mini/clips/nope`)).status).toBe(404);
  });
});
