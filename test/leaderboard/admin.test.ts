/** Admin routes: token required, disqualify, CSV export, and a rescore that reports what moved. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildPicks } from '../../src/leaderboard/picks.js';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { api, fileForm, makeWorld, register, submissionCsv, testClock, waitFor } from './helpers.js';

const world = makeWorld();
const clock = testClock('2026-06-01T12:00:00Z');
let server: RunningServer;
let url: string;
const subs: Record<string, number> = {};
const ADMIN = 'adm-token-of-twenty-chars';

beforeAll(async () => {
  server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, adminToken: ADMIN, clock: clock.now, bootstrapSamples: 50, log: () => undefined });
  url = server.url;
  const plan: [string, (i: number) => boolean][] = [['ann', (i) => i % 2 === 0], ['ben', (i) => i % 3 === 0], ['Comma, "Quoted"', (i) => i % 5 !== 0]];
  for (const [name, right] of plan) {
    const token = await register(url, name);
    const r = await api(url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(submissionCsv(right)) });
    subs[name] = r.body.id;
    await waitFor(url, token, r.body.id);
  }
});
afterAll(async () => {
  await server.close();
  world.cleanup();
});

describe('admin routes', () => {
  it('need the admin token', async () => {
    expect((await api(url, 'GET', '/api/admin/challenges/toy/submissions.csv')).status).toBe(401);
    expect((await api(url, 'GET', '/api/admin/challenges/toy/submissions.csv', { token: 'wrong' })).status).toBe(401);
  });

  it('export the leaderboard and the submissions as CSV', async () => {
    const board = await api(url, 'GET', '/api/admin/challenges/toy/leaderboard.csv', { token: ADMIN });
    expect(board.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = board.text.trim().split('\n');
    expect(lines[0]).toBe('rank,tied,team,baseline,score,ci_low,ci_high,submission_id,submitted_at,entries,evaluator_version');
    expect(lines[1]).toMatch(/^1,false,"Comma, ""Quoted""",false,0\.2,/);
    expect(lines).toHaveLength(4);
    const all = await api(url, 'GET', '/api/admin/challenges/toy/submissions.csv', { token: ADMIN });
    expect(all.text.split('\n')[0]).toContain('id,team,participant,created_at,status');
    expect(all.text.trim().split('\n')).toHaveLength(4);
  });

  it('rescore everything and report the scores and ranks that moved', async () => {
    // Pretend ann was scored by an older evaluator that gave her a better (lower) error.
    const db = server.context.store.sql;
    await db.run(`UPDATE scores SET primary_value = 0.05, evaluator_version = 'topk-0' WHERE submission_id = ? AND split = 'public' AND current = 1`, [subs.ann]);
    await rebuildPicks(db, 'toy');
    const before = await api(url, 'GET', '/api/challenges/toy/leaderboard');
    expect(before.body.entries[0].team).toBe('ann');

    // Only ann's scores come from another evaluator version.
    const outdated = await api(url, 'POST', '/api/admin/challenges/toy/rescore?outdated=1', { token: ADMIN });
    expect(outdated.body.jobs).toBe(1);
    await server.whenIdle();
    await db.run(`UPDATE scores SET primary_value = 0.05, evaluator_version = 'topk-0' WHERE submission_id = ? AND split = 'public' AND current = 1`, [subs.ann]);
    await rebuildPicks(db, 'toy');
    const run = await api(url, 'POST', '/api/admin/challenges/toy/rescore', { token: ADMIN });
    expect(run.status).toBe(202);
    expect(run.body.jobs).toBe(3);
    await server.whenIdle();
    const report = await api(url, 'GET', `/api/admin/rescores/${run.body.run_id}`, { token: ADMIN });
    expect(report.body.finished).toBe(true);
    expect(report.body.jobs).toMatchObject({ done: 3, failed: 0 });
    expect(report.body.changed_scores).toEqual([
      expect.objectContaining({ submission_id: subs.ann, split: 'public', before: 0.05, after: 0.5, before_version: 'topk-0' }),
    ]);
    expect(report.body.moved.public).toEqual(expect.arrayContaining([
      { team: 'ann', rank_before: 1, rank_after: 2, score_before: 0.05, score_after: 0.5 },
      expect.objectContaining({ team: 'Comma, "Quoted"', rank_before: 2, rank_after: 1 }),
    ]));
    // The old score stays as history; one current row per split.
    const rows = await db.all('SELECT current, count(*) AS n FROM scores WHERE submission_id = ? GROUP BY current ORDER BY current', [subs.ann]);
    expect(rows).toEqual([{ current: 0, n: 6 }, { current: 1, n: 3 }]);
  });

  it('disqualify a submission or a whole team, with the reason shown to it', async () => {
    const r = await api(url, 'POST', `/api/admin/submissions/${subs.ben}/disqualify`, { token: ADMIN, json: { reason: 'hand-labelled test set' } });
    expect(r.status).toBe(200);
    let board = await api(url, 'GET', '/api/challenges/toy/leaderboard');
    expect(board.body.entries.map((e: any) => e.team)).toEqual(['Comma, "Quoted"', 'ann']);
    const team = board.body.entries.find((e: any) => e.team === 'ann').team_id;
    expect((await api(url, 'POST', `/api/admin/teams/${team}/disqualify`, { token: ADMIN, json: { reason: 'two accounts' } })).status).toBe(200);
    board = await api(url, 'GET', '/api/challenges/toy/leaderboard');
    expect(board.body.entries.map((e: any) => e.team)).toEqual(['Comma, "Quoted"']);
    const sub = await api(url, 'GET', `/api/submissions/${subs.ben}`, { token: ADMIN });
    expect(sub.body).toMatchObject({ disqualified: true, disqualified_reason: 'hand-labelled test set' });
  });

  it('describe the API in OpenAPI', async () => {
    const doc = await api(url, 'GET', '/api/openapi.json');
    expect(doc.body.openapi).toMatch(/^3\./);
    for (const p of ['/api/participants', '/api/challenges/{id}/submissions', '/api/challenges/{id}/leaderboard', '/api/admin/challenges/{id}/rescore']) {
      expect(doc.body.paths[p], p).toBeTruthy();
    }
    // Every reference resolves inside the document.
    const refs = [...doc.text.matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(3);
    for (const ref of refs) expect(ref.split('/').reduce((o: any, k) => o?.[k], doc.body), ref).toBeTruthy();
    // Paging, caching and outages as the server does them.
    const history = doc.body.paths['/api/challenges/{id}/history'].get;
    expect(history.parameters.map((p: { name: string }) => p.name)).toEqual(['id', 'limit', 'offset', 'If-None-Match']);
    expect(Object.keys(history.responses)).toEqual(expect.arrayContaining(['200', '304', '503']));
    expect(doc.body.paths['/api/challenges/{id}/submissions'].post.responses['503'].$ref).toBe('#/components/responses/Unavailable');
    expect(doc.body.components.responses.Unavailable.headers['Retry-After']).toBeTruthy();
  });
});
