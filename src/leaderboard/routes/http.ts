/** Small HTTP helpers shared by the route files: who is asking, and errors as JSON. */
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Board, BoardSplit } from '../board.js';
import type { AppContext } from '../context.js';
import { HttpError } from '../http-error.js';
import { StoreError, type StoreErrorCode } from '../store-error.js';
import type { ChallengeRecord, Participant } from '../store.js';
import { CSV_TYPE, encode, sendEncoded } from './encoded.js';

export { HttpError };

/** The HTTP status of a store refusal. */
const STATUS: Record<StoreErrorCode, number> = {
  not_found: 404, unauthorized: 401, conflict: 409, limit: 429, forbidden: 403, invalid: 400, unavailable: 503,
};

/** Status, message and details of a refusal (HttpError or StoreError); undefined for anything else. */
export function refusal(err: unknown): { status: number; message: string; details: Record<string, unknown> } | undefined {
  if (err instanceof HttpError) return { status: err.status, message: err.message, details: err.details };
  if (err instanceof StoreError) return { status: STATUS[err.code], message: err.message, details: err.details };
  return undefined;
}

/** The web session cookie: a random session id (never the API token); logout revokes it. */
export const SESSION_COOKIE = 'podium_session';
export const SESSION_MAX_AGE_MS = 30 * 86_400_000;

/** Attributes of the site's cookies: HttpOnly, SameSite=Strict, and Secure when served over HTTPS. */
export function sessionCookieAttributes(req: Request): string {
  return `HttpOnly; SameSite=Strict; Path=/${req.secure ? '; Secure' : ''}`;
}

export function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1];
}

export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Equal-time comparison, so the admin token cannot be guessed byte by byte. */
function sameSecret(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

export function isAdmin(ctx: AppContext, req: Request): boolean {
  const token = bearer(req);
  return !!ctx.adminToken && !!token && sameSecret(token, ctx.adminToken);
}

/**
 * The participant behind the request's bearer token, if any. The JSON API takes the bearer
 * token only, never a cookie: a page of another site cannot make a browser call it as you.
 */
export async function viewer(ctx: AppContext, req: IncomingMessage): Promise<Participant | undefined> {
  const token = bearer(req);
  return token ? ctx.store.participantByToken(token) : undefined;
}

/** The participant signed in to the web pages (session cookie), if any. */
export async function sessionViewer(ctx: AppContext, req: IncomingMessage): Promise<Participant | undefined> {
  const session = cookie(req, SESSION_COOKIE);
  return session ? ctx.store.participantBySession(session, ctx.clock()) : undefined;
}

export async function requireParticipant(ctx: AppContext, req: Request): Promise<Participant> {
  const p = await viewer(ctx, req);
  if (!p) {
    throw new HttpError(401, bearer(req)
      ? 'this token is not valid; register with POST /api/participants to get one'
      : 'send your token as "Authorization: Bearer <token>" (register with POST /api/participants)');
  }
  return p;
}

/** The shortest admin token the server accepts (checked at start). */
export const MIN_ADMIN_TOKEN_LENGTH = 20;

/** Failed admin attempts per client address: after a few, each further try waits longer. */
const ADMIN_FREE_FAILURES = 5;
const adminFailures = new WeakMap<AppContext, Map<string, { count: number; until: number }>>();

function failuresOf(ctx: AppContext): Map<string, { count: number; until: number }> {
  let m = adminFailures.get(ctx);
  if (!m) adminFailures.set(ctx, (m = new Map()));
  return m;
}

/** Refuses the request unless `token` (default: its bearer token) is the admin token; failures back off per address. */
export function requireAdmin(ctx: AppContext, req: Request, token: string | undefined = bearer(req)): void {
  if (!ctx.adminToken) throw new HttpError(403, 'admin routes are off: start the server with PODIUM_ADMIN_TOKEN set');
  const failures = failuresOf(ctx);
  const who = req.socket.remoteAddress ?? 'unknown';
  const now = Date.now();
  const record = failures.get(who);
  if (record && record.until > now) {
    const wait = Math.ceil((record.until - now) / 1000);
    throw new HttpError(429, `too many failed admin attempts from your address; try again in ${wait} s`, { retry_after_s: wait });
  }
  if (!token || !sameSecret(token, ctx.adminToken)) {
    // Back-off doubles from 1 s after the free attempts, up to 15 minutes; the table stays small.
    const count = (record?.count ?? 0) + 1;
    const delay = count > ADMIN_FREE_FAILURES ? Math.min(15 * 60_000, 1000 * 2 ** (count - ADMIN_FREE_FAILURES - 1)) : 0;
    if (failures.size >= 10_000 && !record) failures.delete(failures.keys().next().value!);
    failures.set(who, { count, until: now + delay });
    throw new HttpError(401, 'admin token required as "Authorization: Bearer <token>"');
  }
  failures.delete(who);
}

export function intParam(value: unknown, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new HttpError(404, `no ${what} "${String(value)}"`);
  return n;
}

/** JSON errors for /api: a refusal keeps its status and details; anything else is a 500 with its message. */
export function jsonErrors(ctx: AppContext) {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const refused = refusal(err);
    const status = refused?.status ?? 500;
    // Past the time limit: stop reading and close once answered (a slow client must not hold the socket).
    // A database briefly unreachable is refused before the body is read: drain it, keep the connection,
    // so the client reads the 503 and its Retry-After instead of a broken pipe.
    const retryLater = refused?.status === 503 && refused.details.retry_after !== undefined;
    if (status === 408 || status === 413 || (status >= 500 && !retryLater)) res.setHeader('Connection', 'close');
    // Refused before the body was read (limit, pause, auth): drain it so the client sees the answer.
    if (!req.complete && status !== 408) req.resume();
    const e = err as Error & { status?: number; type?: string };
    if (refused) {
      if (refused.status === 429 && typeof refused.details.resets_at === 'string') {
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil((Date.parse(refused.details.resets_at) - ctx.clock()) / 1000))));
      }
      if (refused.status === 503 && typeof refused.details.retry_after === 'number') res.setHeader('Retry-After', String(refused.details.retry_after));
      if (refused.status === 429 && typeof refused.details.retry_after_s === 'number') res.setHeader('Retry-After', String(refused.details.retry_after_s));
      res.status(refused.status).json({ error: refused.message, ...refused.details });
      return;
    }
    if (e?.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'the request body is not valid JSON' });
      return;
    }
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ error: e.message });
      return;
    }
    ctx.log(`internal error: ${e?.stack ?? String(err)}`);
    res.status(500).json({ error: `internal error: ${e?.message ?? String(err)}` });
  };
}

/**
 * CSV for spreadsheets. A text cell starting with `=`, `+`, `-`, `@` (or tab / carriage return)
 * would run as a formula when opened (OWASP "CSV injection"): it gets a leading `'`. Numbers are
 * written as they are (a negative score stays a number).
 */
/**
 * A board as CSV (full precision), as a download named after the challenge and split; encoded
 * (gzip, ETag) once per board version, like the JSON board, so a crowd costs one serialisation.
 */
export async function sendBoardCsv(ctx: AppContext, req: Request, res: Response, challenge: ChallengeRecord, split: BoardSplit): Promise<void> {
  const encoded = await ctx.boards.cached(challenge, `csv:leaderboard:${split}:${challenge.higher_is_better}`,
    async () => encode(boardCsv(await ctx.boards.board(challenge, split)), CSV_TYPE));
  res.attachment(`${challenge.id}-${split}-leaderboard.csv`);
  sendEncoded(req, res, encoded);
}

function boardCsv(board: Board): string {
  const rows = board.entries.map((e) => ({
    ...e, ci_low: e.ci?.[0], ci_high: e.ci?.[1], ...Object.fromEntries(board.latency_columns.map((k) => [k, e.latency?.[k]])),
  }));
  const columns = ['rank', 'tied', 'team', 'baseline', 'score', 'ci_low', 'ci_high', 'submission_id', 'submitted_at', 'entries',
    'evaluator_version', ...(board.split === 'private' ? ['public_rank', 'rank_change'] : []), ...board.latency_columns];
  return toCsv(rows, columns);
}

export function toCsv(rows: Record<string, unknown>[], columns: string[]): string {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    let s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (typeof v !== 'number' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}
