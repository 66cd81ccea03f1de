/**
 * The pre-router: the three reads a crowd makes (the JSON board, the challenge page, a page of
 * /history; board-reads.ts) answered from the HTTP server's request event, before express's
 * routing and middleware, which took about a sixth of a cached read's CPU. Everything else, and
 * anything here that is not plainly one of those reads, goes to express, which answers as it
 * always did. Only requests without a token or session cookie are taken: their answer is the
 * same for everyone (a signed-in viewer's page is theirs alone, and the request log looks them
 * up), and only GET (express answers HEAD). Headers and bytes are express's: the same site headers, the
 * same sendEncoded, the same request log line.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import querystring from 'node:querystring';
import type { AppContext } from '../context.js';
import type { RequestLine } from '../request-log.js';
import { anonymousChallengePage, HISTORY_PAGE, HISTORY_PAGE_MAX, historyPage, jsonBoard, pageParam } from './board-reads.js';
import { sendEncoded, type Encoded } from './encoded.js';
import { SESSION_COOKIE } from './http.js';
import { setSiteHeaders } from './site-headers.js';

/** A read the pre-router may answer: which one, of which challenge, and its query (as express parses it). */
export interface BoardRead {
  kind: 'json' | 'page' | 'history';
  challengeId: string;
  /** The URL's path, as the request log writes it. */
  path: string;
  query: querystring.ParsedUrlQuery;
}

// Challenge ids in plain characters only: a percent-escape (which express would decode) goes to express.
const READS: [BoardRead['kind'], RegExp][] = [
  ['json', /^\/api\/challenges\/([\w.~-]+)\/leaderboard$/],
  ['page', /^\/challenges\/([\w.~-]+)$/],
  ['history', /^\/api\/challenges\/([\w.~-]+)\/history$/],
];

/** The board read a request is, or undefined when express should handle it. */
export function boardReadOf(req: IncomingMessage): BoardRead | undefined {
  if (req.method !== 'GET' || req.headers.authorization !== undefined) return undefined;
  // Of the cookies only the session one changes these answers (the viewer's own page; the log's
  // participant): a header that names it anywhere goes to express, one without it (a pre-session
  // cookie from a form page) gets the answer everyone not signed in gets, as from express.
  if (req.headers.cookie?.includes(SESSION_COOKIE)) return undefined;
  const url = req.url ?? '';
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  for (const [kind, pattern] of READS) {
    const m = pattern.exec(pathname);
    // express's default ('simple') query parser is node:querystring.
    if (m) return { kind, challengeId: m[1]!, path: pathname, query: querystring.parse(q < 0 ? '' : url.slice(q + 1)) };
  }
  return undefined;
}

/**
 * The answer to a read, as the express route would give it; undefined when the route would do
 * something else (an unknown challenge, the private split, a query it would refuse).
 */
async function answer(ctx: AppContext, read: BoardRead): Promise<{ encoded: Encoded; status: number } | undefined> {
  const { query } = read;
  if (read.kind === 'json' && query.split !== undefined && query.split !== 'public') return undefined;
  if (read.kind === 'page' && query.split === 'private') return undefined;
  const c = await ctx.boards.challenge(read.challengeId);
  if (!c || !c.available) return undefined;
  if (read.kind === 'json') return { encoded: await jsonBoard(ctx, c, 'public'), status: 200 };
  if (read.kind === 'page') return anonymousChallengePage(ctx, c, 'public', ctx.clock());
  const limit = pageParam(query.limit, 'limit', HISTORY_PAGE, 1, HISTORY_PAGE_MAX);
  const offset = pageParam(query.offset, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
  return { encoded: await historyPage(ctx, c, offset, limit), status: 200 };
}

/**
 * The server's request listener: board reads answered here, the rest by `app`. A read that fails
 * (or that the route would refuse) goes to `app` too, which then answers it, errors included, as
 * before. `line` writes the request log line (none when the server keeps no log).
 */
export function cachedReads(ctx: AppContext, app: RequestListener, line?: RequestLine): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const read = boardReadOf(req);
    if (!read) return app(req, res);
    const start = process.hrtime.bigint();
    answer(ctx, read).then(
      (answered) => {
        if (!answered) return app(req, res);
        line?.(req, res, read.path, req.socket.remoteAddress, start);
        setSiteHeaders(res);
        sendEncoded(req, res, answered.encoded, answered.status);
      },
      () => app(req, res),
    );
  };
}
