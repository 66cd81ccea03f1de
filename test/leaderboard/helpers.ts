/**
 * Test helpers for the leaderboard server: a temporary challenges folder with a small
 * classification truth, submissions of a chosen accuracy, and HTTP calls.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase, psql } from '../helpers/postgres.js';

/**
 * PODIUM_TEST_DB=postgres://user:password@host/postgres runs the leaderboard tests on
 * PostgreSQL: every world gets a throw-away database on that server (created here, dropped on
 * cleanup). Unset, the tests use a SQLite file in the world's temp folder.
 */
export const TEST_PG = process.env.PODIUM_TEST_DB && /^postgres(ql)?:\/\//.test(process.env.PODIUM_TEST_DB) ? process.env.PODIUM_TEST_DB : undefined;

/** A fresh database on the test server; returns its URL and how to drop it. */
export function throwAwayPostgres(adminUrl: string): { url: string; drop(): void } {
  const name = `podium_t_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  psql(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropDatabase(adminUrl, name) };
}

export const ROWS = 60;
export const CLASSES = ['ant', 'bee', 'cat', 'dog', 'eel', 'fox', 'gnu', 'hen'];

/** Row i: true class CLASSES[i % 8]; rows 0..29 Public, 30..59 Private (no usage column when asked). */
export function truthCsv(withUsage = true): string {
  const lines = [withUsage ? 'id,expected,usage' : 'id,expected'];
  for (let i = 0; i < ROWS; i++) {
    const row = `r${String(i).padStart(3, '0')},${CLASSES[i % CLASSES.length]}`;
    lines.push(withUsage ? `${row},${i < ROWS / 2 ? 'Public' : 'Private'}` : row);
  }
  return lines.join('\n') + '\n';
}

/**
 * A submission with three labels a row: the right label first on the rows `right(i)` says,
 * otherwise three wrong labels.
 */
export function submissionCsv(right: (i: number) => boolean): string {
  const lines = ['id,predicted'];
  for (let i = 0; i < ROWS; i++) {
    const truth = i % CLASSES.length;
    const wrong = [1, 2, 3].map((d) => CLASSES[(truth + d) % CLASSES.length]);
    lines.push(`r${String(i).padStart(3, '0')},${right(i) ? [CLASSES[truth], wrong[0], wrong[1]].join(' ') : wrong.join(' ')}`);
  }
  return lines.join('\n') + '\n';
}

export interface ChallengeSpec {
  id?: string;
  start?: string;
  end?: string;
  /** false: a truth without Public/Private marks (every row public, no private board). */
  usage?: boolean;
  limits?: Partial<{ per_day: number; total: number; final_selections: number; max_upload_mb: number }>;
}

export interface World {
  root: string;
  challengesRoot: string;
  /** The database: a SQLite path, or (PODIUM_TEST_DB) the URL of a throw-away PostgreSQL database. */
  dbPath: string;
  /** The submission files folder. */
  storage: string;
  cleanup(): void;
}

/** A temp folder with challenges/<id>/challenge.yaml + data, a database and a storage folder. */
export function makeWorld(specs: ChallengeSpec[] = [{}]): World {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-lb-'));
  const challengesRoot = path.join(root, 'challenges');
  for (const spec of specs) {
    const id = spec.id ?? 'toy';
    const dir = path.join(challengesRoot, id);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'solution.csv'), truthCsv(spec.usage !== false));
    const limits = { per_day: 5, total: 20, final_selections: 2, max_upload_mb: 1, ...spec.limits };
    fs.writeFileSync(path.join(dir, 'challenge.yaml'), [
      `id: ${id}`,
      `title: Toy <b>${id}</b>`,
      'task: classification',
      'truth: solution.csv',
      'primary_metric: top1_error',
      'options: { predictions: 3 }',
      `limits: { per_day: ${limits.per_day}, total: ${limits.total}, final_selections: ${limits.final_selections}, max_upload_mb: ${limits.max_upload_mb} }`,
      'phases:',
      `  - { id: main, start: ${spec.start ?? '2026-01-01T00:00:00Z'}, end: ${spec.end ?? '2026-12-31T00:00:00Z'} }`,
      'description: A toy challenge for tests.',
      '',
    ].join('\n'));
  }
  const storage = path.join(root, 'db', 'submissions');
  const pg = TEST_PG ? throwAwayPostgres(TEST_PG) : undefined;
  return {
    root, challengesRoot, storage,
    dbPath: pg?.url ?? path.join(root, 'db', 'podium.sqlite'),
    cleanup: () => {
      pg?.drop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A settable clock for the server (ms since epoch). */
export function testClock(iso: string): { now: () => number; set(iso: string): void } {
  let t = Date.parse(iso);
  return { now: () => t, set: (v: string) => { t = Date.parse(v); } };
}

export async function api(url: string, method: string, p: string, opts: { token?: string; json?: unknown; form?: FormData } = {}): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | FormData | undefined;
  if (opts.form) body = opts.form;
  else if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(url + p, { method, headers, body });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

export function fileForm(content: string, filename = 'sub.csv', description?: string): FormData {
  const form = new FormData();
  if (description !== undefined) form.append('description', description);
  form.append('file', new Blob([content], { type: 'text/csv' }), filename);
  return form;
}

export async function register(url: string, name: string): Promise<string> {
  const r = await api(url, 'POST', '/api/participants', { json: { name, email: `${name.replace(/\W/g, '') || 'x'}@example.org` } });
  if (r.status !== 201) throw new Error(`register ${name}: ${r.status} ${r.text}`);
  return r.body.token as string;
}

/** Polls a submission until it is scored or failed (the server scores on its own workers). */
export async function waitFor(url: string, token: string, id: number): Promise<any> {
  for (let i = 0; i < 2000; i++) {
    const r = await api(url, 'GET', `/api/submissions/${id}`, { token });
    if (r.body?.status === 'scored' || r.body?.status === 'failed') return r.body;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`submission ${id} never finished`);
}

/** The value of a cookie set by a response (undefined when it set none of that name). */
export function setCookieValue(res: Response, name: string): string | undefined {
  for (const line of res.headers.getSetCookie()) {
    const m = new RegExp(`^${name}=([^;]*)`).exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** The CSRF token of the first form of a page. */
export function csrfOf(page: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!m) throw new Error('no CSRF field on the page');
  return m[1]!.replace(/&#(\d+);/g, (_x, c: string) => String.fromCharCode(Number(c)));
}

export interface WebSession {
  cookie: string;
  csrf: string;
  /** Posts a same-origin form (urlencoded, with the CSRF token) as this session. */
  post(path: string, fields: Record<string, string>): Promise<Response>;
}

/** Signs in to the web pages with an API token, as a browser would (pre-session cookie, token, session cookie). */
export async function webLogin(url: string, token: string): Promise<WebSession> {
  const form = await fetch(`${url}/login`);
  const pre = setCookieValue(form, 'podium_presession');
  const csrf = csrfOf(await form.text());
  const login = await fetch(`${url}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: `podium_presession=${pre}`, origin: url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, _csrf: csrf }).toString(),
  });
  if (login.status !== 303) throw new Error(`login: ${login.status} ${await login.text()}`);
  const cookie = `podium_session=${setCookieValue(login, 'podium_session')}`;
  const home = await (await fetch(`${url}/`, { headers: { cookie } })).text();
  const session = { cookie, csrf: csrfOf(home) };
  return {
    ...session,
    post: (p, fields) => fetch(url + p, {
      method: 'POST', redirect: 'manual',
      headers: { cookie, origin: url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, _csrf: session.csrf }).toString(),
    }),
  };
}
