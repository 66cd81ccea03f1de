/**
 * The whole participant flow against the real server on a loopback port with a temporary
 * database: register, teams, upload, validation, scoring, leaderboard with intervals and ties,
 * final selections, the private board after the end, baselines, and escaping on the pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addBaselineLatency, recordBaseline } from '../../src/leaderboard/baselines.js';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, fileForm, makeWorld, register, submissionCsv, testClock, waitFor, webLogin } from './helpers.js';
import { scoreSubmission } from '../../src/leaderboard/scoring.js';
import { DEFAULT_BOOTSTRAP_SAMPLES } from '../../src/leaderboard/bootstrap.js';
import { sha256File } from '../../src/baselines/content-hash.js';
import { loadChallenge } from '../../src/challenges/definition.js';
import fs from 'node:fs';
import path from 'node:path';

const world = makeWorld();
const clock = testClock('2026-06-01T12:00:00Z');
let server: RunningServer;
let url: string;
const tokens: Record<string, string> = {};
const ids: Record<string, number> = {};

beforeAll(async () => {
  server = await startServer({
    dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, host: '127.0.0.1', workers: 1,
    adminToken: 'admin-secret-of-twenty-chars', clock: clock.now, teamSizeLimit: 2, bootstrapSamples: 300, log: () => undefined,
  });
  url = server.url;
  for (const name of ['alice', 'bob', 'carol', 'dave', '<script>alert(1)</script>']) tokens[name] = await register(url, name);
});
afterAll(async () => {
  await server.close();
  world.cleanup();
});

async function submit(who: string, csv: string, description?: string) {
  const r = await api(url, 'POST', '/api/challenges/toy/submissions', { token: tokens[who], form: fileForm(csv, 'sub.csv', description) });
  return r;
}

describe('participant flow', () => {
  it('lists the challenge and refuses bad registrations', async () => {
    const list = await api(url, 'GET', '/api/challenges');
    expect(list.body.challenges.map((c: any) => c.id)).toEqual(['toy']);
    expect(list.body.challenges[0]).toMatchObject({ task: 'classification', primary_metric: 'top1_error', higher_is_better: false, state: 'open' });
    const bad = await api(url, 'POST', '/api/participants', { json: { name: '', email: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toHaveLength(2);
    expect((await api(url, 'GET', '/api/me', { token: 'pdm_wrong' })).status).toBe(401);
  });

  it('forms teams by invite code within the size limit', async () => {
    const team = await api(url, 'POST', '/api/challenges/toy/teams', { token: tokens.alice, json: { name: 'Alpha' } });
    expect(team.status).toBe(201);
    const join = await api(url, 'POST', '/api/challenges/toy/teams/join', { token: tokens.bob, json: { invite_code: team.body.invite_code } });
    expect(join.status).toBe(200);
    expect(join.body.members).toEqual(['alice', 'bob']);
    const full = await api(url, 'POST', '/api/challenges/toy/teams/join', { token: tokens.carol, json: { invite_code: team.body.invite_code } });
    expect(full.status).toBe(409);
    expect(full.body.error).toMatch(/full \(2 members at most\)/);
    const wrong = await api(url, 'POST', '/api/challenges/toy/teams/join', { token: tokens.carol, json: { invite_code: 'nope' } });
    expect(wrong.status).toBe(404);
  });

  it('queues a valid upload, scores it with an interval, and shows it to the team only', async () => {
    const r = await submit('alice', submissionCsv((i) => i % 2 === 0), 'even rows right');
    expect(r.status).toBe(202);
    expect(['queued', 'scoring']).toContain(r.body.status);
    expect(typeof r.body.queue_position).toBe('number');
    ids.alpha = r.body.id;
    const done = await waitFor(url, tokens.alice, ids.alpha);
    expect(done.status).toBe('scored');
    expect(done.team).toBe('Alpha');
    expect(done.description).toBe('even rows right');
    expect(done.scores.public.top1_error).toBeCloseTo(0.5, 12);
    expect(done.scores.private).toBeUndefined();
    expect(done.scores.all).toBeUndefined();
    expect(done.intervals.public.low).toBeLessThan(0.5);
    expect(done.intervals.public.high).toBeGreaterThan(0.5);
    expect(done.evaluator_version).toBeTruthy();
    expect((await api(url, 'GET', `/api/submissions/${ids.alpha}`, { token: tokens.bob })).status).toBe(200);
    expect((await api(url, 'GET', `/api/submissions/${ids.alpha}`, { token: tokens.carol })).status).toBe(404);
    expect((await api(url, 'GET', `/api/submissions/${ids.alpha}`)).status).toBe(401);
  });

  it('refuses an invalid file at once with every problem, without queueing it', async () => {
    const lines = submissionCsv(() => true).split('\n');
    lines[3] = 'r002,';
    lines.push('zzz,ant bee cat');
    const r = await submit('alice', lines.join('\n'));
    expect(r.status).toBe(400);
    expect(r.body.errors.length).toBeGreaterThanOrEqual(2);
    expect(r.body.errors.some((e: any) => e.line === 4)).toBe(true); // file line 4 (the header is line 1)
    expect(r.body.errors.every((e: any) => e.file === 'sub.csv')).toBe(true);
    const mine = await api(url, 'GET', '/api/challenges/toy/submissions', { token: tokens.alice });
    expect(mine.body.submissions).toHaveLength(1);
  });

  it('ranks teams by score, breaks ties by the earlier submission and marks overlapping intervals', async () => {
    const c = await submit('carol', submissionCsv((i) => i % 2 === 0));
    ids.carol = c.body.id;
    // Perfect on public rows, wrong on every private row.
    const d = await submit('dave', submissionCsv((i) => i < 30));
    ids.dave = d.body.id;
    await waitFor(url, tokens.carol, ids.carol);
    await waitFor(url, tokens.dave, ids.dave);
    const board = await api(url, 'GET', '/api/challenges/toy/leaderboard');
    expect(board.status).toBe(200);
    const e = board.body.entries;
    expect(e.map((x: any) => [x.rank, x.team, x.score])).toEqual([[1, 'dave', 0], [2, 'Alpha', 0.5], [3, 'carol', 0.5]]);
    expect(e[0].ci).toEqual([0, 0]);
    expect(e[1].tied).toBe(false); // [0.3, 0.7] does not overlap [0, 0]
    expect(e[2].tied).toBe(true); // same score, same resamples: identical intervals
  });

  it('keeps private scores out of every route before the end', async () => {
    const priv = await api(url, 'GET', '/api/challenges/toy/leaderboard?split=private');
    expect(priv.status).toBe(403);
    expect(priv.body.opens_at).toBe('2026-12-31T00:00:00.000Z');
    const page = await api(url, 'GET', '/challenges/toy?split=private');
    expect(page.status).toBe(403);
    expect(page.text).toContain('shown after the end, 2026-12-31 00:00 UTC.');
    const sub = await api(url, 'GET', `/api/submissions/${ids.dave}`, { token: tokens.dave });
    expect(Object.keys(sub.body.scores)).toEqual(['public']);
    // The admin may look before the end.
    const admin = await api(url, 'GET', '/api/challenges/toy/leaderboard?split=private', { token: 'admin-secret-of-twenty-chars' });
    expect(admin.status).toBe(200);
  });

  it('escapes user strings on the pages', async () => {
    const r = await submit('<script>alert(1)</script>', submissionCsv((i) => i % 3 === 0), '<img src=x onerror=alert(2)>');
    await waitFor(url, tokens['<script>alert(1)</script>'], r.body.id);
    const page = await api(url, 'GET', '/challenges/toy');
    expect(page.status).toBe(200);
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).not.toContain('<script>alert(1)');
    expect(page.text).toContain('Toy &lt;b&gt;toy&lt;/b&gt;');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'none'");
    const mine = await fetch(`${url}/challenges/toy/submissions`, { headers: { cookie: (await webLogin(url, tokens['<script>alert(1)</script>']!)).cookie } });
    const text = await mine.text();
    expect(text).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(text).not.toContain('<img src=x');
    // No outside links: every href/src is local.
    for (const m of page.text.matchAll(/(?:href|src)="([^"]*)"/g)) expect(m[1]).toMatch(/^\/|^#|^\?/);
    const css = await api(url, 'GET', '/static/podium.css');
    expect(css.status).toBe(200);
    expect(page.text).toContain('<svg class="chart"');
  });

  it('lets a team pick its final selections', async () => {
    const r2 = await submit('alice', submissionCsv((i) => i % 4 !== 0));
    ids.alpha2 = r2.body.id;
    await waitFor(url, tokens.alice, ids.alpha2);
    const sel = await api(url, 'POST', `/api/submissions/${ids.alpha}/select`, { token: tokens.bob, json: { selected: true } });
    expect(sel.status).toBe(200);
    expect(sel.body.selected).toBe(true);
    const other = await api(url, 'POST', `/api/submissions/${ids.alpha}/select`, { token: tokens.carol, json: { selected: true } });
    expect(other.status).toBe(404);
  });

  it('stores baselines idempotently, marked and with latency columns', async () => {
    const file = path.join(world.root, 'baseline.csv');
    fs.writeFileSync(file, submissionCsv((i) => i % 5 !== 0));
    const latency = { p50_ms: 3.2, p90_ms: 4.1, p99_ms: 6.5, offline_per_s: 900, params: 3400000, madds: 300000000, backend: 'wasm', machine: 'test box' };
    const a = await recordBaseline({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, challengeId: 'toy', name: 'MobileNetV2 (ours)', file, latency, bootstrapSamples: 100 } as any);
    expect(a.created).toBe(true);
    expect(a.scores.public!.metrics.top1_error).toBeCloseTo(6 / 30, 12);
    expect(a.scores.public!.ci).not.toBeNull();
    const b = await recordBaseline({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, challengeId: 'toy', name: 'MobileNetV2 (ours)', file, latency });
    expect(b.submissionId).toBe(a.submissionId);
    expect(b.created).toBe(false);
    const board = await api(url, 'GET', '/api/challenges/toy/leaderboard');
    const row = board.body.entries.find((x: any) => x.baseline);
    expect(row).toMatchObject({ rank: null, team: 'MobileNetV2 (ours)', latency: { p50_ms: 3.2, backend: 'wasm' } });
    expect(board.body.latency_columns).toEqual(['p50_ms', 'p90_ms', 'p99_ms', 'offline_per_s', 'params', 'madds', 'backend', 'machine']);
    // Ranks of participants are unchanged by the baseline row.
    expect(board.body.entries.filter((x: any) => !x.baseline).map((x: any) => x.rank)).toEqual([1, 2, 3, 4]);
    const page = await api(url, 'GET', '/challenges/toy');
    expect(page.text).toContain('baseline</span>');
    // Column names in words with units, and one format per column.
    expect(page.text).toContain('p50 latency (ms)');
    expect(page.text).toContain('multiply-adds');
    expect(page.text).not.toContain('p50_ms');
    // The exported model's ONNX Runtime figures join the entry, and the cached board shows them at once.
    expect(await addBaselineLatency(world.dbPath, 'toy', 'MobileNetV2 (ours)', { onnx_p50_ms: 2.5 })).toBe(true);
    expect(await addBaselineLatency(world.dbPath, 'toy', 'no such baseline', { onnx_p50_ms: 1 })).toBe(false);
    const after = await api(url, 'GET', '/api/challenges/toy/leaderboard');
    expect(after.body.entries.find((x: any) => x.baseline).latency).toMatchObject({ p50_ms: 3.2, onnx_p50_ms: 2.5 });
    expect(after.body.latency_columns).toContain('onnx_p50_ms');
  });

  it('stores a baseline run\'s own outcome when it is this file, and scores the file itself otherwise', async () => {
    const file = path.join(world.root, 'baseline-scored.csv');
    fs.writeFileSync(file, submissionCsv((i) => i % 3 !== 0));
    const base = { dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, challengeId: 'toy', file };
    const challenge = (await loadChallenge(path.join(world.challengesRoot, 'toy'), { requireTruth: true }));
    const req = { challengeId: 'toy', task: challenge.task, truth: challenge.truth, options: challenge.options, primaryMetric: challenge.primary_metric, file };
    const outcome = await scoreSubmission(req);
    const own = await recordBaseline({ ...base, name: 'scored by its run', scored: { sha256: sha256File(file), bootstrapSamples: DEFAULT_BOOTSTRAP_SAMPLES, outcome } });
    const rescored = await recordBaseline({ ...base, name: 'scored here' });
    expect(own.scores).toEqual(rescored.scores);
    expect(own.scores.public!.ci).not.toBeNull();
    // An outcome of another file (sha256) or with other bootstrap samples is not taken: the file is scored.
    const marked = { ...outcome, splits: outcome.splits.map((s) => ({ ...s, primary_value: 0.123 })) };
    const otherFile = await recordBaseline({ ...base, name: 'other file', scored: { sha256: '0'.repeat(64), bootstrapSamples: DEFAULT_BOOTSTRAP_SAMPLES, outcome: marked } });
    expect(otherFile.scores).toEqual(rescored.scores);
    const otherSamples = await recordBaseline({ ...base, name: 'other samples', scored: { sha256: sha256File(file), bootstrapSamples: 7, outcome: marked } });
    expect(otherSamples.scores).toEqual(rescored.scores);
    const taken = await recordBaseline({ ...base, name: 'marked', scored: { sha256: sha256File(file), bootstrapSamples: DEFAULT_BOOTSTRAP_SAMPLES, outcome: marked } });
    expect(taken.scores.public!.primary).toBe(0.123);
  });

  it('opens the private board after the end, with selections and the public-to-private rank change', async () => {
    clock.set('2027-01-01T00:00:00Z');
    const late = await submit('alice', submissionCsv(() => true));
    expect(late.status).toBe(403);
    expect(late.body.error).toMatch(/ended/);
    const priv = await api(url, 'GET', '/api/challenges/toy/leaderboard?split=private');
    expect(priv.status).toBe(200);
    const rows = priv.body.entries.filter((x: any) => !x.baseline);
    // Alpha counts its selected submission (private error 0.5), not its better public one.
    expect(rows.map((x: any) => [x.rank, x.team, x.score, x.public_rank, x.rank_change])).toEqual([
      [1, 'Alpha', 0.5, 2, 1],
      [2, 'carol', 0.5, 3, 1],
      [3, '<script>alert(1)</script>', expect.any(Number), 4, 1],
      [4, 'dave', 1, 1, -3],
    ]);
    const sub = await api(url, 'GET', `/api/submissions/${ids.dave}`, { token: tokens.dave });
    expect(sub.body.scores.private.top1_error).toBe(1);
    const page = await api(url, 'GET', '/challenges/toy?split=private');
    expect(page.status).toBe(200);
    expect(page.text).toContain('▼3');
  });
});
