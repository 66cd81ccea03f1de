/**
 * Admin routes (Bearer PODIUM_ADMIN_TOKEN): pause a challenge, rescore after an evaluator
 * version change and report what moved, disqualify, export CSV, list challenges with their
 * state and load errors, reload the definitions, reset a participant's token. The admin page
 * (routes/admin-pages.ts) calls the same functions.
 */
import express, { type Router } from 'express';
import { loadTask } from '../../tasks/registry.js';
import type { Board, BoardSplit } from '../board.js';
import type { AppContext } from '../context.js';
import { reloadChallenges } from '../reload.js';
import { StoreError, type ChallengeRecord } from '../store.js';
import { phaseState } from '../views/pages.js';
import { knownChallenge } from './api.js';
import { intParam, requireAdmin, sendBoardCsv, toCsv } from './http.js';

interface Snapshot {
  [split: string]: { team_id: number; team: string; rank: number | null; score: number; submission_id: number }[];
}

function snapshot(board: Board): Snapshot[string] {
  return board.entries.map((e) => ({ team_id: e.team_id, team: e.team, rank: e.rank, score: e.score, submission_id: e.submission_id }));
}

/** Starts a rescore run; the boards before are kept so the report can say what moved. */
export async function startRescore(ctx: AppContext, c: ChallengeRecord, outdatedOnly: boolean): Promise<{ run_id: number; challenge: string; evaluator_version: string; jobs: number }> {
  const version = (await loadTask(c.task)).version;
  const splits: BoardSplit[] = ctx.boards.hasPrivateSplit(c.id) ? ['public', 'private'] : ['public'];
  const before: Snapshot = {};
  for (const s of splits) before[s] = snapshot(ctx.boards.board(c, s));
  const now = ctx.clock();
  const { runId, jobs } = ctx.store.db.transaction(() => {
    const run = ctx.store.db
      .prepare('INSERT INTO rescore_runs (challenge_id, evaluator_version, before_json, created_at) VALUES (?, ?, ?, ?)')
      .run(c.id, version, JSON.stringify(before), now);
    const id = Number(run.lastInsertRowid);
    return { runId: id, jobs: ctx.queue.enqueueRescore(c.id, id, now, outdatedOnly ? version : undefined) };
  }).immediate();
  ctx.pool.notify();
  return { run_id: runId, challenge: c.id, evaluator_version: version, jobs };
}

export interface RescoreReport {
  run_id: number;
  challenge: string;
  evaluator_version: string;
  started_at: string;
  jobs: { queued: number; running: number; done: number; failed: number };
  finished: boolean;
  changed_scores: { submission_id: number; split: string; before: number | null; after: number | null; before_version: string; after_version: string }[];
  moved: Record<string, { team: string | undefined; rank_before: number | null; rank_after: number | null; score_before: number | null; score_after: number | null }[]>;
}

/** What a rescore run did: its jobs, the scores that changed and the teams that moved on each board. */
export function rescoreReport(ctx: AppContext, runId: number): RescoreReport {
  const run = ctx.store.db.prepare('SELECT * FROM rescore_runs WHERE id = ?').get(runId) as
    { challenge_id: string; evaluator_version: string; before_json: string; created_at: number } | undefined;
  if (!run) throw new StoreError(404, `no rescore run ${runId}`);
  const c = knownChallenge(ctx, run.challenge_id);
  const states = ctx.store.db.prepare('SELECT state, count(*) AS n FROM jobs WHERE rescore_run_id = ? GROUP BY state').all(runId) as { state: string; n: number }[];
  const count = (s: string) => states.find((x) => x.state === s)?.n ?? 0;
  // Submissions whose primary score changed: the run's new score rows against the rows they replaced.
  const changed = ctx.store.db
    .prepare(`SELECT n.submission_id, n.split, o.primary_value AS before, n.primary_value AS after,
                o.evaluator_version AS before_version, n.evaluator_version AS after_version
              FROM jobs j JOIN scores n ON n.job_id = j.id
              JOIN scores o ON o.id = (SELECT max(id) FROM scores WHERE submission_id = n.submission_id AND split = n.split AND id < n.id)
              WHERE j.rescore_run_id = ? AND (o.primary_value IS NOT n.primary_value)`)
    .all(runId) as RescoreReport['changed_scores'];
  const before = JSON.parse(run.before_json) as Snapshot;
  const moved: RescoreReport['moved'] = {};
  for (const [split, rows] of Object.entries(before)) {
    const after = ctx.boards.board(c, split as BoardSplit).entries;
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
    run_id: runId, challenge: c.id, evaluator_version: run.evaluator_version, started_at: new Date(run.created_at).toISOString(),
    jobs: { queued: count('queued'), running: count('running'), done: count('done'), failed: count('failed') },
    finished: count('queued') + count('running') === 0,
    changed_scores: changed, moved,
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
export function adminOverview(ctx: AppContext): { challenges: AdminChallengeRow[]; skipped: { dir: string; reason: string }[]; hidden: string[] } {
  const now = ctx.clock();
  const rows = ctx.store.challenges().map((c) => {
    const counts = ctx.store.db.prepare(`SELECT count(*) AS n, coalesce(sum(status IN ('queued', 'scoring')), 0) AS queued, coalesce(sum(status = 'failed'), 0) AS failed
      FROM submissions WHERE challenge_id = ?`).get(c.id) as { n: number; queued: number; failed: number };
    const version = taskVersions.get(c.task) ?? '';
    const outdated = (ctx.store.db.prepare(`SELECT count(DISTINCT s.id) AS n FROM submissions s JOIN scores sc ON sc.submission_id = s.id AND sc.current = 1
      WHERE s.challenge_id = ? AND s.status = 'scored' AND sc.evaluator_version != ?`).get(c.id, version) as { n: number }).n;
    const last = ctx.store.db.prepare('SELECT max(id) AS id FROM rescore_runs WHERE challenge_id = ?').get(c.id) as { id: number | null };
    return {
      id: c.id, title: c.title, state: c.paused ? 'paused' : phaseState(c, now), paused: c.paused, submissions: counts.n, queued: counts.queued,
      failed: counts.failed, outdated, evaluator_version: version, last_rescore: last.id,
    };
  });
  const hidden = (ctx.store.db.prepare('SELECT id FROM challenges WHERE available = 0 ORDER BY id').all() as { id: string }[]).map((r) => r.id);
  return { challenges: rows, skipped: [...ctx.skippedChallenges], hidden };
}

/** Task versions, loaded once per task (the overview is synchronous). */
const taskVersions = new Map<string, string>();
export async function loadTaskVersions(ctx: AppContext): Promise<void> {
  for (const c of ctx.store.challenges()) if (!taskVersions.has(c.task)) taskVersions.set(c.task, (await loadTask(c.task)).version);
}

export const SUBMISSION_COLUMNS = ['id', 'team', 'participant', 'created_at', 'status', 'error', 'sha256', 'size', 'filename', 'description',
  'selected', 'disqualified', 'is_baseline', 'public_score', 'private_score', 'evaluator_version'];

export function adminRoutes(ctx: AppContext): Router {
  const r = express.Router();
  const json = express.json({ limit: '64kb' });
  r.use((req, _res, next) => {
    requireAdmin(ctx, req);
    next();
  });

  // Find a participant (by email, any case) to reset a lost token.
  r.get('/participants', (req, res) => {
    const email = typeof req.query.email === 'string' && req.query.email ? req.query.email : undefined;
    res.json({ participants: ctx.store.findParticipants(email).map((p) => ({ id: p.id, name: p.name, email: p.email, created_at: new Date(p.created_at).toISOString() })) });
  });

  // A lost or leaked token: a new one for the participant (give it to them privately); their sessions end.
  r.post('/participants/:id/token', (req, res) => {
    const id = intParam(req.params.id, 'participant');
    res.json({ id, token: ctx.store.rotateToken(id, ctx.clock()) });
  });

  r.post('/challenges/:id/pause', json, (req, res) => {
    const c = knownChallenge(ctx, req.params.id);
    const paused = (req.body as { paused?: unknown } | undefined)?.paused !== false;
    ctx.store.setPaused(c.id, paused);
    if (!paused) ctx.pool.notify();
    res.json({ challenge: c.id, paused });
  });

  /** Rescores every scored submission (?outdated=1: only those of another evaluator version). */
  r.post('/challenges/:id/rescore', async (req, res) => {
    const c = knownChallenge(ctx, req.params.id);
    const run = await startRescore(ctx, c, req.query.outdated === '1' || req.query.outdated === 'true');
    res.status(202).location(`/api/admin/rescores/${run.run_id}`).json(run);
  });

  r.get('/rescores/:run', (req, res) => {
    res.json(rescoreReport(ctx, intParam(req.params.run, 'rescore run')));
  });

  r.get('/challenges', async (_req, res) => {
    await loadTaskVersions(ctx);
    res.json(adminOverview(ctx));
  });

  // New, changed or removed challenge folders take effect without a restart.
  r.post('/reload', async (_req, res) => {
    res.json(await reloadChallenges(ctx));
  });

  r.post('/submissions/:id/disqualify', json, (req, res) => {
    const id = intParam(req.params.id, 'submission');
    if (!ctx.store.submission(id)) throw new StoreError(404, `no submission ${id}`);
    const reason = String((req.body as { reason?: unknown } | undefined)?.reason ?? 'disqualified by the organisers').slice(0, 500);
    ctx.store.disqualifySubmission(id, reason);
    res.json({ id, disqualified: true, reason });
  });

  r.post('/teams/:id/disqualify', json, (req, res) => {
    const id = intParam(req.params.id, 'team');
    if (!ctx.store.team(id)) throw new StoreError(404, `no team ${id}`);
    const reason = String((req.body as { reason?: unknown } | undefined)?.reason ?? 'disqualified by the organisers').slice(0, 500);
    ctx.store.disqualifyTeam(id, reason);
    res.json({ id, disqualified: true, reason });
  });

  r.get('/challenges/:id/leaderboard.csv', (req, res) => {
    const c = knownChallenge(ctx, req.params.id);
    const split = req.query.split === 'private' ? 'private' : 'public';
    if (split === 'private' && !ctx.boards.hasPrivateSplit(c.id)) throw new StoreError(404, `${c.id} has no private split`);
    sendBoardCsv(res, ctx.boards.board(c, split));
  });

  r.get('/challenges/:id/submissions.csv', (req, res) => {
    const c = knownChallenge(ctx, req.params.id);
    const rows = ctx.store.submissionsForExport(c.id).map((r) => ({ ...r, created_at: new Date(r.created_at as number).toISOString() }));
    res.type('text/csv').attachment(`${c.id}-submissions.csv`).send(toCsv(rows, SUBMISSION_COLUMNS));
  });

  return r;
}
