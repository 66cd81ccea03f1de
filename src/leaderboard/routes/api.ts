/** The participant-facing JSON API (see the API contract); admin routes are in admin.ts. */
import express, { type Request, type Router } from 'express';
import { acceptSubmission, openChallenge } from '../accept.js';
import type { BoardSplit } from '../board.js';
import { privateVisible, submissionJson, type AppContext } from '../context.js';
import { openApiDocument } from '../openapi.js';
import { cleanName, StoreError, type ChallengeRecord } from '../store.js';
import { phaseState } from '../views/pages.js';
import { intParam, isAdmin, requireParticipant, viewer } from './http.js';

export function challengeJson(c: ChallengeRecord, now: number): Record<string, unknown> {
  return {
    id: c.id,
    title: c.title,
    task: c.task,
    primary_metric: c.primary_metric,
    higher_is_better: c.higher_is_better,
    start: new Date(c.start_at).toISOString(),
    end: new Date(c.end_at).toISOString(),
    phases: c.phases.map((p) => ({ id: p.id, start: new Date(p.start_at).toISOString(), end: new Date(p.end_at).toISOString() })),
    state: c.paused ? 'paused' : phaseState(c, now),
    limits: c.limits,
    description: c.description,
  };
}

export function knownChallenge(ctx: AppContext, id: string): ChallengeRecord {
  const c = ctx.store.challenge(id);
  if (!c || !c.available) throw new StoreError(404, `no challenge "${id}"`);
  return c;
}

/** Parses `?split=`; the private board is refused before the end unless an admin asks. */
export function boardSplit(ctx: AppContext, req: Request, c: ChallengeRecord): BoardSplit {
  const split = req.query.split ?? 'public';
  if (split !== 'public' && split !== 'private') throw new StoreError(400, `split must be "public" or "private", not "${String(split)}"`);
  if (split === 'private') {
    if (!privateVisible(c, ctx.clock()) && !isAdmin(ctx, req)) {
      throw new StoreError(403, `the private leaderboard of ${c.id} is shown after the end, ${new Date(c.end_at).toISOString()}`, { opens_at: new Date(c.end_at).toISOString() });
    }
    if (!ctx.boards.hasPrivateSplit(c.id)) throw new StoreError(404, `${c.id} has no private split (its truth marks no Private items)`);
  }
  return split;
}

/**
 * The `selected` flag of a select request: a JSON object whose `selected` is a boolean (absent
 * means true). Anything else is refused rather than read as "select" ("false" as a string, a
 * body that is not JSON).
 */
export function selectedFlag(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new StoreError(400, 'send a JSON object, {"selected": true} or {"selected": false}, with Content-Type: application/json');
  }
  const value = (body as { selected?: unknown }).selected;
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw new StoreError(400, `selected must be true or false (a JSON boolean), not ${JSON.stringify(value)}`);
  return value;
}

export function apiRoutes(ctx: AppContext): Router {
  const r = express.Router();
  const json = express.json({ limit: '64kb' });

  r.get('/health', (_req, res) => {
    res.json({ ok: true, pending_jobs: ctx.queue.pending() });
  });

  r.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  r.post('/participants', json, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = cleanName(body.name);
    const email = cleanName(body.email, 200);
    const errors: string[] = [];
    if (!name) errors.push('name: 1 to 80 characters required');
    if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) errors.push('email: a valid address is required');
    if (errors.length) throw new StoreError(400, errors.join('; '), { errors });
    const { participant, token } = ctx.store.createParticipant(name!, email!, ctx.clock());
    res.status(201).json({ id: participant.id, name: participant.name, token });
  });

  r.get('/me', (req, res) => {
    const p = requireParticipant(ctx, req);
    const teams = ctx.store.challenges().flatMap((c) => {
      const t = ctx.store.teamOf(c.id, p.id);
      return t ? [{ challenge: c.id, team_id: t.id, team: t.name }] : [];
    });
    res.json({ id: p.id, name: p.name, email: p.email, teams });
  });

  r.get('/challenges', (_req, res) => {
    const now = ctx.clock();
    res.json({ challenges: ctx.store.challenges().map((c) => challengeJson(c, now)) });
  });

  r.get('/challenges/:id', (req, res) => {
    res.json(challengeJson(knownChallenge(ctx, req.params.id), ctx.clock()));
  });

  r.post('/challenges/:id/submissions', async (req, res) => {
    const participant = requireParticipant(ctx, req);
    const challenge = openChallenge(ctx, req.params.id);
    const { submission, queuePosition } = await acceptSubmission(ctx, req, participant, challenge);
    res.status(202).location(`/api/submissions/${submission.id}`).json({
      id: submission.id, status: submission.status, queue_position: queuePosition, sha256: submission.sha256, size: submission.size,
    });
  });

  r.get('/challenges/:id/submissions', (req, res) => {
    const p = requireParticipant(ctx, req);
    const c = knownChallenge(ctx, req.params.id);
    const team = ctx.store.teamOf(c.id, p.id);
    const subs = team ? ctx.store.teamSubmissions(team.id) : [];
    res.json({ team: team?.name ?? null, submissions: subs.map((s) => submissionJson(ctx, s, c)) });
  });

  r.get('/submissions/:id', (req, res) => {
    const id = intParam(req.params.id, 'submission');
    const admin = isAdmin(ctx, req);
    const p = admin ? undefined : requireParticipant(ctx, req);
    const s = ctx.store.submission(id);
    // Someone else's submission is "not found", not "forbidden": ids do not reveal activity.
    if (!s || (!admin && ctx.store.teamOf(s.challenge_id, p!.id)?.id !== s.team_id)) throw new StoreError(404, `no submission ${id} of yours`);
    const c = ctx.store.challenge(s.challenge_id)!;
    res.json(submissionJson(ctx, s, c, admin));
  });

  r.post('/submissions/:id/select', json, (req, res) => {
    const id = intParam(req.params.id, 'submission');
    const p = requireParticipant(ctx, req);
    const s = ctx.store.submission(id);
    if (!s || ctx.store.teamOf(s.challenge_id, p.id)?.id !== s.team_id) throw new StoreError(404, `no submission ${id} of yours`);
    const c = knownChallenge(ctx, s.challenge_id);
    if (ctx.clock() >= c.end_at) throw new StoreError(403, 'final selections are closed: the challenge has ended');
    const selected = selectedFlag(req.body);
    if (selected && s.status !== 'scored') throw new StoreError(409, `submission ${id} is ${s.status}; only scored submissions can be selected`);
    ctx.store.setSelected(s, selected, c.limits.final_selections);
    res.json(submissionJson(ctx, ctx.store.submission(id)!, c));
  });

  r.get('/challenges/:id/leaderboard', (req, res) => {
    const c = knownChallenge(ctx, req.params.id);
    const split = boardSplit(ctx, req, c);
    const board = ctx.boards.board(c, split);
    res.json({
      challenge: c.id, split, primary_metric: c.primary_metric, higher_is_better: c.higher_is_better,
      private_opens_at: new Date(c.end_at).toISOString(), latency_columns: board.latency_columns, metric_columns: board.metric_columns, entries: board.entries,
    });
  });

  r.get('/challenges/:id/history', (req, res) => {
    const c = knownChallenge(ctx, req.params.id);
    res.json({ challenge: c.id, split: 'public', points: ctx.boards.history(c).map((p) => ({ ...p, t: new Date(p.t).toISOString() })) });
  });

  r.get('/challenges/:id/team', (req, res) => {
    const p = requireParticipant(ctx, req);
    const c = knownChallenge(ctx, req.params.id);
    const t = ctx.store.teamOf(c.id, p.id);
    if (!t) throw new StoreError(404, `you have no team in ${c.id} yet; your first submission creates one`);
    res.json({ id: t.id, name: t.name, invite_code: t.invite_code, members: ctx.store.teamMembers(t.id).map((m) => m.name), size_limit: ctx.teamSizeLimit });
  });

  r.post('/challenges/:id/teams', json, (req, res) => {
    const p = requireParticipant(ctx, req);
    const c = knownChallenge(ctx, req.params.id);
    const name = cleanName((req.body as { name?: unknown } | undefined)?.name);
    if (!name) throw new StoreError(400, 'name: 1 to 80 characters required');
    const t = ctx.store.createTeam(c.id, p.id, name, ctx.clock());
    res.status(201).json({ id: t.id, name: t.name, invite_code: t.invite_code });
  });

  r.post('/challenges/:id/teams/join', json, (req, res) => {
    const p = requireParticipant(ctx, req);
    const c = knownChallenge(ctx, req.params.id);
    const code = (req.body as { invite_code?: unknown } | undefined)?.invite_code;
    if (typeof code !== 'string' || !code) throw new StoreError(400, 'invite_code is required');
    const t = ctx.store.joinTeam(c.id, p.id, code, ctx.clock(), ctx.teamSizeLimit);
    res.json({ id: t.id, name: t.name, members: ctx.store.teamMembers(t.id).map((m) => m.name) });
  });

  // Unknown API paths answer in JSON too.
  r.use((req, _res) => {
    throw new StoreError(404, `no route ${req.method} /api${req.path}`);
  });
  return r;
}

export { viewer };
