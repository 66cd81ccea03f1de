/**
 * HTML routes: the pages of views/pages.ts, the upload form's POST, and sign-in: the API token
 * opens a web session whose random id is kept in an HttpOnly, SameSite=Strict cookie (Secure
 * over HTTPS); logout revokes it. Every state-changing page request passes csrf.ts first.
 */
import express, { type Request, type Response, type Router } from 'express';
import { acceptSubmission, openChallenge } from '../accept.js';
import { visibleScores, type AppContext } from '../context.js';
import { privateVisible, requireSelectionsOpen, selectionsOpen } from '../phases.js';
import { cleanName, type ChallengeRecord, type Participant } from '../store.js';
import { loadTask } from '../../tasks/registry.js';
import { splitShares } from '../split-shares.js';
import { html, layout, STYLESHEET } from '../views/html.js';
import { modelBoardHtml } from '../views/model-board.js';
import {
  accountPage, challengeListPage, challengeNav, dataPage, errorPage, evaluationPage, rulesPage, loginPage, registeredPage, registerPage, submissionsPage, submitPage, teamPage,
} from '../views/pages.js';
import { adminPageRoutes } from './admin-pages.js';
import { listFiles, sendFile, sendSubmissionFile } from './files.js';
import { submissionPage, submissionUrl } from '../views/submission-page.js';
import { csrfProtection, csrfToken, sessionCsrfToken, withCsrfFields } from './csrf.js';
import { boardSplit } from './api.js';
import { anonymousChallengePage, challengePageParts, renderChallengePage } from './board-reads.js';
import { sendEncoded } from './encoded.js';
import { cookie, HttpError, intParam, refusal, sendBoardCsv, SESSION_COOKIE, SESSION_MAX_AGE_MS, sessionCookieAttributes, sessionViewer } from './http.js';

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
    const c = await ctx.boards.challenge(id);
    if (!c || !c.available) throw new HttpError(404, `no challenge "${id}"`);
    return c;
  };
  const who = (req: Request) => sessionViewer(ctx, req);
  const serverUrl = (req: Request) => `${req.protocol}://${req.get('host') ?? 'localhost'}`;

  r.use('/admin', adminPageRoutes(ctx, page));

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
    const viewer = await who(req);
    if (!viewer) {
      const { encoded, status } = await anonymousChallengePage(ctx, c, split, now);
      return sendEncoded(req, res, encoded, status);
    }
    const parts = await challengePageParts(ctx, c, split, now);
    const viewerTeamId = (await ctx.store.teamOf(c.id, viewer.id))?.id;
    return page(res, renderChallengePage(c, parts, viewer, viewerTeamId), parts.status);
  });

  r.get('/challenges/:id/leaderboard.csv', async (req, res) => {
    const c = await known(req.params.id);
    await sendBoardCsv(ctx, req, res, c, await boardSplit(ctx, req, c));
  });

  r.get('/challenges/:id/evaluation', async (req, res) => {
    const c = await known(req.params.id);
    const metrics = (await loadTask(c.task)).metrics(c.options);
    await page(res, evaluationPage({ challenge: c, metrics, shares: await splitShares(c.truth), viewer: await who(req) }));
  });

  const rulesOf = (c: ChallengeRecord) => ctx.definitions.get(c.id)?.rules ?? '';
  const remainingOf = async (c: ChallengeRecord, p: Participant | undefined) => p ? ctx.store.remaining(await ctx.store.teamOf(c.id, p.id), c.limits, ctx.clock()) : undefined;
  r.get('/challenges/:id/rules', async (req, res) => {
    const c = await known(req.params.id);
    const p = await who(req);
    await page(res, rulesPage(c, rulesOf(c), p, p ? await ctx.store.rulesAcceptedAt(c.id, p.id) : undefined));
  });
  r.post('/challenges/:id/rules/accept', form, async (req, res) => {
    const c = await known(req.params.id);
    const p = await who(req);
    if (!p) return page(res, rulesPage(c, rulesOf(c), undefined, undefined, 'Log in first.'), 401);
    await ctx.store.acceptRules(c.id, p.id, ctx.clock());
    res.redirect(303, `/challenges/${encodeURIComponent(c.id)}/${req.query.next === 'submit' ? 'submit' : 'rules'}`);
  });

  r.get('/challenges/:id/data', async (req, res) => {
    const c = await known(req.params.id);
    await page(res, dataPage(c, await listFiles(ctx, c), await who(req), `${req.protocol}://${req.get('host') ?? 'localhost'}`));
  });

  r.get('/challenges/:id/files/:name', async (req, res) => {
    await sendFile(ctx, await known(req.params.id), req.params.name, res);
  });

  // The model track's board: ranking rule, accuracy and latency, Pareto chart (views/model-board.ts).
  r.get('/challenges/:id/models', async (req, res) => {
    const c = await known(req.params.id);
    const track = ctx.models?.get(c.id)?.track;
    if (!track) throw new HttpError(404, `${c.id} does not take model submissions`);
    const board = await ctx.boards.board(c, 'public');
    const body = await ctx.boards.cached(c, 'html:models', () => modelBoardHtml(c, board, track));
    await page(res, layout(`${c.title}: models`, html`<h1>Models · ${c.title}</h1>${challengeNav(c, undefined)}${body}`, { viewer: await who(req) }));
  });

  /** The submit page's model-upload line: the challenge's largest model, when it takes models. */
  const modelUploads = (id: string) => {
    const track = ctx.models?.get(id)?.track;
    return track ? { maxMb: Number((track.maxModelBytes / 2 ** 20).toPrecision(3)) } : undefined;
  };

  r.get('/challenges/:id/submit', async (req, res) => {
    const c = await known(req.params.id);
    const p = await who(req);
    await page(res, submitPage(c, p, { rulesPending: !!p && !!rulesOf(c) && await ctx.store.rulesAcceptedAt(c.id, p.id) === undefined, remaining: await remainingOf(c, p), models: modelUploads(c.id) }));
  });

  r.post('/challenges/:id/submit', async (req, res) => {
    const c = await known(req.params.id);
    const p = await who(req);
    if (!p) {
      req.resume();
      await page(res, submitPage(c, undefined, { models: modelUploads(c.id) }), 401);
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
      const rulesPending = !!rulesOf(c) && await ctx.store.rulesAcceptedAt(c.id, p.id) === undefined;
      await page(res, submitPage(c, p, { errors, message: refused.message, rulesPending, remaining: await remainingOf(c, p), models: modelUploads(c.id) }), refused.status);
    }
  });

  const showSubmissions = async (req: Request, res: Response, message?: string, status = 200) => {
    const c = await known(req.params.id as string);
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
    await page(res, submissionsPage(c, p, team, subs, privateVisible(c, ctx.clock()), { justSubmitted, message }), p ? status : 401);
  };
  r.get('/challenges/:id/submissions', (req, res) => showSubmissions(req, res));

  /** The viewer's own submission of this challenge; anyone else's is "not found" (ids reveal nothing). */
  const ownSubmission = async (c: ChallengeRecord, p: Participant | undefined, sid: string) => {
    if (!p) throw new HttpError(401, 'log in to see your submissions');
    const s = await ctx.store.submission(intParam(sid, 'submission'));
    if (!s || s.challenge_id !== c.id || (await ctx.store.teamOf(c.id, p.id))?.id !== s.team_id) throw new HttpError(404, `no submission ${sid} of yours in ${c.id}`);
    return s;
  };
  const showSubmission = async (req: Request, res: Response, message?: string, status = 200) => {
    const c = await known(req.params.id as string);
    const p = await who(req);
    const s = await ownSubmission(c, p, req.params.sid as string);
    const now = ctx.clock();
    const rows = await ctx.store.currentScores(s.id);
    const visible = visibleScores(rows, privateVisible(c, now));
    await page(res, submissionPage({
      challenge: c, submission: s, team: (await ctx.store.team(s.team_id))?.name ?? '', submittedBy: (await ctx.store.participant(s.participant_id))?.name ?? '',
      scores: visible, queuePosition: await ctx.store.queuePosition(s.id), metrics: (await loadTask(c.task)).metrics(c.options),
      wholeSetVisible: visible.some((r) => r.split === 'all'), perClassHidden: !!rows.find((r) => r.split === 'all')?.extras, finalSelectionsOpen: selectionsOpen(c, now), viewer: p!, message,
    }), status);
  };
  r.get('/challenges/:id/submissions/:sid', (req, res) => showSubmission(req, res));
  r.get('/challenges/:id/submissions/:sid/file', async (req, res) => {
    const c = await known(req.params.id);
    await sendSubmissionFile(ctx, await ownSubmission(c, await who(req), req.params.sid), res);
  });

  r.post('/challenges/:id/submissions/:sid/select', async (req, res) => {
    const c = await known(req.params.id);
    const s = await ownSubmission(c, await who(req), req.params.sid);
    const back = (req.body as { back?: string }).back === 'submission';
    try {
      requireSelectionsOpen(c, ctx.clock());
      const selected = (req.body as { selected?: string }).selected === '1';
      if (selected && s.status !== 'scored') throw new HttpError(409, `submission ${s.id} is ${s.status}; only scored submissions can be selected`);
      await ctx.store.setSelected(s, selected, c.limits.final_selections);
    } catch (e) {
      // Explained where the participant clicked (e.g. a third final selection), not on an error page.
      const refused = refusal(e);
      if (!refused) throw e;
      return back ? showSubmission(req, res, refused.message, refused.status) : showSubmissions(req, res, refused.message, refused.status);
    }
    res.redirect(303, back ? submissionUrl(c.id, s.id) : `/challenges/${encodeURIComponent(c.id)}/submissions`);
  });

  const showTeam = async (req: Request, res: Response, message?: string, status = 200) => {
    const c = await known(req.params.id as string);
    const p = await who(req);
    const team = p ? await ctx.store.teamOf(c.id, p.id) : undefined;
    const members = team ? (await ctx.store.teamMembers(team.id)).map((m) => m.name) : [];
    const options = p ? await ctx.store.teamOptions(c.id, p.id) : { canSwitch: false, canLeave: false, members: 0, submissions: 0 };
    await page(res, teamPage(c, p, team, members, ctx.teamSizeLimit, options, message), p ? status : 401);
  };
  /** A team form's action; a refusal is shown on the team page, where the participant clicked. */
  const teamAction = (path: string, act: (c: ChallengeRecord, p: Participant, body: Record<string, string | undefined>) => Promise<unknown>) => {
    r.post(path, async (req, res) => {
      const c = await known(req.params.id as string);
      const p = await who(req);
      if (!p) return showTeam(req, res);
      try {
        await act(c, p, req.body as Record<string, string | undefined>);
        res.redirect(303, `/challenges/${encodeURIComponent(c.id)}/team`);
      } catch (e) {
        const refused = refusal(e);
        if (!refused) throw e;
        await showTeam(req, res, refused.message, refused.status);
      }
    });
  };
  teamAction('/challenges/:id/team/rename', async (c, p, body) => {
    const name = cleanName(body.name);
    if (!name) throw new HttpError(400, 'a team name of 1 to 80 characters is required');
    await ctx.store.renameTeam(c.id, p.id, name);
  });
  teamAction('/challenges/:id/team/leave', (c, p) => ctx.store.leaveTeam(c.id, p.id));
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
    await page(res, registeredPage(participant, token, serverUrl(req)), 201);
  });

  r.get('/account', async (req, res) => {
    const p = await who(req);
    if (!p) return page(res, loginPage('Log in to see your account.'), 401);
    const teams = [];
    for (const c of await ctx.store.challenges()) {
      const t = await ctx.store.teamOf(c.id, p.id);
      if (t) teams.push({ challenge: c, team: t.name });
    }
    await page(res, accountPage(p, teams, serverUrl(req)));
  });
  r.post('/account/token', async (req, res) => {
    const p = await who(req);
    if (!p) return page(res, loginPage('Log in first.'), 401);
    const token = await ctx.store.rotateToken(p.id, ctx.clock());
    // Every session ended with the old token; this browser, which asked, gets a fresh one.
    await openSession(ctx, req, res, p.id);
    await page(res, registeredPage(p, token, serverUrl(req), { rotated: true }));
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
