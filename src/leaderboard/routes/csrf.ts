/**
 * Cross-site request forgery defence for the HTML pages, in one place. Two layers:
 * 1. Every state-changing page request (any method but GET/HEAD/OPTIONS) must come from this
 *    origin: `Sec-Fetch-Site` (when the browser sends it) must be `same-origin`, and `Origin`
 *    (when sent) must equal this server's origin, port included. Another port of the same host
 *    is same-site but not same-origin, so it is refused too.
 * 2. It must carry the form's token: an HMAC of the session (or, before sign-in, of a random
 *    pre-session cookie) under a server secret kept in the database. Forms get it without
 *    doing anything: `withCsrfFields` adds a hidden `_csrf` field to every POST form of a page
 *    (and to the action URL of multipart forms, whose fields arrive after the file).
 *
 * Route authors: mount `csrfProtection(ctx)` once before the page routes (pages.ts does) and
 * render pages through `page()` there; a new form is then covered. The JSON API does not use
 * cookies at all (bearer tokens only), so it needs none of this.
 */
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../context.js';
import { HttpError } from '../http-error.js';
import { cookie, SESSION_COOKIE, sessionCookieAttributes } from './http.js';

export const CSRF_FIELD = '_csrf';
export const PRESESSION_COOKIE = 'podium_presession';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function hmac(key: Buffer, text: string): string {
  return crypto.createHmac('sha256', key).update(text).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/** This server's origin as the browser sees it (scheme, host and port). */
export function ownOrigin(req: Request): string {
  return `${req.protocol}://${req.headers.host ?? ''}`;
}

/** Why a state-changing request does not come from this origin, or undefined when it does. */
export function crossOriginReason(req: Request): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin') return `the form was sent from another site (${site})`;
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== ownOrigin(req)) return 'the form was sent from another origin';
  return undefined;
}

/** The token of the forms of a session. */
export async function sessionCsrfToken(ctx: AppContext, session: string): Promise<string> {
  return hmac(await ctx.store.secret('csrf'), `session:${session}`);
}

/** The token forms must carry for this visitor (bound to their session, or to their pre-session cookie). */
async function expectedToken(ctx: AppContext, req: Request): Promise<string | undefined> {
  const key = await ctx.store.secret('csrf');
  const session = cookie(req, SESSION_COOKIE);
  if (session && await ctx.store.participantBySession(session, ctx.clock())) return sessionCsrfToken(ctx, session);
  const pre = cookie(req, PRESESSION_COOKIE);
  return pre ? hmac(key, `anonymous:${pre}`) : undefined;
}

/**
 * The token for the forms of the page being rendered; gives the visitor a pre-session cookie
 * first when they have neither a session nor one.
 */
export async function csrfToken(ctx: AppContext, req: Request, res: Response): Promise<string> {
  const existing = await expectedToken(ctx, req);
  if (existing) return existing;
  const key = await ctx.store.secret('csrf');
  const pre = crypto.randomBytes(18).toString('base64url');
  res.append('Set-Cookie', `${PRESESSION_COOKIE}=${pre}; ${sessionCookieAttributes(req)}`);
  return hmac(key, `anonymous:${pre}`);
}

/**
 * Middleware for the page routes: refuses a state-changing request from another origin or
 * without the right token (403, before the handler runs), and leaves the token it checked in
 * `res.locals.csrf` for the forms of the page that answers. A GET makes no token here: the
 * page is given one when it is rendered (pages.ts), so a page served from a cache (the
 * anonymous board) costs no HMAC and sets no cookie.
 * Run it after the urlencoded body parser.
 */
export function csrfProtection(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!SAFE_METHODS.has(req.method)) {
      const reason = crossOriginReason(req);
      const sent = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD] ?? req.query[CSRF_FIELD];
      const expected = reason ? undefined : await expectedToken(ctx, req);
      const problem = reason
        ?? (typeof sent !== 'string' || !expected || !sameText(sent, expected)
          ? 'the form has expired or did not come from this site'
          : undefined);
      if (problem) {
        // Nothing of a refused upload is read: the connection closes after the answer.
        if (!req.complete) res.setHeader('Connection', 'close');
        next(new HttpError(403, `${problem}; nothing was changed. Reload the page and try again.`));
        return;
      }
      res.locals.csrf = expected;
    }
    next();
  };
}

const escapeAttribute = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The hidden input that carries the token (for pages that build a form outside `withCsrfFields`). */
export function csrfField(token: string): string {
  return `<input type="hidden" name="${CSRF_FIELD}" value="${escapeAttribute(token)}">`;
}

/**
 * Adds the token to every POST form of a rendered page: a hidden field right after the form
 * tag, and for multipart forms also in the action URL (the server checks it before reading the
 * body). User text never contains a raw `<form` (pages escape it), so only our forms match.
 */
export function withCsrfFields(page: string, token: string | undefined): string {
  if (!token) return page;
  return page.replace(/<form\b[^>]*>/gi, (tag) => {
    if (!/\bmethod="post"/i.test(tag)) return tag;
    let out = tag;
    if (/enctype="multipart\/form-data"/i.test(tag)) {
      out = out.replace(/\baction="([^"]*)"/i, (_m, action: string) =>
        `action="${action}${action.includes('?') ? '&amp;' : '?'}${CSRF_FIELD}=${encodeURIComponent(token)}"`);
    }
    return out + csrfField(token);
  });
}
