/**
 * HTML routes: the pages of views/pages.ts, the upload form's POST, and sign-in: the API token
 * opens a web session whose random id is kept in an HttpOnly, SameSite=Strict cookie (Secure
 * over HTTPS); logout revokes it. Every state-changing page request passes csrf.ts first.
 */
import express, { type Request, type Response, type Router } from 'express';
import { acceptSubmission, openChallenge } from '../accept.js';
import { HISTORY_MAX_AGE_MS } from '../board.js';
import { privateVisible, visibleScores, type AppContext } from '../context.js';
import { cleanName, StoreError, type ChallengeRecord, type Participant } from '../store.js';
import { loadTask } from '../../tasks/registry.js';
import { splitShares } from '../split-shares.js';
import { html, layout, STYLESHEET } from '../views/html.js';
import { modelBoardHtml } from '../views/model-board.js';
import { scoreChart } from '../views/chart.js';
import {
  boardTable,
  accountPage, challengeListPage, challengePage, dataPage, errorPage, evaluationPage, rulesPage, loginPage, registeredPage, registerPage, submissionsPage, submitPage, teamPage,
} from '../views/pages.js';
import { adminPageRoutes } from './admin-pages.js';
import { listFiles, sendFile, sendSubmissionFile } from './files.js';
import { submissionPage, submissionUrl } from '../views/submission-page.js';
import { csrfProtection, csrfToken, sessionCsrfToken, withCsrfFields } from './csrf.js';
import { boardSplit } from './api.js';
import { cookie, intParam, sendBoardCsv, SESSION_COOKIE, SESSION_MAX_AGE_MS, sessionCookieAttributes, sessionViewer } from './http.js';

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
  const serverUrl = (req: Request) => `${req.protocol}://${req.get('host') ?? 'localhost'}`;

  r.use('/admin', adminPageRoutes(ctx, page));

  r.get('/static/podium.css', (_req, res) => {
    res.type('css').setHeader('Cache-Control', 'public, max-age=3600');
    res.send(STYLESHEET);
  });

  r.get('/', (req, res) => {
    page(res, challengeListPage(ctx.store.challenges(), ctx.clock(), who(req)));
  });

  r.get('/challenges/:id', async (req, res) => {
    const c = known(req.params.id);
    const now = ctx.clock();
    const split = req.query.split === 'private' ? 'private' : 'public';
    let board;
    let privateNote: string | undefined;
    if (split === 'public') board = ctx.boards.board(c, 'public');
    else if (!privateVisible(c, now)) privateNote = `The private leaderboard is shown after the end, ${new Date(c.end_at).toISOString()}.`;
    else if (!ctx.boards.hasPrivateSplit(c.id)) privateNote = 'This challenge has no private split.';
    else board = ctx.boards.board(c, 'private');
    const shares = await splitShares(c.truth);
    // The table and chart only change with the data: render them once per change, not per request.
    const sharesKey = shares ? `${shares.public}/${shares.private}` : '-';
    const boardHtml = board ? ctx.boards.cached(`html:board:${c.id}:${split}:${sharesKey}`, () => boardTable(board, shares)) : undefined;
    const chart = ctx.boards.cachedFor(HISTORY_MAX_AGE_MS, `html:chart:${c.id}`, () => scoreChart(ctx.boards.history(c), c.higher_is_better, c.primary_metric));
    const p = who(req);
    const viewerTeamId = p ? ctx.store.teamOf(c.id, p.id)?.id : undefined;
    page(res, challengePage({ challenge: c, now, split, board, privateNote, history: [], chart, boardHtml, viewer: p, shares, viewerTeamId }),
      split === 'private' && !board ? 403 : 200);
  });

  r.get('/challenges/:id/leaderboard.csv', (req, res) => {
    const c = known(req.params.id);
    sendBoardCsv(res, ctx.boards.board(c, boardSplit(ctx, req, c)));
  });

  r.get('/challenges/:id/evaluation', async (req, res) => {
    const c = known(req.params.id);
    const metrics = (await loadTask(c.task)).metrics(c.options);
    page(res, evaluationPage({ challenge: c, metrics, shares: await splitShares(c.truth), viewer: who(req) }));
  });

  const rulesOf = (c: ChallengeRecord) => ctx.definitions.get(c.id)?.rules ?? '';
  const remainingOf = (c: ChallengeRecord, p: Participant | undefined) => p ? ctx.store.remaining(ctx.store.teamOf(c.id, p.id), c.limits, ctx.clock()) : undefined;
  r.get('/challenges/:id/rules', (req, res) => {
    const c = known(req.params.id);
    const p = who(req);
    page(res, rulesPage(c, rulesOf(c), p, p ? ctx.store.rulesAcceptedAt(c.id, p.id) : undefined));
  });
  r.post('/challenges/:id/rules/accept', form, (req, res) => {
    const c = known(req.params.id);
    const p = who(req);
    if (!p) return page(res, rulesPage(c, rulesOf(c), undefined, undefined, 'Log in first.'), 401);
    ctx.store.acceptRules(c.id, p.id, ctx.clock());
    res.redirect(303, `/challenges/${encodeURIComponent(c.id)}/${req.query.next === 'submit' ? 'submit' : 'rules'}`);
  });

  r.get('/challenges/:id/data', async (req, res) => {
    const c = known(req.params.id);
    page(res, dataPage(c, await listFiles(ctx, c), who(req), `${req.protocol}://${req.get('host') ?? 'localhost'}`));
  });

  r.get('/challenges/:id/files/:name', async (req, res) => {
    await sendFile(ctx, known(req.params.id), req.params.name, res);
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
    const c = known(req.params.id);
    const p = who(req);
    page(res, submitPage(c, p, { rulesPending: !!p && !!rulesOf(c) && ctx.store.rulesAcceptedAt(c.id, p.id) === undefined, remaining: remainingOf(c, p) }));
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
      const rulesPending = !!rulesOf(c) && ctx.store.rulesAcceptedAt(c.id, p.id) === undefined;
      page(res, submitPage(c, p, { errors, message: e.message, rulesPending, remaining: remainingOf(c, p) }), e.status);
    }
  });

  const showSubmissions = (req: Request, res: Response, message?: string, status = 200) => {
    const c = known(req.params.id as string);
    const p = who(req);
    const team = p ? ctx.store.teamOf(c.id, p.id) : undefined;
    const subs = team ? ctx.store.teamSubmissions(team.id).map((s) => ({
      submission: s,
      // Only the splits this viewer may see reach the page.
      scores: ctx.store.currentScores(s.id).filter((r) => r.split === 'public' || privateVisible(c, ctx.clock()) || (r.split === 'all' && !ctx.boards.hasPrivateSplit(c.id))),
      queuePosition: s.status === 'queued' ? ctx.store.queuePosition(s.id) : null,
    })) : [];
    const justSubmitted = req.query.new ? Number(req.query.new) : undefined;
    page(res, submissionsPage(c, p, team, subs, privateVisible(c, ctx.clock()), { justSubmitted, message }), p ? status : 401);
  };
  r.get('/challenges/:id/submissions', (req, res) => showSubmissions(req, res));

  /** The viewer's own submission of this challenge; anyone else's is "not found" (ids reveal nothing). */
  const ownSubmission = (c: ChallengeRecord, p: Participant | undefined, sid: string) => {
    if (!p) throw new StoreError(401, 'log in to see your submissions');
    const s = ctx.store.submission(intParam(sid, 'submission'));
    if (!s || s.challenge_id !== c.id || ctx.store.teamOf(c.id, p.id)?.id !== s.team_id) throw new StoreError(404, `no submission ${sid} of yours in ${c.id}`);
    return s;
  };
  const showSubmission = async (req: Request, res: Response, message?: string, status = 200) => {
    const c = known(req.params.id as string);
    const p = who(req);
    const s = ownSubmission(c, p, req.params.sid as string);
    const now = ctx.clock();
    const rows = ctx.store.currentScores(s.id);
    const visible = visibleScores(rows, privateVisible(c, now));
    page(res, submissionPage({
      challenge: c, submission: s, team: ctx.store.team(s.team_id)?.name ?? '', submittedBy: ctx.store.participant(s.participant_id)?.name ?? '',
      scores: visible, queuePosition: ctx.store.queuePosition(s.id), metrics: (await loadTask(c.task)).metrics(c.options),
      wholeSetVisible: visible.some((r) => r.split === 'all'), perClassHidden: !!rows.find((r) => r.split === 'all')?.extras, finalSelectionsOpen: now < c.end_at, viewer: p!, message,
    }), status);
  };
  r.get('/challenges/:id/submissions/:sid', (req, res) => showSubmission(req, res));
  r.get('/challenges/:id/submissions/:sid/file', async (req, res) => {
    const c = known(req.params.id);
    await sendSubmissionFile(ctx, ownSubmission(c, who(req), req.params.sid), res);
  });

  r.post('/challenges/:id/submissions/:sid/select', async (req, res) => {
    const c = known(req.params.id);
    const s = ownSubmission(c, who(req), req.params.sid);
    const back = (req.body as { back?: string }).back === 'submission';
    try {
      if (ctx.clock() >= c.end_at) throw new StoreError(403, 'final selections are closed: the challenge has ended');
      const selected = (req.body as { selected?: string }).selected === '1';
      if (selected && s.status !== 'scored') throw new StoreError(409, `submission ${s.id} is ${s.status}; only scored submissions can be selected`);
      ctx.store.setSelected(s, selected, c.limits.final_selections);
    } catch (e) {
      // Explained where the participant clicked (e.g. a third final selection), not on an error page.
      if (!(e instanceof StoreError)) throw e;
      return back ? showSubmission(req, res, e.message, e.status) : showSubmissions(req, res, e.message, e.status);
    }
    res.redirect(303, back ? submissionUrl(c.id, s.id) : `/challenges/${encodeURIComponent(c.id)}/submissions`);
  });

  const showTeam = (req: Request, res: Response, message?: string, status = 200) => {
    const c = known(req.params.id as string);
    const p = who(req);
    const team = p ? ctx.store.teamOf(c.id, p.id) : undefined;
    const members = team ? ctx.store.teamMembers(team.id).map((m) => m.name) : [];
    const options = p ? ctx.store.teamOptions(c.id, p.id) : { canSwitch: false, canLeave: false, members: 0, submissions: 0 };
    page(res, teamPage(c, p, team, members, ctx.teamSizeLimit, options, message), p ? status : 401);
  };
  /** A team form's action; a refusal is shown on the team page, where the participant clicked. */
  const teamAction = (path: string, act: (c: ChallengeRecord, p: Participant, body: Record<string, string | undefined>) => void) => {
    r.post(path, (req, res) => {
      const c = known(req.params.id as string);
      const p = who(req);
      if (!p) return showTeam(req, res);
      try {
        act(c, p, req.body as Record<string, string | undefined>);
        res.redirect(303, `/challenges/${encodeURIComponent(c.id)}/team`);
      } catch (e) {
        if (!(e instanceof StoreError)) throw e;
        showTeam(req, res, e.message, e.status);
      }
    });
  };
  teamAction('/challenges/:id/team/rename', (c, p, body) => {
    const name = cleanName(body.name);
    if (!name) throw new StoreError(400, 'a team name of 1 to 80 characters is required');
    ctx.store.renameTeam(c.id, p.id, name);
  });
  teamAction('/challenges/:id/team/leave', (c, p) => ctx.store.leaveTeam(c.id, p.id));
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
    page(res, registeredPage(participant, token, serverUrl(req)), 201);
  });

  r.get('/account', (req, res) => {
    const p = who(req);
    if (!p) return page(res, loginPage('Log in to see your account.'), 401);
    const teams = ctx.store.challenges().flatMap((c) => {
      const t = ctx.store.teamOf(c.id, p.id);
      return t ? [{ challenge: c, team: t.name }] : [];
    });
    page(res, accountPage(p, teams, serverUrl(req)));
  });
  r.post('/account/token', (req, res) => {
    const p = who(req);
    if (!p) return page(res, loginPage('Log in first.'), 401);
    const token = ctx.store.rotateToken(p.id, ctx.clock());
    // Every session ended with the old token; this browser, which asked, gets a fresh one.
    openSession(ctx, req, res, p.id);
    page(res, registeredPage(p, token, serverUrl(req), { rotated: true }));
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
