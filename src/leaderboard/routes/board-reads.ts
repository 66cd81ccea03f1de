/**
 * The three reads a crowd makes, as encoded answers (encoded.ts): the JSON board, a page of the
 * score history, and the challenge page as everyone not signed in sees it. Each is made once per
 * board version (the history once per HISTORY_MAX_AGE_MS) and then served from memory; the
 * express routes (api.ts, pages.ts) and the pre-router (cached-reads.ts) both answer from here,
 * so the two cannot drift apart.
 */
import { HISTORY_MAX_AGE_MS, type Board, type BoardSplit, type HistoryPoint } from '../board.js';
import type { AppContext } from '../context.js';
import { HttpError } from '../http-error.js';
import { phaseState, privateVisible } from '../phases.js';
import { splitShares } from '../split-shares.js';
import type { ChallengeRecord, Participant } from '../store.js';
import { scoreChart } from '../views/chart.js';
import { formatTime, type Html } from '../views/html.js';
import { boardTable, challengePage } from '../views/pages.js';
import { encode, HTML_TYPE, JSON_TYPE, type Encoded } from './encoded.js';

/** Points of a /history page by default, and at most. */
export const HISTORY_PAGE = 1000;
export const HISTORY_PAGE_MAX = 10_000;

/** A `limit`/`offset` query value: absent gives `fallback`; anything but a whole number in range is a 400. */
export function pageParam(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < min || n > max) {
    throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}, not "${String(value)}"`);
  }
  return n;
}

/** `GET /api/challenges/:id/leaderboard`: the board of a split the caller may see. */
export function jsonBoard(ctx: AppContext, c: ChallengeRecord, split: BoardSplit): Promise<Encoded> {
  return ctx.boards.cached(c, `json:leaderboard:${split}:${c.end_at}`, async () => {
    const board = await ctx.boards.board(c, split);
    return encode(JSON.stringify({
      challenge: c.id, split, primary_metric: c.primary_metric, higher_is_better: c.higher_is_better,
      private_opens_at: new Date(c.end_at).toISOString(), latency_columns: board.latency_columns, metric_columns: board.metric_columns, entries: board.entries,
    }), JSON_TYPE);
  });
}

/** A /history page's encoded answer: `limit` points from `offset`, and the link to the next page. */
function encodeHistoryPage(c: ChallengeRecord, points: HistoryPoint[], offset: number, limit: number): Promise<Encoded> {
  const page = points.slice(offset, offset + limit);
  const next = offset + limit < points.length ? `/api/challenges/${encodeURIComponent(c.id)}/history?offset=${offset + limit}&limit=${limit}` : null;
  return encode(JSON.stringify({
    challenge: c.id, split: 'public', total: points.length, offset, limit, next,
    points: page.map((p) => ({ ...p, t: new Date(p.t).toISOString() })),
  }), JSON_TYPE);
}

/** What is shown of the score history, made together from one read: the chart and /history's first page. */
interface HistoryView {
  points: HistoryPoint[];
  chart: Html;
  firstPage: Encoded;
}

/**
 * The history view, kept for HISTORY_MAX_AGE_MS and then made again in the background while
 * callers keep the last one (cachedFor): no request waits for the 10,000-row
 * read, the chart's drawing or the first page's encoding, except the very first one.
 */
function historyView(ctx: AppContext, c: ChallengeRecord): Promise<HistoryView> {
  return ctx.boards.cachedFor(HISTORY_MAX_AGE_MS, c, 'history-view', async () => {
    const points = await ctx.boards.history(c);
    return { points, chart: scoreChart(points, c.higher_is_better, c.primary_metric), firstPage: await encodeHistoryPage(c, points, 0, HISTORY_PAGE) };
  });
}

/** `GET /api/challenges/:id/history`: public scores over time, oldest first, `limit` points from `offset`. */
export async function historyPage(ctx: AppContext, c: ChallengeRecord, offset: number, limit: number): Promise<Encoded> {
  const view = await historyView(ctx, c);
  if (offset === 0 && limit === HISTORY_PAGE) return view.firstPage;
  // The other pages a client following `next` reads are kept with their view; any other slice is encoded for its request.
  const shared = limit === HISTORY_PAGE && offset % limit === 0;
  const render = () => encodeHistoryPage(c, view.points, offset, limit);
  return shared ? ctx.boards.cached(c, `json:history:${offset}`, render, view) : render();
}

/** What the challenge page shows of a split, the same for every viewer. */
export interface ChallengePageParts {
  split: BoardSplit;
  now: number;
  board?: Board;
  privateNote?: string;
  boardHtml?: Html;
  chart: Html;
  shares: Awaited<ReturnType<typeof splitShares>>;
  /** The challenge has a model track: the page links its models board. */
  takesModels: boolean;
  /** 403 for the private split before the end (or without a private split). */
  status: number;
}

export async function challengePageParts(ctx: AppContext, c: ChallengeRecord, split: BoardSplit, now: number): Promise<ChallengePageParts> {
  let board: Board | undefined;
  let privateNote: string | undefined;
  if (split === 'public') board = await ctx.boards.board(c, 'public');
  else if (!privateVisible(c, now)) privateNote = `The private leaderboard is shown after the end, ${formatTime(c.end_at)}.`;
  else if (!await ctx.boards.hasPrivateSplit(c.id)) privateNote = 'This challenge has no private split.';
  else board = await ctx.boards.board(c, 'private');
  const shares = await splitShares(c.truth);
  // The table and chart only change with the data: render them once per change, not per request.
  const shown = board;
  const boardHtml = shown ? await ctx.boards.cached(c, `html:board:${split}`, () => boardTable(shown, shares)) : undefined;
  const { chart } = await historyView(ctx, c);
  const takesModels = !!ctx.models?.get(c.id)?.track;
  return { split, now, board, privateNote, boardHtml, chart, shares, takesModels, status: split === 'private' && !board ? 403 : 200 };
}

/** The challenge page's HTML for a viewer (undefined: not signed in). */
export function renderChallengePage(c: ChallengeRecord, parts: ChallengePageParts, viewer?: Participant, viewerTeamId?: number): string {
  const { now, split, board, privateNote, chart, boardHtml, shares, takesModels } = parts;
  return challengePage({ challenge: c, now, split, board, privateNote, history: [], chart, boardHtml, viewer, shares, viewerTeamId, takesModels });
}

/**
 * `GET /challenges/:id` for everyone not signed in: the same page for all, encoded once per board
 * version (and phase), and again when the chart is redrawn (it is kept by time, not by version);
 * while that encoding is made, requests get the page with the last chart (its board is current).
 */
export async function anonymousChallengePage(ctx: AppContext, c: ChallengeRecord, split: BoardSplit, now: number): Promise<{ encoded: Encoded; status: number }> {
  const parts = await challengePageParts(ctx, c, split, now);
  const encoded = await ctx.boards.cached(c, `html:page:${split}:${phaseState(c, now)}:${c.paused}:${parts.takesModels}`, () => encode(renderChallengePage(c, parts), HTML_TYPE), parts.chart, true);
  return { encoded, status: parts.status };
}
