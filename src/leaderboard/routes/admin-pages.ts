/**
 * The admin page (/admin), behind the admin token: entered once in a form, it opens an admin
 * cookie (HttpOnly, SameSite=Strict, Path=/admin, 8 hours) holding an expiry and its HMAC under
 * a server secret and the token, never the token itself; a new admin token ends every such
 * cookie. Failed tokens back off per address as the admin API does. Forms pass the same CSRF
 * checks as every page (mounted inside pageRoutes). The actions are admin.ts's functions.
 */
import crypto from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { AppContext } from '../context.js';
import { reloadChallenges } from '../reload.js';
import { HttpError } from '../http-error.js';
import { adminLoginPage, adminPage, rescorePage, type AdminPageData } from '../views/admin-page.js';
import { addCsvExports, adminOverview, rescoreReport, startRescore } from './admin.js';
import { knownChallenge } from './api.js';
import { cookie, intParam, refusal, requireAdmin } from './http.js';

const ADMIN_COOKIE = 'podium_admin';
const ADMIN_MAX_AGE_MS = 8 * 3600_000;

async function sign(ctx: AppContext, expires: number): Promise<string> {
  return crypto.createHmac('sha256', await ctx.store.secret('admin-page')).update(`${expires}:${ctx.adminToken}`).digest('base64url');
}

async function validCookie(ctx: AppContext, req: Request): Promise<boolean> {
  const value = cookie(req, ADMIN_COOKIE);
  if (!ctx.adminToken || !value) return false;
  const [expires, mac] = value.split('.');
  const at = Number(expires);
  if (!Number.isSafeInteger(at) || at <= Date.now() || !mac) return false;
  const want = Buffer.from(await sign(ctx, at));
  const got = Buffer.from(mac);
  return want.length === got.length && crypto.timingSafeEqual(want, got);
}

function cookieAttributes(req: Request): string {
  return `HttpOnly; SameSite=Strict; Path=/admin${req.secure ? '; Secure' : ''}`;
}

export function adminPageRoutes(ctx: AppContext, page: (res: Response, body: string, status?: number) => void): Router {
  const r = express.Router();

  const overview = async (res: Response, extra: Partial<AdminPageData> = {}, status = 200) => {
    page(res, adminPage({ ...(await adminOverview(ctx)), ...extra }), status);
  };

  r.get('/login', (_req, res) => res.redirect(303, '/admin'));
  r.post('/login', async (req, res) => {
    if (!ctx.adminToken) return page(res, adminLoginPage(undefined, true), 403);
    try {
      requireAdmin(ctx, req, String((req.body as { token?: string }).token ?? '').trim());
    } catch (e) {
      const refused = refusal(e);
      if (!refused) throw e;
      return page(res, adminLoginPage(refused.status === 401 ? 'That is not the admin token.' : refused.message), refused.status);
    }
    const expires = Date.now() + ADMIN_MAX_AGE_MS;
    res.append('Set-Cookie', `${ADMIN_COOKIE}=${expires}.${await sign(ctx, expires)}; ${cookieAttributes(req)}; Max-Age=${ADMIN_MAX_AGE_MS / 1000}`);
    res.redirect(303, '/admin');
  });

  // Everything below needs the admin cookie.
  r.use(async (req, res, next) => {
    if (await validCookie(ctx, req)) return next();
    if (req.method === 'GET' && req.path === '/') return page(res, adminLoginPage(undefined, !ctx.adminToken), ctx.adminToken ? 200 : 403);
    page(res, adminLoginPage(ctx.adminToken ? 'Open the admin page with the admin token first.' : undefined, !ctx.adminToken), ctx.adminToken ? 401 : 403);
  });

  r.get('/', async (req, res) => {
    const message = typeof req.query.done === 'string' ? req.query.done.slice(0, 300) : undefined;
    await overview(res, { message });
  });

  r.post('/logout', (req, res) => {
    res.append('Set-Cookie', `${ADMIN_COOKIE}=; ${cookieAttributes(req)}; Max-Age=0`);
    res.redirect(303, '/');
  });

  /** An action, then back to the page with what it did; a refusal is shown on the page. */
  const action = (path: string, act: (req: Request) => Promise<string> | string) => {
    r.post(path, async (req, res) => {
      try {
        const done = await act(req);
        res.redirect(303, `/admin?done=${encodeURIComponent(done)}`);
      } catch (e) {
        const refused = refusal(e);
        if (!refused) throw e;
        await overview(res, { error: refused.message }, refused.status);
      }
    });
  };

  action('/challenges/:id/pause', async (req) => {
    const c = await knownChallenge(ctx, req.params.id as string);
    const paused = (req.body as { paused?: string }).paused !== '0';
    await ctx.store.setPaused(c.id, paused);
    if (!paused) ctx.pool.notify();
    ctx.log(`admin: ${paused ? 'paused' : 'resumed'} ${c.id}`);
    return `${c.id} ${paused ? 'paused: uploads are refused and nothing is scored' : 'resumed'}.`;
  });

  r.post('/challenges/:id/rescore', async (req, res) => {
    const c = await knownChallenge(ctx, req.params.id);
    const run = await startRescore(ctx, c, (req.body as { outdated?: string }).outdated === '1');
    ctx.log(`admin: rescore ${run.run_id} of ${c.id} (${run.jobs} jobs)`);
    res.redirect(303, `/admin/rescores/${run.run_id}`);
  });

  r.get('/rescores/:run', async (req, res) => {
    page(res, rescorePage(await rescoreReport(ctx, intParam(req.params.run, 'rescore run'))));
  });

  action('/disqualify', async (req) => {
    const body = req.body as { kind?: string; id?: string; reason?: string };
    const reason = String(body.reason ?? '').trim().slice(0, 500);
    if (!reason) throw new HttpError(400, 'give a reason: the team sees it');
    const id = intParam(String(body.id ?? '').trim(), body.kind === 'team' ? 'team' : 'submission');
    if (body.kind === 'team') {
      const team = await ctx.store.team(id);
      if (!team) throw new HttpError(404, `no team ${id}`);
      await ctx.store.disqualifyTeam(id, reason);
      ctx.log(`admin: disqualified team ${id}`);
      return `Team ${id} (${team.name}) disqualified: ${reason}`;
    }
    if (!await ctx.store.submission(id)) throw new HttpError(404, `no submission ${id}`);
    await ctx.store.disqualifySubmission(id, reason);
    ctx.log(`admin: disqualified submission ${id}`);
    return `Submission ${id} disqualified: ${reason}`;
  });

  r.post('/token', async (req, res) => {
    const email = String((req.body as { email?: string }).email ?? '').trim();
    const found = email ? await ctx.store.findParticipants(email, 2) : [];
    if (found.length !== 1) return overview(res, { error: found.length ? `several accounts have the email ${email}; use the admin API with the participant id` : `no participant with the email ${email}` }, found.length ? 409 : 404);
    const p = found[0]!;
    const token = await ctx.store.rotateToken(p.id, ctx.clock());
    ctx.log(`admin: reset the token of participant ${p.id}`);
    await overview(res, { newToken: { name: p.name, email: p.email, token } });
  });

  r.post('/reload', async (_req, res) => {
    const report = await reloadChallenges(ctx);
    await overview(res, { reload: report });
  });

  addCsvExports(r, ctx);

  return r;
}
