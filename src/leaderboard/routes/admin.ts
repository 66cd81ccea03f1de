/**
 * Admin routes (Bearer PODIUM_ADMIN_TOKEN): pause a challenge, rescore after an evaluator
 * version change and report what moved, disqualify, export CSV, list challenges with their
 * state and load errors, reload the definitions, find a participant and reset their token.
 * The admin page (routes/admin-pages.ts) calls the same functions.
 */
import express, { type Router } from 'express';
import { loadTask } from '../../tasks/registry.js';
import type { Board, BoardSplit } from '../board.js';
import type { AppContext } from '../context.js';
import { phaseState } from '../phases.js';
import { reloadChallenges } from '../reload.js';
import type { ChallengeRecord } from '../store.js';
import { knownChallenge } from './api.js';
import { HttpError, intParam, requireAdmin, sendBoardCsv, toCsv } from './http.js';

interface Snapshot {
  [split: string]: { team_id: number; team: string; rank: number | null; score: number; submission_id: number }[];
}

function snapshot(board: Board): Snapshot[string] {
  return board.entries.map((e) => ({ team_id: e.team_id, team: e.team, rank: e.rank, score: e.score, submission_id: e.submission_id }));
}

/** Starts a rescore run (all, or only outdated scores); the boards before are kept so the report can say what moved. */
export async function startRescore(ctx: AppContext, c: ChallengeRecord, outdatedOnly: boolean): Promise<{ run_id: number; challenge: string; evaluator_version: string; jobs: number }> {
  const version = (await loadTask(c.task)).version;
  const splits: BoardSplit[] = await ctx.boards.hasPrivateSplit(c.id) ? ['public', 'private'] : ['public'];
  const before: Snapshot = {};
  for (const s of splits) before[s] = snapshot(await ctx.boards.board(c, s));
  const { runId, jobs } = await ctx.queue.startRescore(c.id, version, JSON.stringify(before), ctx.clock(), outdatedOnly ? version : undefined);
  ctx.pool.notify();
  return { run_id: runId, challenge: c.id, evaluator_version: version, jobs };
}

export interface MovedTeam { team: string | undefined; rank_before: number | null; rank_after: number | null; score_before: number | null; score_after: number | null }

export interface RescoreReport {
  run_id: number;
  challenge: string;
  evaluator_version: string;
  started_at: string;
  jobs: { queued: number; running: number; done: number; failed: number };
  finished: boolean;
  changed_scores: { submission_id: number; split: string; before: number | null; after: number | null; before_version: string; after_version: string }[];
  moved: Record<string, MovedTeam[]>;
}

/** What a rescore run did: its jobs, the scores that changed and the teams that moved on each board. */
export async function rescoreReport(ctx: AppContext, runId: number): Promise<RescoreReport> {
  const run = await ctx.store.rescoreRun(runId);
  if (!run) throw new HttpError(404, `no rescore run ${runId}`);
  const c = await knownChallenge(ctx, run.challenge_id);
  const jobs = await ctx.store.rescoreJobStates(runId);
  const changed = (await ctx.store.rescoreChanges(runId)) as RescoreReport['changed_scores'];
  const before = JSON.parse(run.before_json) as Snapshot;
  const moved: Record<string, MovedTeam[]> = {};
  for (const [split, rows] of Object.entries(before)) {
    const after = (await ctx.boards.board(c, split as BoardSplit)).entries;
    const afterByTeam = new Map(after.map((e) => [e.team_id, e]));
    const beforeByTeam = new Map(rows.map((e) => [e.team_id, e]));
    const teams = new Set([...beforeByTeam.keys(), ...afterByTeam.keys()]);
    moved[split] = [...teams].flatMap((t) => {
      const b = beforeByTeam.get(t);
      const a = afterByTeam.get(t);
      if (b && a && b.rank === a.rank && b.score === a.score) return [];
      return [{ team: a?.team ?? b?.team, rank_before: b?.rank ?? null, rank_after: a?.rank ?? null, score_before: b?.score ?? null, score_after: a?.score ?? null }];
    });
  }
  return {
    run_id: runId, challenge: c.id, evaluator_version: run.evaluator_version, started_at: new Date(Number(run.created_at)).toISOString(),
    jobs, finished: jobs.queued + jobs.running === 0, changed_scores: changed, moved,
  };
}

export interface AdminChallengeRow {
  id: string;
  title: string;
  state: string;
  paused: boolean;
  submissions: number;
  queued: number;
  failed: number;
  /** Scored by another evaluator version than the task's current one (rescore "outdated"). */
  outdated: number;
  evaluator_version: string;
  last_rescore: number | null;
}

/** Every served challenge with its state and counts, and the folders that could not be served. */
export async function adminOverview(ctx: AppContext): Promise<{ challenges: AdminChallengeRow[]; skipped: { id: string; reason: string }[]; hidden: string[] }> {
  const now = ctx.clock();
  const rows: AdminChallengeRow[] = [];
  for (const c of await ctx.store.challenges()) {
    const version = (await loadTask(c.task)).version;
    const counts = await ctx.store.adminCounts(c.id, version);
    rows.push({ id: c.id, title: c.title, state: c.paused ? 'paused' : phaseState(c, now), paused: c.paused, ...counts, evaluator_version: version });
  }
  return { challenges: rows, skipped: [...ctx.unavailable], hidden: await ctx.store.hiddenChallenges() };
}

export const SUBMISSION_COLUMNS = ['id', 'team', 'participant', 'created_at', 'status', 'error', 'sha256', 'size', 'filename', 'description',
  'selected', 'disqualified', 'is_baseline', 'public_score', 'private_score', 'evaluator_version'];

export async function sendSubmissionsCsv(ctx: AppContext, c: ChallengeRecord, res: express.Response): Promise<void> {
  const rows = (await ctx.store.submissionsForExport(c.id)).map((r) => ({ ...r, created_at: new Date(Number(r.created_at)).toISOString() }));
  res.type('text/csv').attachment(`${c.id}-submissions.csv`).send(toCsv(rows, SUBMISSION_COLUMNS));
}

export function adminRoutes(ctx: AppContext): Router {
  const r = express.Router();
  const json = express.json({ limit: '64kb' });
  r.use((req, _res, next) => {
    requireAdmin(ctx, req);
    next();
  });

  /**
   * What is broken on the organisers' side: challenges that could not be served (bad options,
   * missing truth) and scorings that failed on the server's side (error_kind 'error': broken
   * truth, missing stored file), newest first.
   */
  r.get('/unavailable', async (_req, res) => {
    res.json({ challenges: ctx.unavailable, failed_scorings: await ctx.store.serverSideFailures() });
  });

  r.get('/challenges', async (_req, res) => {
    res.json(await adminOverview(ctx));
  });

  // New, changed or removed challenge folders take effect without a restart.
  r.post('/reload', async (_req, res) => {
    res.json(await reloadChallenges(ctx));
  });

  // Find a participant (by email, any case) to reset a lost token.
  r.get('/participants', async (req, res) => {
    const email = typeof req.query.email === 'string' && req.query.email ? req.query.email : undefined;
    const found = await ctx.store.findParticipants(email);
    res.json({ participants: found.map((p) => ({ id: p.id, name: p.name, email: p.email, created_at: new Date(Number(p.created_at)).toISOString() })) });
  });

  // A lost or leaked token: a new one for the participant (give it to them privately); their sessions end.
  r.post('/participants/:id/token', async (req, res) => {
    const id = intParam(req.params.id, 'participant');
    res.json({ id, token: await ctx.store.rotateToken(id, ctx.clock()) });
  });

  r.post('/challenges/:id/pause', json, async (req, res) => {
    const c = await knownChallenge(ctx, req.params.id);
    const paused = (req.body as { paused?: unknown } | undefined)?.paused !== false;
    await ctx.store.setPaused(c.id, paused);
    if (!paused) ctx.pool.notify();
    res.json({ challenge: c.id, paused });
  });

  /** Rescores every scored submission (?outdated=1: only those scored by another evaluator version). */
  r.post('/challenges/:id/rescore', async (req, res) => {
    const c = await knownChallenge(ctx, req.params.id);
    const run = await startRescore(ctx, c, req.query.outdated === '1' || req.query.outdated === 'true');
    res.status(202).location(`/api/admin/rescores/${run.run_id}`).json(run);
  });

  r.get('/rescores/:run', async (req, res) => {
    res.json(await rescoreReport(ctx, intParam(req.params.run, 'rescore run')));
  });

  r.post('/submissions/:id/disqualify', json, async (req, res) => {
    const id = intParam(req.params.id, 'submission');
    if (!await ctx.store.submission(id)) throw new HttpError(404, `no submission ${id}`);
    const reason = String((req.body as { reason?: unknown } | undefined)?.reason ?? 'disqualified by the organisers').slice(0, 500);
    await ctx.store.disqualifySubmission(id, reason);
    res.json({ id, disqualified: true, reason });
  });

  r.post('/teams/:id/disqualify', json, async (req, res) => {
    const id = intParam(req.params.id, 'team');
    if (!await ctx.store.team(id)) throw new HttpError(404, `no team ${id}`);
    const reason = String((req.body as { reason?: unknown } | undefined)?.reason ?? 'disqualified by the organisers').slice(0, 500);
    await ctx.store.disqualifyTeam(id, reason);
    res.json({ id, disqualified: true, reason });
  });

  addCsvExports(r, ctx);
  return r;
}

/**
 * The CSV exports (a board per split, every submission) on an admin router: the token API and
 * the cookie-signed admin pages serve the same files behind their own guards.
 */
export function addCsvExports(r: Router, ctx: AppContext): void {
  r.get('/challenges/:id/leaderboard.csv', async (req, res) => {
    const c = await knownChallenge(ctx, req.params.id);
    const split = req.query.split === 'private' ? 'private' : 'public';
    if (split === 'private' && !await ctx.boards.hasPrivateSplit(c.id)) throw new HttpError(404, `${c.id} has no private split`);
    await sendBoardCsv(ctx, req, res, c, split);
  });

  r.get('/challenges/:id/submissions.csv', async (req, res) => {
    await sendSubmissionsCsv(ctx, await knownChallenge(ctx, req.params.id), res);
  });
}
