/**
 * HTML routes: the pages of views/pages.ts, the upload form's POST, and sign-in: the API token
 * opens a web session whose random id is kept in an HttpOnly, SameSite=Strict cookie (Secure
 * over HTTPS); logout revokes it. Every state-changing page request passes csrf.ts first.
 */
import express, { type Request, type Response, type Router } from 'express';
import { acceptSubmission, openChallenge } from '../accept.js';
import { HISTORY_MAX_AGE_MS } from '../board.js';
import { privateVisible, type AppContext } from '../context.js';
import { cleanName, StoreError, type ChallengeRecord } from '../store.js';
import { html, layout, STYLESHEET } from '../views/html.js';
import { modelBoardHtml } from '../views/model-board.js';
import { scoreChart } from '../views/chart.js';
import {
  boardTable,
  challengeListPage, challengePage, errorPage, loginPage, registeredPage, registerPage, submissionsPage, submitPage, teamPage,
} from '../views/pages.js';
import { csrfProtection, csrfToken, sessionCsrfToken, withCsrfFields } from './csrf.js';
import { cookie, intParam, SESSION_COOKIE, SESSION_MAX_AGE_MS, sessionCookieAttributes, sessionViewer } from './http.js';

/** Sends a page; its POST forms get the visitor's CSRF token (csrf.ts). */
export function sendPage(ctx: AppContext, res: Response, body: string, status = 200): void {
  res.status(status).type('html').setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'same-origin');
  const token = (res.locals.csrf as string | undefined) ?? csrfToken(ctx, res.req, res);
  res.send(withCsrfFields(body, token));
}

function openSession(ctx: AppContext, req: Request, res: Response, participantId: number): void {
  const old = cookie(req, SESSION_COOKIE);
  if (old) ctx.store.deleteSession(old);
  const value = ctx.store.createSession(participantId, ctx.clock(), SESSION_MAX_AGE_MS);
  res.append('Set-Cookie', `${SESSION_COOKIE}=${value}; ${sessionCookieAttributes(req)}; Max-Age=${SESSION_MAX_AGE_MS / 1000}`);
  // The forms of the page that follows are bound to the new session.
  res.locals.csrf = sessionCsrfToken(ctx, value);
}

export function pageRoutes(ctx: AppContext): Router {
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  r.use(form, csrfProtection(ctx));
  const page = (res: Response, body: string, status = 200) => sendPage(ctx, res, body, status);
  const known = (id: string): ChallengeRecord => {
    const c = ctx.store.challenge(id);
    if (!c || !c.available) throw new StoreError(404, `no challenge "${id}"`);
    return c;
  };
  const who = (req: Request) => sessionViewer(ctx, req);

  r.get('/static/podium.css', (_req, res) => {
    res.type('css').setHeader('Cache-Control', 'public, max-age=3600');
    res.send(STYLESHEET);
  });

  r.get('/', (req, res) => {
    page(res, challengeListPage(ctx.store.challenges(), ctx.clock(), who(req)));
  });

  r.get('/challenges/:id', (req, res) => {
    const c = known(req.params.id);
    const now = ctx.clock();
    const split = req.query.split === 'private' ? 'private' : 'public';
    let board;
    let privateNote: string | undefined;
    if (split === 'public') board = ctx.boards.board(c, 'public');
    else if (!privateVisible(c, now)) privateNote = `The private leaderboard is shown after the end, ${new Date(c.end_at).toISOString()}.`;
    else if (!ctx.boards.hasPrivateSplit(c.id)) privateNote = 'This challenge has no private split.';
    else board = ctx.boards.board(c, 'private');
    // The table and chart only change with the data: render them once per change, not per request.
    const boardHtml = board ? ctx.boards.cached(`html:board:${c.id}:${split}`, () => boardTable(board)) : undefined;
    const chart = ctx.boards.cachedFor(HISTORY_MAX_AGE_MS, `html:chart:${c.id}`, () => scoreChart(ctx.boards.history(c), c.higher_is_better, c.primary_metric));
    page(res, challengePage({ challenge: c, now, split, board, privateNote, history: [], chart, boardHtml, viewer: who(req) }),
      split === 'private' && !board ? 403 : 200);
  });

  // The model track's board: ranking rule, accuracy and latency, Pareto chart (views/model-board.ts).
  r.get('/challenges/:id/models', (req, res) => {
    const c = known(req.params.id);
    const track = ctx.models?.get(c.id)?.track;
    if (!track) throw new StoreError(404, `${c.id} does not take model submissions`);
    const body = ctx.boards.cached(`html:models:${c.id}`, () => modelBoardHtml(c, ctx.boards.board(c, 'public'), track));
    page(res, layout(`${c.title}: models`, html`<p><a href="/challenges/${c.id}">← ${c.title}</a></p>${body}`, { viewer: who(req) }));
  });

  r.get('/challenges/:id/submit', (req, res) => {
    page(res, submitPage(known(req.params.id), who(req)));
  });

  r.post('/challenges/:id/submit', async (req, res) => {
    const c = known(req.params.id);
    const p = who(req);
    if (!p) {
      req.resume();
      page(res, submitPage(c, undefined), 401);
      return;
    }
    try {
      const { submission } = await acceptSubmission(ctx, req, p, openChallenge(ctx, c.id));
      res.redirect(303, `/challenges/${encodeURIComponent(c.id)}/submissions?new=${submission.id}`);
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      if (e.status !== 408) req.resume();
      const errors = Array.isArray(e.details.errors) ? (e.details.errors as { text?: string }[]).map((x) => x.text ?? String(x)) : undefined;
      if (e.status === 408 || e.status === 413 || e.status >= 500) res.setHeader('Connection', 'close');
      page(res, submitPage(c, p, { errors, message: e.message }), e.status);
    }
  });

  r.get('/challenges/:id/submissions', (req, res) => {
    const c = known(req.params.id);
    const p = who(req);
    const team = p ? ctx.store.teamOf(c.id, p.id) : undefined;
    const subs = team ? ctx.store.teamSubmissions(team.id).map((s) => ({
      submission: s,
      // Only the splits this viewer may see reach the page.
      scores: ctx.store.currentScores(s.id).filter((r) => r.split === 'public' || privateVisible(c, ctx.clock()) || (r.split === 'all' && !ctx.boards.hasPrivateSplit(c.id))),
      queuePosition: s.status === 'queued' ? ctx.store.queuePosition(s.id) : null,
    })) : [];
    const justSubmitted = req.query.new ? Number(req.query.new) : undefined;
    page(res, submissionsPage(c, p, team, subs, privateVisible(c, ctx.clock()), { justSubmitted }), p ? 200 : 401);
  });

  r.post('/challenges/:id/submissions/:sid/select', (req, res) => {
    const c = known(req.params.id);
    const p = who(req);
    if (!p) throw new StoreError(401, 'log in first');
    const s = ctx.store.submission(intParam(req.params.sid, 'submission'));
    if (!s || ctx.store.teamOf(c.id, p.id)?.id !== s.team_id) throw new StoreError(404, 'no such submission of yours');
    if (ctx.clock() >= c.end_at) throw new StoreError(403, 'final selections are closed: the challenge has ended');
    ctx.store.setSelected(s, (req.body as { selected?: string }).selected === '1', c.limits.final_selections);
    res.redirect(303, `/challenges/${encodeURIComponent(c.id)}/submissions`);
  });

  const showTeam = (req: Request, res: Response, message?: string, status = 200) => {
    const c = known(req.params.id as string);
    const p = who(req);
    const team = p ? ctx.store.teamOf(c.id, p.id) : undefined;
    const members = team ? ctx.store.teamMembers(team.id).map((m) => m.name) : [];
    page(res, teamPage(c, p, team, members, ctx.teamSizeLimit, message), p ? status : 401);
  };
  r.get('/challenges/:id/team', (req, res) => showTeam(req, res));
  r.post('/challenges/:id/team', (req, res) => {
    const c = known(req.params.id);
    const p = who(req);
    if (!p) return showTeam(req, res);
    const name = cleanName((req.body as { name?: string }).name);
    try {
      if (!name) throw new StoreError(400, 'a team name of 1 to 80 characters is required');
      ctx.store.createTeam(c.id, p.id, name, ctx.clock());
      res.redirect(303, `/challenges/${encodeURIComponent(c.id)}/team`);
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      showTeam(req, res, e.message, e.status);
    }
  });
  r.post('/challenges/:id/team/join', (req, res) => {
    const c = known(req.params.id);
    const p = who(req);
    if (!p) return showTeam(req, res);
    try {
      ctx.store.joinTeam(c.id, p.id, String((req.body as { invite_code?: string }).invite_code ?? '').trim(), ctx.clock(), ctx.teamSizeLimit);
      res.redirect(303, `/challenges/${encodeURIComponent(c.id)}/team`);
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      showTeam(req, res, e.message, e.status);
    }
  });

  r.get('/login', (_req, res) => page(res, loginPage()));
  r.post('/login', (req, res) => {
    const token = String((req.body as { token?: string }).token ?? '').trim();
    const participant = token ? ctx.store.participantByToken(token) : undefined;
    if (!participant) return page(res, loginPage('That token is not valid.'), 401);
    openSession(ctx, req, res, participant.id);
    res.redirect(303, '/');
  });
  r.post('/logout', (req, res) => {
    const session = cookie(req, SESSION_COOKIE);
    if (session) ctx.store.deleteSession(session);
    res.append('Set-Cookie', `${SESSION_COOKIE}=; ${sessionCookieAttributes(req)}; Max-Age=0`);
    res.redirect(303, '/');
  });
  r.get('/register', (_req, res) => page(res, registerPage()));
  r.post('/register', (req, res) => {
    const body = req.body as { name?: string; email?: string };
    const name = cleanName(body.name);
    const email = cleanName(body.email, 200);
    if (!name || !email || !/^[^@\s]+@[^@\s]+$/.test(email)) return page(res, registerPage('A name (1 to 80 characters) and a valid email are required.'), 400);
    const { participant, token } = ctx.store.createParticipant(name, email, ctx.clock());
    openSession(ctx, req, res, participant.id);
    page(res, registeredPage(participant, token), 201);
  });
  return r;
}

/** Errors on page routes render as a page, never a stack trace. */
export function pageErrors(ctx: AppContext) {
  return (err: unknown, req: Request, res: Response, next: (e: unknown) => void) => {
    if (res.headersSent) return next(err);
    if (err instanceof StoreError) return sendPage(ctx, res, errorPage(err.status, err.message, sessionViewer(ctx, req)), err.status);
    ctx.log(`internal error on ${req.method} ${req.path}: ${(err as Error)?.stack ?? String(err)}`);
    sendPage(ctx, res, errorPage(500, 'internal error; the organisers can find the details in the server log'), 500);
  };
}
