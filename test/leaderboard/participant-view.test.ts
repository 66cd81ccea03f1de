/**
 * The participant's own view: submissions left (API, submit page, `podium status`), a page per
 * submission (every metric per split, who submitted it, the file to download again), the
 * "refreshes" notice gone once scored, a third final selection explained in place, team pages
 * that offer only what applies (rename, leave; no create/join once in a team that submitted),
 * and the board as CSV for everyone.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/leaderboard/server.js';
import { perClassTables } from '../../src/leaderboard/scoring.js';
import { submissionPage } from '../../src/leaderboard/views/submission-page.js';
import { cliPath } from '../helpers/cli.js';
import { api, fileForm, makeWorld, register, submissionCsv, testClock, waitFor, webLogin } from './helpers.js';

const world = makeWorld([{ start: '2026-01-01T00:00:00Z', end: '2026-12-31T00:00:00Z', limits: { per_day: 5, total: 20, final_selections: 2 } }]);
const clock = testClock('2026-06-01T12:00:00Z');
let server: RunningServer;
let token: string;
const ids: number[] = [];
const contents = [submissionCsv((i) => i % 2 === 0), submissionCsv((i) => i % 3 === 0), submissionCsv((i) => i % 4 !== 0)];

const get = async (p: string, cookie?: string) => {
  const res = await fetch(server.url + p, { headers: cookie ? { cookie } : {} });
  return { status: res.status, text: await res.text(), headers: res.headers };
};

beforeAll(async () => {
  server = await startServer({ dbPath: world.dbPath, storage: world.storage, challengesRoot: world.challengesRoot, port: 0, workers: 1, bootstrapSamples: 20, clock: clock.now, log: () => undefined });
  token = await register(server.url, 'Viewer One');
  for (const [i, content] of contents.entries()) {
    const r = await api(server.url, 'POST', '/api/challenges/toy/submissions', { token, form: fileForm(content, `try${i + 1}.csv`, `attempt ${i + 1}`) });
    expect(r.status, r.text).toBe(202);
    ids.push(r.body.id);
    await waitFor(server.url, token, r.body.id);
  }
});
afterAll(async () => {
  await server?.close();
  world.cleanup();
});

describe('the participant view', () => {
  it('says how many submissions are left, in the API, on the submit page and in podium status', async () => {
    const list = await api(server.url, 'GET', '/api/challenges/toy/submissions', { token });
    expect(list.body.remaining).toEqual({
      today: { used: 3, allowed: 5, left: 2, resets_at: '2026-06-02T00:00:00.000Z' },
      total: { used: 3, allowed: 20, left: 17 },
    });
    const web = await webLogin(server.url, token);
    const submit = await get('/challenges/toy/submit', web.cookie);
    expect(submit.text).toContain('2 of 5 submissions left today (until 2026-06-02 00:00 UTC), 17 of 20 in all.');

    const status = await new Promise<string>((resolve) => execFile(process.execPath, [cliPath, 'status', 'toy'],
      { env: { ...process.env, PODIUM_URL: server.url, PODIUM_TOKEN: token } }, (_e, stdout) => resolve(stdout)));
    expect(status).toContain('2 of 5 submissions left today (until 2026-06-02 00:00 UTC), 17 of 20 in all');

    // Someone without a team yet has the whole allowance.
    const fresh = await register(server.url, 'Newcomer');
    expect((await api(server.url, 'GET', '/api/challenges/toy/submissions', { token: fresh })).body.remaining.today.left).toBe(5);
  });

  it('shows a submission with its metrics per split, who submitted it, and its file to download again', async () => {
    const web = await webLogin(server.url, token);
    const page = await get(`/challenges/toy/submissions/${ids[0]}`, web.cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('by <strong class="submitted-by">Viewer One</strong>');
    expect(page.text).toContain('attempt 1');
    expect(page.text).toContain('<th class="num">Public split</th>');
    expect(page.text).not.toContain('Private split');
    for (const metric of ['top1_error', 'top3_error', 'mean_class_accuracy']) expect(page.text).toContain(`<code>${metric}</code>`);
    // Half right on the public rows: top-1 error 0.5 there.
    expect(page.text).toMatch(/<code>top1_error<\/code>[\s\S]*?<td class="num">0\.50*</);
    // Classification reports no per-class table: nothing promised for later either.
    expect(page.text).not.toContain('Per-class results');
    expect(page.text).not.toContain('http-equiv="refresh"');

    const file = await fetch(`${server.url}/challenges/toy/submissions/${ids[0]}/file`, { headers: { cookie: web.cookie } });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toContain('filename="try1.csv"');
    expect(await file.text()).toBe(contents[0]);
    const viaApi = await fetch(`${server.url}/api/submissions/${ids[1]}/file`, { headers: { authorization: `Bearer ${token}` } });
    expect(await viaApi.text()).toBe(contents[1]);
    const json = await api(server.url, 'GET', `/api/submissions/${ids[0]}`, { token });
    expect(json.body).toMatchObject({ submitted_by: 'Viewer One', file: `/api/submissions/${ids[0]}/file`, per_class: null });

    // Someone else's submission and file are "not found".
    const other = await webLogin(server.url, await register(server.url, 'Someone Else'));
    expect((await get(`/challenges/toy/submissions/${ids[0]}`, other.cookie)).status).toBe(404);
    expect((await get(`/challenges/toy/submissions/${ids[0]}/file`, other.cookie)).status).toBe(404);
    expect((await fetch(`${server.url}/api/submissions/${ids[0]}/file`, { headers: { authorization: `Bearer ${await register(server.url, 'Api Else')}` } })).status).toBe(404);
  });

  it('drops the "refreshes until it is done" notice once the submission is scored', async () => {
    const web = await webLogin(server.url, token);
    const page = await get(`/challenges/toy/submissions?new=${ids[2]}`, web.cookie);
    expect(page.text).toContain(`submission ${ids[2]}</a> is scored.`);
    expect(page.text).not.toContain('refreshes until it is done');
    expect(page.text).not.toContain('http-equiv="refresh"');
  });

  it('explains a third final selection on the page where it was asked, not on an error page', async () => {
    const web = await webLogin(server.url, token);
    for (const id of ids.slice(0, 2)) expect((await web.post(`/challenges/toy/submissions/${id}/select`, { selected: '1' })).status).toBe(303);
    const third = await web.post(`/challenges/toy/submissions/${ids[2]}/select`, { selected: '1' });
    expect(third.status).toBe(409);
    const text = await third.text();
    expect(text).toContain('<h1>My submissions');
    expect(text).toContain('your team already has 2 final selections; unselect one first');
    expect(text).not.toContain('Something went wrong');
    const fromPage = await web.post(`/challenges/toy/submissions/${ids[2]}/select`, { selected: '1', back: 'submission' });
    expect(fromPage.status).toBe(409);
    expect(await fromPage.text()).toContain(`<h1>Submission ${ids[2]}`);
  });

  it('offers on the team page only what applies', async () => {
    const web = await webLogin(server.url, token);
    // A one-person team that has submitted: rename, but no create, join or leave.
    let page = (await get('/challenges/toy/team', web.cookie)).text;
    expect(page).toContain('id="rename-team"');
    expect(page).not.toContain('id="create-team"');
    expect(page).not.toContain('id="join-team"');
    expect(page).not.toContain('id="leave-team"');
    expect((await web.post('/challenges/toy/team/rename', { name: 'Renamed Ones' })).status).toBe(303);
    expect((await get('/challenges/toy/team', web.cookie)).text).toContain('<strong id="team-name">Renamed Ones</strong>');
    expect((await api(server.url, 'GET', '/api/challenges/toy/leaderboard')).body.entries[0].team).toBe('Renamed Ones');
    const refused = await web.post('/challenges/toy/team/leave', {});
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('has submissions; its members stay with them');

    // No team yet: create and join. In a team without submissions: leave (and still switch while alone).
    const newcomer = await webLogin(server.url, await register(server.url, 'Team Less'));
    page = (await get('/challenges/toy/team', newcomer.cookie)).text;
    expect(page).toContain('id="create-team"');
    expect(page).toContain('id="join-team"');
    expect(page).not.toContain('id="rename-team"');
    expect((await newcomer.post('/challenges/toy/team', { name: 'Fresh Team' })).status).toBe(303);
    page = (await get('/challenges/toy/team', newcomer.cookie)).text;
    expect(page).toContain('id="leave-team"');
    expect(page).toContain('id="create-team"');
    expect((await newcomer.post('/challenges/toy/team/leave', {})).status).toBe(303);
    expect((await get('/challenges/toy/team', newcomer.cookie)).text).toContain('You have no team yet');
  });

  it('serves the public board as CSV to everyone, the private one only after the end', async () => {
    const csv = await get('/challenges/toy/leaderboard.csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, first] = csv.text.trim().split('\n');
    expect(header).toBe('rank,tied,team,baseline,score,ci_low,ci_high,submission_id,submitted_at,entries,evaluator_version');
    expect(first).toMatch(/^1,false,Renamed Ones,false,0\.\d+,/);
    expect((await get('/api/challenges/toy/leaderboard.csv')).text).toBe(csv.text);
    expect((await get('/challenges/toy/leaderboard.csv?split=private')).status).toBe(403);
    expect((await get('/challenges/toy')).text).toContain('id="board-csv"');
  });
});

describe('per-class tables', () => {
  it('keeps the report extras that map names to numbers, and nothing else', () => {
    expect(perClassTables({ metrics: { miou: 0.5 }, iou: { cat: 0.7, dog: null }, images: 12, notes: ['x'], classes: 21 } as never))
      .toEqual({ iou: { cat: 0.7, dog: null } });
    expect(perClassTables({ metrics: { a: 1 }, rows: 3 } as never)).toBeUndefined();
  });

  it('shows them on the submission page only when the whole test set is visible', () => {
    const base = {
      challenge: { id: 'seg', title: 'Seg', primary_metric: 'miou', higher_is_better: true } as never,
      submission: { id: 7, filename: 'm.zip', size: 10, sha256: 'ab', created_at: 0, status: 'scored', selected: 0, disqualified: 0, description: '', scored_at: 1 } as never,
      team: 'T', submittedBy: 'P', queuePosition: null, metrics: [{ name: 'miou', higherIsBetter: true, description: 'mean IoU' }],
      finalSelectionsOpen: false, viewer: { name: 'P' },
    };
    const all = { split: 'all', metrics: { miou: 0.5 }, extras: { iou: { aeroplane: 0.75, bicycle: null } }, primary_value: 0.5, ci_low: null, ci_high: null, bootstrap_samples: 0, evaluator_version: 'v', created_at: 0 } as never;
    const shown = submissionPage({ ...base, scores: [all], wholeSetVisible: true });
    expect(shown).toContain('data-table="iou"');
    expect(shown).toMatch(/<td>aeroplane<\/td><td class="num">0\.750*<\/td>/);
    expect(shown).toMatch(/<td>bicycle<\/td><td class="num">n\/a<\/td>/);
    const hidden = submissionPage({ ...base, scores: [], wholeSetVisible: false, perClassHidden: true });
    expect(hidden).not.toContain('data-table="iou"');
    expect(hidden).toContain('shown after the end');
  });
});
