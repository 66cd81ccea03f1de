/**
 * Admin routes (Bearer PODIUM_ADMIN_TOKEN): pause a challenge, rescore after an evaluator
 * version change and report what moved, disqualify, export CSV.
 */
import express, { type Router } from 'express';
import { loadTask } from '../../tasks/registry.js';
import type { Board, BoardSplit } from '../board.js';
import type { AppContext } from '../context.js';
import { knownChallenge } from './api.js';
import { HttpError, intParam, requireAdmin, toCsv } from './http.js';

interface Snapshot {
  [split: string]: { team_id: number; team: string; rank: number | null; score: number; submission_id: number }[];
}

function snapshot(board: Board): Snapshot[string] {
  return board.entries.map((e) => ({ team_id: e.team_id, team: e.team, rank: e.rank, score: e.score, submission_id: e.submission_id }));
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

  r.post('/challenges/:id/pause', json, async (req, res) => {
    const c = await knownChallenge(ctx, req.params.id);
    const paused = (req.body as { paused?: unknown } | undefined)?.paused !== false;
    await ctx.store.setPaused(c.id, paused);
    if (!paused) ctx.pool.notify();
    res.json({ challenge: c.id, paused });
  });

  /** Rescores every scored submission; the boards before are kept so the report can say what moved. */
  r.post('/challenges/:id/rescore', async (req, res) => {
    const c = await knownChallenge(ctx, req.params.id);
    const version = (await loadTask(c.task)).version;
    const splits: BoardSplit[] = await ctx.boards.hasPrivateSplit(c.id) ? ['public', 'private'] : ['public'];
    const before: Snapshot = {};
    for (const s of splits) before[s] = snapshot(await ctx.boards.board(c, s));
    // ?outdated=1: only submissions scored by another evaluator version than the current one.
    const outdated = req.query.outdated === '1' || req.query.outdated === 'true';
    const { runId, jobs } = await ctx.queue.startRescore(c.id, version, JSON.stringify(before), ctx.clock(), outdated ? version : undefined);
    ctx.pool.notify();
    res.status(202).location(`/api/admin/rescores/${runId}`).json({ run_id: runId, challenge: c.id, evaluator_version: version, jobs });
  });

  r.get('/rescores/:run', async (req, res) => {
    const runId = intParam(req.params.run, 'rescore run');
    const run = await ctx.store.rescoreRun(runId);
    if (!run) throw new HttpError(404, `no rescore run ${runId}`);
    const c = await knownChallenge(ctx, run.challenge_id);
    const jobs = await ctx.store.rescoreJobStates(runId);
    const changed = await ctx.store.rescoreChanges(runId);
    const before = JSON.parse(run.before_json) as Snapshot;
    const moved: Record<string, unknown[]> = {};
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
    res.json({
      run_id: runId, challenge: c.id, evaluator_version: run.evaluator_version, started_at: new Date(run.created_at).toISOString(),
      jobs, finished: jobs.queued + jobs.running === 0,
      changed_scores: changed, moved,
    });
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

  r.get('/challenges/:id/leaderboard.csv', async (req, res) => {
    const c = await knownChallenge(ctx, req.params.id);
    const split = req.query.split === 'private' ? 'private' : 'public';
    if (split === 'private' && !await ctx.boards.hasPrivateSplit(c.id)) throw new HttpError(404, `${c.id} has no private split`);
    const board = await ctx.boards.board(c, split);
    const rows = board.entries.map((e) => ({
      ...e, ci_low: e.ci?.[0], ci_high: e.ci?.[1], ...Object.fromEntries(board.latency_columns.map((k) => [k, e.latency?.[k]])),
    }));
    const columns = ['rank', 'tied', 'team', 'baseline', 'score', 'ci_low', 'ci_high', 'submission_id', 'submitted_at', 'entries',
      'evaluator_version', ...(split === 'private' ? ['public_rank', 'rank_change'] : []), ...board.latency_columns];
    res.type('text/csv').attachment(`${c.id}-${split}-leaderboard.csv`).send(toCsv(rows, columns));
  });

  r.get('/challenges/:id/submissions.csv', async (req, res) => {
    const c = await knownChallenge(ctx, req.params.id);
    const rows = (await ctx.store.submissionsForExport(c.id)).map((r) => ({ ...r, created_at: new Date(r.created_at as number).toISOString() }));
    const columns = ['id', 'team', 'participant', 'created_at', 'status', 'error', 'sha256', 'size', 'filename', 'description',
      'selected', 'disqualified', 'is_baseline', 'public_score', 'private_score', 'evaluator_version'];
    res.type('text/csv').attachment(`${c.id}-submissions.csv`).send(toCsv(rows, columns));
  });

  return r;
}
