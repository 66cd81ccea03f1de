/** The participant-facing JSON API (see the API contract); admin routes are in admin.ts. */
import express, { type Request, type Router } from 'express';
import { acceptSubmission, openChallenge } from '../accept.js';
import type { BoardSplit } from '../board.js';
import { submissionJson, type AppContext } from '../context.js';
import { openApiDocument } from '../openapi.js';
import { phaseState, privateVisible, requireSelectionsOpen } from '../phases.js';
import { cleanName, type ChallengeRecord } from '../store.js';
import { HISTORY_PAGE, HISTORY_PAGE_MAX, historyPage, jsonBoard, pageParam } from './board-reads.js';
import { sendEncoded } from './encoded.js';
import { HttpError, intParam, isAdmin, requireParticipant, sendBoardCsv, viewer } from './http.js';
import { listFiles, sendFile, sendSubmissionFile } from './files.js';

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

export async function knownChallenge(ctx: AppContext, id: string): Promise<ChallengeRecord> {
  const c = await ctx.boards.challenge(id);
  if (!c || !c.available) throw new HttpError(404, `no challenge "${id}"`);
  return c;
}

/** Parses `?split=`; the private board is refused before the end unless an admin asks. */
export async function boardSplit(ctx: AppContext, req: Request, c: ChallengeRecord): Promise<BoardSplit> {
  const split = req.query.split ?? 'public';
  if (split !== 'public' && split !== 'private') throw new HttpError(400, `split must be "public" or "private", not "${String(split)}"`);
  if (split === 'private') {
    if (!privateVisible(c, ctx.clock()) && !isAdmin(ctx, req)) {
      throw new HttpError(403, `the private leaderboard of ${c.id} is shown after the end, ${new Date(c.end_at).toISOString()}`, { opens_at: new Date(c.end_at).toISOString() });
    }
    if (!await ctx.boards.hasPrivateSplit(c.id)) throw new HttpError(404, `${c.id} has no private split (its truth marks no Private items)`);
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
    throw new HttpError(400, 'send a JSON object, {"selected": true} or {"selected": false}, with Content-Type: application/json');
  }
  const value = (body as { selected?: unknown }).selected;
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw new HttpError(400, `selected must be true or false (a JSON boolean), not ${JSON.stringify(value)}`);
  return value;
}

export function apiRoutes(ctx: AppContext): Router {
  const r = express.Router();
  const json = express.json({ limit: '64kb' });

  r.get('/health', async (_req, res) => {
    res.json({ ok: true, pending_jobs: await ctx.queue.pending() });
  });

  r.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  r.post('/participants', json, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = cleanName(body.name);
    const email = cleanName(body.email, 200);
    const errors: string[] = [];
    if (!name) errors.push('name: 1 to 80 characters required');
    if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) errors.push('email: a valid address is required');
    if (errors.length) throw new HttpError(400, errors.join('; '), { errors });
    const { participant, token } = await ctx.store.createParticipant(name!, email!, ctx.clock());
    res.status(201).json({ id: participant.id, name: participant.name, token });
  });

  r.get('/me', async (req, res) => {
    const p = await requireParticipant(ctx, req);
    const teams = [];
    for (const c of await ctx.store.challenges()) {
      const t = await ctx.store.teamOf(c.id, p.id);
      if (t) teams.push({ challenge: c.id, team_id: t.id, team: t.name });
    }
    res.json({ id: p.id, name: p.name, email: p.email, teams });
  });

  // A new token; the old one and every web session of this participant stop working.
  r.post('/me/token', async (req, res) => {
    const p = await requireParticipant(ctx, req);
    res.json({ id: p.id, token: await ctx.store.rotateToken(p.id, ctx.clock()) });
  });

  r.get('/challenges', async (_req, res) => {
    const now = ctx.clock();
    res.json({ challenges: (await ctx.store.challenges()).map((c) => challengeJson(c, now)) });
  });

  r.get('/challenges/:id', async (req, res) => {
    const c = await knownChallenge(ctx, req.params.id);
    const p = await viewer(ctx, req);
    const rules = ctx.definitions.get(c.id)?.rules ?? '';
    const accepted = p ? await ctx.store.rulesAcceptedAt(c.id, p.id) : undefined;
    res.json({
      ...challengeJson(c, ctx.clock()), rules, rules_required: !!rules,
      ...(p ? { rules_accepted_at: accepted === undefined ? null : new Date(accepted).toISOString() } : {}),
    });
  });

  r.post('/challenges/:id/rules/accept', async (req, res) => {
    const p = await requireParticipant(ctx, req);
    const c = await knownChallenge(ctx, req.params.id);
    await ctx.store.acceptRules(c.id, p.id, ctx.clock());
    res.json({ challenge: c.id, accepted_at: new Date((await ctx.store.rulesAcceptedAt(c.id, p.id))!).toISOString() });
  });

  r.get('/challenges/:id/files', async (req, res) => {
    const c = await knownChallenge(ctx, req.params.id);
    const files = await listFiles(ctx, c);
    res.json({ challenge: c.id, files: files.map((f) => ({ ...f, download: `/api/challenges/${encodeURIComponent(c.id)}/files/${encodeURIComponent(f.name)}` })) });
  });

  r.get('/challenges/:id/files/:name', async (req, res) => {
    await sendFile(ctx, await knownChallenge(ctx, req.params.id), req.params.name, res);
  });

  r.post('/challenges/:id/submissions', async (req, res) => {
    const participant = await requireParticipant(ctx, req);
    const challenge = await openChallenge(ctx, req.params.id);
    const { submission, queuePosition } = await acceptSubmission(ctx, req, participant, challenge);
    res.status(202).location(`/api/submissions/${submission.id}`).json({
      id: submission.id, status: submission.status, queue_position: queuePosition, sha256: submission.sha256, size: submission.size,
    });
  });

  r.get('/challenges/:id/submissions', async (req, res) => {
    const p = await requireParticipant(ctx, req);
    const c = await knownChallenge(ctx, req.params.id);
    const team = await ctx.store.teamOf(c.id, p.id);
    const subs = team ? await ctx.store.teamSubmissions(team.id) : [];
    const submissions = [];
    for (const s of subs) submissions.push(await submissionJson(ctx, s, c));
    res.json({ team: team?.name ?? null, remaining: await ctx.store.remaining(team, c.limits, ctx.clock()), submissions });
  });

  r.get('/submissions/:id', async (req, res) => {
    const id = intParam(req.params.id, 'submission');
    const admin = isAdmin(ctx, req);
    const p = admin ? undefined : await requireParticipant(ctx, req);
    const s = await ctx.store.submission(id);
    // Someone else's submission is "not found", not "forbidden": ids do not reveal activity.
    if (!s || (!admin && (await ctx.store.teamOf(s.challenge_id, p!.id))?.id !== s.team_id)) throw new HttpError(404, `no submission ${id} of yours`);
    const c = (await ctx.store.challenge(s.challenge_id))!;
    res.json(await submissionJson(ctx, s, c, admin));
  });

  r.get('/submissions/:id/file', async (req, res) => {
    const id = intParam(req.params.id, 'submission');
    const p = await requireParticipant(ctx, req);
    const s = await ctx.store.submission(id);
    if (!s || (await ctx.store.teamOf(s.challenge_id, p.id))?.id !== s.team_id) throw new HttpError(404, `no submission ${id} of yours`);
    await sendSubmissionFile(ctx, s, res);
  });

  r.post('/submissions/:id/select', json, async (req, res) => {
    const id = intParam(req.params.id, 'submission');
    const p = await requireParticipant(ctx, req);
    const s = await ctx.store.submission(id);
    if (!s || (await ctx.store.teamOf(s.challenge_id, p.id))?.id !== s.team_id) throw new HttpError(404, `no submission ${id} of yours`);
    const c = await knownChallenge(ctx, s.challenge_id);
    requireSelectionsOpen(c, ctx.clock());
    const selected = selectedFlag(req.body);
    if (selected && s.status !== 'scored') throw new HttpError(409, `submission ${id} is ${s.status}; only scored submissions can be selected`);
    await ctx.store.setSelected(s, selected, c.limits.final_selections);
    res.json(await submissionJson(ctx, (await ctx.store.submission(id))!, c));
  });

  // Boards are encoded (JSON, gzip, ETag) once per board version and served from there.
  r.get('/challenges/:id/leaderboard', async (req, res) => {
    const c = await knownChallenge(ctx, req.params.id);
    sendEncoded(req, res, await jsonBoard(ctx, c, await boardSplit(ctx, req, c)));
  });

  // The board as CSV for everyone (the private split after the end, as the JSON board).
  r.get('/challenges/:id/leaderboard.csv', async (req, res) => {
    const c = await knownChallenge(ctx, req.params.id);
    await sendBoardCsv(ctx, req, res, c, await boardSplit(ctx, req, c));
  });

  /** Public scores over time, oldest first, `limit` points a page (`offset`, `next` for the following page). */
  r.get('/challenges/:id/history', async (req, res) => {
    const c = await knownChallenge(ctx, req.params.id);
    const limit = pageParam(req.query.limit, 'limit', HISTORY_PAGE, 1, HISTORY_PAGE_MAX);
    const offset = pageParam(req.query.offset, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    sendEncoded(req, res, await historyPage(ctx, c, offset, limit));
  });

  r.get('/challenges/:id/team', async (req, res) => {
    const p = await requireParticipant(ctx, req);
    const c = await knownChallenge(ctx, req.params.id);
    const t = await ctx.store.teamOf(c.id, p.id);
    if (!t) throw new HttpError(404, `you have no team in ${c.id} yet; your first submission creates one`);
    res.json({ id: t.id, name: t.name, invite_code: t.invite_code, members: (await ctx.store.teamMembers(t.id)).map((m) => m.name), size_limit: ctx.teamSizeLimit });
  });

  r.post('/challenges/:id/teams', json, async (req, res) => {
    const p = await requireParticipant(ctx, req);
    const c = await knownChallenge(ctx, req.params.id);
    const name = cleanName((req.body as { name?: unknown } | undefined)?.name);
    if (!name) throw new HttpError(400, 'name: 1 to 80 characters required');
    const t = await ctx.store.createTeam(c.id, p.id, name, ctx.clock());
    res.status(201).json({ id: t.id, name: t.name, invite_code: t.invite_code });
  });

  r.post('/challenges/:id/teams/join', json, async (req, res) => {
    const p = await requireParticipant(ctx, req);
    const c = await knownChallenge(ctx, req.params.id);
    const code = (req.body as { invite_code?: unknown } | undefined)?.invite_code;
    if (typeof code !== 'string' || !code) throw new HttpError(400, 'invite_code is required');
    const t = await ctx.store.joinTeam(c.id, p.id, code, ctx.clock(), ctx.teamSizeLimit);
    res.json({ id: t.id, name: t.name, members: (await ctx.store.teamMembers(t.id)).map((m) => m.name) });
  });

  r.post('/challenges/:id/team/rename', json, async (req, res) => {
    const p = await requireParticipant(ctx, req);
    const c = await knownChallenge(ctx, req.params.id);
    const name = cleanName((req.body as { name?: unknown } | undefined)?.name);
    if (!name) throw new HttpError(400, 'name: 1 to 80 characters required');
    const t = await ctx.store.renameTeam(c.id, p.id, name);
    res.json({ id: t.id, name: t.name });
  });

  r.post('/challenges/:id/team/leave', async (req, res) => {
    const p = await requireParticipant(ctx, req);
    const c = await knownChallenge(ctx, req.params.id);
    await ctx.store.leaveTeam(c.id, p.id);
    res.json({ challenge: c.id, team: null });
  });

  // Unknown API paths answer in JSON too.
  r.use((req, _res) => {
    throw new HttpError(404, `no route ${req.method} /api${req.path}`);
  });
  return r;
}

export { viewer };
