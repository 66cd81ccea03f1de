/**
 * Accepting a submission, shared by the API and the upload form: refuse early (paused, phase
 * closed, over a limit: before a byte is read), stream the upload, validate it on a worker
 * (an invalid file is refused with every problem and costs nothing), then store it and queue
 * its scoring in one transaction that re-checks the limits.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { compressedFileProblem } from '../formats/compressed-file.js';
import { formatProblem } from '../problems.js';
import { nameProblems } from './problem-names.js';
import type { AppContext } from './context.js';
import { HttpError } from './http-error.js';
import { requireOpenPhase } from './phases.js';
import { ValidationBudgetError } from './pool.js';
import { StoreError, type ChallengeRecord, type Participant, type Submission } from './store.js';
import { receiveUpload, storageFailure, formatBytes } from './upload.js';

/** Room for the multipart headers around the file itself. */
const MULTIPART_OVERHEAD = 64 * 1024;

/** A challenge that is shown and open for submissions now, or the reason it is not. */
export async function openChallenge(ctx: AppContext, challengeId: string): Promise<ChallengeRecord> {
  const challenge = await ctx.store.challenge(challengeId);
  if (!challenge || !challenge.available) throw new HttpError(404, `no challenge "${challengeId}"`);
  if (challenge.paused) throw new HttpError(503, `${challenge.id} is paused by the organisers; submissions are not accepted right now`);
  return challenge;
}

/**
 * The phase, team and limits are checked twice: here, before a byte is read (a refused upload
 * costs nothing), and again when the submission is recorded, by the time its body completed
 * (store.recordUpload), so an upload that outlives the deadline or a team change is judged
 * by how things stand when it is complete.
 */
export async function acceptSubmission(ctx: AppContext, req: IncomingMessage, participant: Participant, challenge: ChallengeRecord): Promise<{ submission: Submission; queuePosition: number | null }> {
  const now = ctx.clock();
  requireOpenPhase(challenge, now);
  await requireRulesAccepted(ctx, challenge, participant);
  const team = await ctx.store.ensureTeam(challenge.id, participant, now);
  if (team.disqualified) throw new StoreError('forbidden', `team "${team.name}" is disqualified: ${team.disqualified_reason ?? ''}`);
  await ctx.store.checkLimits(team, challenge.limits, now);

  const maxBytes = Math.round(challenge.limits.max_upload_mb * 1024 * 1024);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + MULTIPART_OVERHEAD) {
    throw new HttpError(413, `the upload (${formatBytes(declared)}) is larger than this challenge's limit of ${formatBytes(maxBytes)}; nothing was stored`, { max_bytes: maxBytes });
  }
  const upload = await receiveUpload(req, ctx.storage.tmpDir, { maxBytes, timeoutMs: ctx.uploadTimeoutMs, log: ctx.log });
  const receivedAt = ctx.clock();
  // Validate under the stored extension: tasks tell formats apart by it.
  const ext = path.extname(upload.filename).toLowerCase();
  const checkPath = /^\.[a-z0-9]{1,8}$/.test(ext) ? upload.tmpPath + ext : upload.tmpPath;
  if (checkPath !== upload.tmpPath) {
    try {
      fs.renameSync(upload.tmpPath, checkPath);
    } catch (e) {
      fs.rmSync(upload.tmpPath, { force: true });
      throw storageFailure(e, ctx.log);
    }
  }
  const compressed = compressedFileProblem(checkPath, upload.filename);
  if (compressed) {
    fs.rmSync(checkPath, { force: true });
    throw new HttpError(400, `the file is not a valid submission: ${upload.filename} ${compressed.message}; nothing was queued and it does not count against your limits`, {
      total: 1, errors: [{ ...compressed, text: formatProblem(compressed) }],
    });
  }
  let problems;
  try {
    problems = await ctx.pool.validate({ task: challenge.task, truth: challenge.truth, options: challenge.options, file: checkPath }, challenge.id, participant.id);
  } catch (e) {
    fs.rmSync(checkPath, { force: true });
    if (e instanceof ValidationBudgetError) {
      throw new HttpError(400, `the file is not a valid submission: ${e.message}; nothing was queued and it does not count against your limits`, {
        errors: [{ file: upload.filename, message: e.message, text: `${upload.filename}: ${e.message}` }],
      });
    }
    ctx.log(`challenge ${challenge.id}: validating an upload failed on the server's side: ${(e as Error).message}`);
    throw new HttpError(500, `the file could not be checked: ${(e as Error).message}`);
  }
  if (problems.length) {
    fs.rmSync(checkPath, { force: true });
    const named = nameProblems(problems, { checked: checkPath, uploadName: upload.filename, truth: challenge.truth });
    // The list is capped; its last entry may stand for the rest (`omitted`): the total counts them all.
    const total = named.reduce((n, p) => n + (p.omitted ?? 1), 0);
    throw new HttpError(400, `the file is not a valid submission (${total} problem${total === 1 ? '' : 's'}); nothing was queued and it does not count against your limits`, {
      total, errors: named.map((p) => ({ ...p, text: formatProblem(p) })),
    });
  }
  let storedPath: string;
  try {
    storedPath = await ctx.storage.put(checkPath, upload.sha256, upload.filename);
  } catch (e) {
    fs.rmSync(checkPath, { force: true });
    throw storageFailure(e, ctx.log);
  }
  let submission: Submission;
  try {
    ({ submission } = await ctx.store.recordUpload({
      challengeId: challenge.id, participantId: participant.id, receivedAt, sha256: upload.sha256, size: upload.size,
      filename: upload.filename, storedPath, description: upload.description,
    }));
  } catch (e) {
    // Refused at the last step (a race lost on the limits, the deadline passed, the database
    // unreachable): keep no file that no row points to. Files are shared by content, so only
    // when no other row uses it (and kept when that cannot be known now).
    if (!await ctx.store.storedPathInUse(storedPath).catch(() => true)) await ctx.storage.remove(storedPath).catch(() => undefined);
    throw e;
  }
  ctx.store.onSubmissionEvent?.({ submission: submission.id, state: 'queued' });
  ctx.pool.notify();
  // Re-read: a free worker may already have claimed it.
  return { submission: (await ctx.store.submission(submission.id)) ?? submission, queuePosition: await ctx.store.queuePosition(submission.id) };
}

/** A challenge with rules takes submissions only from participants who accepted them (once). */
export async function requireRulesAccepted(ctx: AppContext, challenge: ChallengeRecord, participant: Participant): Promise<void> {
  if (participant.is_baseline || !ctx.definitions.get(challenge.id)?.rules) return;
  if (await ctx.store.rulesAcceptedAt(challenge.id, participant.id) !== undefined) return;
  throw new HttpError(403, `accept the rules of ${challenge.id} before your first submission: on /challenges/${challenge.id}/rules, with POST /api/challenges/${challenge.id}/rules/accept, or with podium submit --accept-rules`, { rules: `/challenges/${challenge.id}/rules` });
}
