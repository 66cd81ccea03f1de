/**
 * HTML routes: the pages of views/pages.ts, the upload form's POST, and sign-in: the API token
 * opens a web session whose random id is kept in an HttpOnly, SameSite=Strict cookie (Secure
 * over HTTPS); logout revokes it. Every state-changing page request passes csrf.ts first.
 */
import express, { type Request, type Response, type Router } from 'express';
import { acceptSubmission, openChallenge } from '../accept.js';
import { HISTORY_MAX_AGE_MS, type Board } from '../board.js';
import type { AppContext } from '../context.js';
import { phaseState, privateVisible, requireSelectionsOpen } from '../phases.js';
import { cleanName, type ChallengeRecord } from '../store.js';
import { html, layout, STYLESHEET } from '../views/html.js';
import { modelBoardHtml } from '../views/model-board.js';
import { scoreChart } from '../views/chart.js';
import {
  boardTable,
  challengeListPage, challengePage, errorPage, loginPage, registeredPage, registerPage, submissionsPage, submitPage, teamPage,
} from '../views/pages.js';
import { csrfProtection, csrfToken, sessionCsrfToken, withCsrfFields } from './csrf.js';
import { encode, sendEncoded } from './encoded.js';
import { cookie, HttpError, intParam, refusal, SESSION_COOKIE, SESSION_MAX_AGE_MS, sessionCookieAttributes, sessionViewer } from './http.js';

/**
 * Sends a page; its POST forms get the visitor's CSRF token (csrf.ts). A page about the
 * database being unreachable goes out without one (making it needs the database).
 */
export async function sendPage(ctx: AppContext, res: Response, body: string, status = 200): Promise<void> {
  const token = (res.locals.csrf as string | undefined) ?? await csrfToken(ctx, res.req, res).catch(() => undefined);
  res.status(status).type('html').setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.send(withCsrfFields(body, token));
}

async function openSession(ctx: AppContext, req: Request, res: Response, participantId: number): Promise<void> {
  const old = cookie(req, SESSION_COOKIE);
  if (old) await ctx.store.deleteSession(old);
  const value = await ctx.store.createSession(participantId, ctx.clock(), SESSION_MAX_AGE_MS);
  res.append('Set-Cookie', `${SESSION_COOKIE}=${value}; ${sessionCookieAttributes(req)}; Max-Age=${SESSION_MAX_AGE_MS / 1000}`);
  // The forms of the page that follows are bound to the new session.
  res.locals.csrf = await sessionCsrfToken(ctx, value);
}

export function pageRoutes(ctx: AppContext): Router {
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  r.use(form, csrfProtection(ctx));
  const page = (res: Response, body: string, status = 200) => sendPage(ctx, res, body, status);
  const known = async (id: string): Promise<ChallengeRecord> => {
    const c = await ctx.store.challenge(id);
    if (!c || !c.available) throw new HttpError(404, `no challenge "${id}"`);
    return c;
  };
  const who = (req: Request) => sessionViewer(ctx, req);

  r.get('/static/podium.css', (_req, res) => {
    res.type('css').setHeader('Cache-Control', 'public, max-age=3600');
    res.send(STYLESHEET);
  });

  r.get('/', async (req, res) => {
    await page(res, challengeListPage(await ctx.store.challenges(), ctx.clock(), await who(req)));
  });

  r.get('/challenges/:id', async (req, res) => {
    const c = await known(req.params.id);
    const now = ctx.clock();
    const split = req.query.split === 'private' ? 'private' : 'public';
    let board: Board | undefined;
    let privateNote: string | undefined;
    if (split === 'public') board = await ctx.boards.board(c, 'public');
    else if (!privateVisible(c, now)) privateNote = `The private leaderboard is shown after the end, ${new Date(c.end_at).toISOString()}.`;
    else if (!await ctx.boards.hasPrivateSplit(c.id)) privateNote = 'This challenge has no private split.';
    else board = await ctx.boards.board(c, 'private');
    // The table and chart only change with the data: render them once per change, not per request.
    const shown = board;
    const boardHtml = shown ? await ctx.boards.cached(c.id, `html:board:${split}`, () => boardTable(shown)) : undefined;
    const chart = await ctx.boards.cachedFor(HISTORY_MAX_AGE_MS, c.id, 'html:chart', async () => scoreChart(await ctx.boards.history(c), c.higher_is_better, c.primary_metric));
    const status = split === 'private' && !board ? 403 : 200;
    const viewer = await who(req);
    const render = () => challengePage({ challenge: c, now, split, board, privateNote, history: [], chart, boardHtml, viewer });
    if (viewer) return page(res, render(), status);
    // Everyone not signed in sees the same page: encode it once per board version (and phase).
    const encoded = await ctx.boards.cached(c.id, `html:page:${split}:${phaseState(c, now)}:${c.paused}`, () => encode(render(), 'html'));
    sendEncoded(req, res, encoded, status);
  });

  // The model track's board: ranking rule, accuracy and latency, Pareto chart (views/model-board.ts).
  r.get('/challenges/:id/models', async (req, res) => {
    const c = await known(req.params.id);
    const track = ctx.models?.get(c.id)?.track;
    if (!track) throw new HttpError(404, `${c.id} does not take model submissions`);
    const board = await ctx.boards.board(c, 'public');
    const body = await ctx.boards.cached(c.id, 'html:models', () => modelBoardHtml(c, board, track));
    await page(res, layout(`${c.title}: models`, html`<p><a href="/challenges/${c.id}">← ${c.title}</a></p>${body}`, { viewer: await who(req) }));
  });

  r.get('/challenges/:id/submit', async (req, res) => {
    await page(res, submitPage(await known(req.params.id), await who(req)));
  });

  r.post('/challenges/:id/submit', async (req, res) => {
    const c = await known(req.params.id);
    const p = await who(req);
    if (!p) {
      req.resume();
      await page(res, submitPage(c, undefined), 401);
      return;
    }
    try {
      const { submission } = await acceptSubmission(ctx, req, p, await openChallenge(ctx, c.id));
      res.redirect(303, `/challenges/${encodeURIComponent(c.id)}/submissions?new=${submission.id}`);
    } catch (e) {
      const refused = refusal(e);
      if (!refused) throw e;
      if (refused.status !== 408) req.resume();
      const errors = Array.isArray(refused.details.errors) ? (refused.details.errors as { text?: string }[]).map((x) => x.text ?? String(x)) : undefined;
      if (refused.status === 408 || refused.status === 413 || refused.status >= 500) res.setHeader('Connection', 'close');
      await page(res, submitPage(c, p, { errors, message: refused.message }), refused.status);
    }
  });

  r.get('/challenges/:id/submissions', async (req, res) => {
    const c = await known(req.params.id);
    const p = await who(req);
    const team = p ? await ctx.store.teamOf(c.id, p.id) : undefined;
    const hasPrivate = await ctx.boards.hasPrivateSplit(c.id);
    const subs = [];
    for (const s of team ? await ctx.store.teamSubmissions(team.id) : []) {
      subs.push({
        submission: s,
        // Only the splits this viewer may see reach the page.
        scores: (await ctx.store.currentScores(s.id)).filter((r) => r.split === 'public' || privateVisible(c, ctx.clock()) || (r.split === 'all' && !hasPrivate)),
        queuePosition: s.status === 'queued' ? await ctx.store.queuePosition(s.id) : null,
      });
    }
    const justSubmitted = req.query.new ? Number(req.query.new) : undefined;
    await page(res, submissionsPage(c, p, team, subs, privateVisible(c, ctx.clock()), { justSubmitted }), p ? 200 : 401);
  });

  r.post('/challenges/:id/submissions/:sid/select', async (req, res) => {
    const c = await known(req.params.id);
    const p = await who(req);
    if (!p) throw new HttpError(401, 'log in first');
    const s = await ctx.store.submission(intParam(req.params.sid, 'submission'));
    if (!s || (await ctx.store.teamOf(c.id, p.id))?.id !== s.team_id) throw new HttpError(404, 'no such submission of yours');
    requireSelectionsOpen(c, ctx.clock());
    await ctx.store.setSelected(s, (req.body as { selected?: string }).selected === '1', c.limits.final_selections);
    res.redirect(303, `/challenges/${encodeURIComponent(c.id)}/submissions`);
  });

  const showTeam = async (req: Request, res: Response, message?: string, status = 200) => {
    const c = await known(req.params.id as string);
    const p = await who(req);
    const team = p ? await ctx.store.teamOf(c.id, p.id) : undefined;
    const members = team ? (await ctx.store.teamMembers(team.id)).map((m) => m.name) : [];
    await page(res, teamPage(c, p, team, members, ctx.teamSizeLimit, message), p ? status : 401);
  };
  r.get('/challenges/:id/team', (req, res) => showTeam(req, res));
  r.post('/challenges/:id/team', async (req, res) => {
    const c = await known(req.params.id);
    const p = await who(req);
    if (!p) return showTeam(req, res);
    const name = cleanName((req.body as { name?: string }).name);
    try {
      if (!name) throw new HttpError(400, 'a team name of 1 to 80 characters is required');
      await ctx.store.createTeam(c.id, p.id, name, ctx.clock());
      res.redirect(303, `/challenges/${encodeURIComponent(c.id)}/team`);
    } catch (e) {
      const refused = refusal(e);
      if (!refused) throw e;
      await showTeam(req, res, refused.message, refused.status);
    }
  });
  r.post('/challenges/:id/team/join', async (req, res) => {
    const c = await known(req.params.id);
    const p = await who(req);
    if (!p) return showTeam(req, res);
    try {
      await ctx.store.joinTeam(c.id, p.id, String((req.body as { invite_code?: string }).invite_code ?? '').trim(), ctx.clock(), ctx.teamSizeLimit);
      res.redirect(303, `/challenges/${encodeURIComponent(c.id)}/team`);
    } catch (e) {
      const refused = refusal(e);
      if (!refused) throw e;
      await showTeam(req, res, refused.message, refused.status);
    }
  });

  r.get('/login', (_req, res) => page(res, loginPage()));
  r.post('/login', async (req, res) => {
    const token = String((req.body as { token?: string }).token ?? '').trim();
    const participant = token ? await ctx.store.participantByToken(token) : undefined;
    if (!participant) return page(res, loginPage('That token is not valid.'), 401);
    await openSession(ctx, req, res, participant.id);
    res.redirect(303, '/');
  });
  r.post('/logout', async (req, res) => {
    const session = cookie(req, SESSION_COOKIE);
    if (session) await ctx.store.deleteSession(session);
    res.append('Set-Cookie', `${SESSION_COOKIE}=; ${sessionCookieAttributes(req)}; Max-Age=0`);
    res.redirect(303, '/');
  });
  r.get('/register', (_req, res) => page(res, registerPage()));
  r.post('/register', async (req, res) => {
    const body = req.body as { name?: string; email?: string };
    const name = cleanName(body.name);
    const email = cleanName(body.email, 200);
    if (!name || !email || !/^[^@\s]+@[^@\s]+$/.test(email)) return page(res, registerPage('A name (1 to 80 characters) and a valid email are required.'), 400);
    const { participant, token } = await ctx.store.createParticipant(name, email, ctx.clock());
    await openSession(ctx, req, res, participant.id);
    await page(res, registeredPage(participant, token), 201);
  });
  return r;
}

/** Errors on page routes render as a page, never a stack trace. */
export function pageErrors(ctx: AppContext) {
  return async (err: unknown, req: Request, res: Response, next: (e: unknown) => void) => {
    if (res.headersSent) return next(err);
    const refused = refusal(err);
    if (refused) {
      if (refused.status === 503 && typeof refused.details.retry_after === 'number') res.setHeader('Retry-After', String(refused.details.retry_after));
      // Who is asking is only a nicety on an error page: a database that is down must not turn it into a 500.
      const who = refused.status === 503 ? undefined : await sessionViewer(ctx, req).catch(() => undefined);
      return sendPage(ctx, res, errorPage(refused.status, refused.message, who), refused.status);
    }
    ctx.log(`internal error on ${req.method} ${req.path}: ${(err as Error)?.stack ?? String(err)}`);
    await sendPage(ctx, res, errorPage(500, 'internal error; the organisers can find the details in the server log'), 500);
  };
}
