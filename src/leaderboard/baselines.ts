/**
 * Baseline entries: a maintainer's reference run stored like any submission (file under its
 * sha256, scored through the same task contract with bootstrap intervals), under a team
 * marked as baseline. Idempotent: the same (challenge, name, file) returns the stored entry.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../problems.js';
import type { Split } from './store.js';
import { DEFAULT_BOOTSTRAP_SAMPLES } from './bootstrap.js';
import { openDb } from './db.js';
import { newOwnerId, Queue } from './queue.js';
import { describeFailure, scoreSubmission } from './scoring.js';
import { Store, cleanName } from './store.js';
import { loadChallenge } from '../challenges/definition.js';
import { storageDirFor, storeUpload } from './upload.js';
import type { Scores } from '../evaluators/evaluator.js';

export interface BaselineOptions {
  dbPath: string;
  challengesRoot: string;
  challengeId: string;
  name: string;
  file: string;
  description?: string;
  /** p50_ms, p90_ms, p99_ms, offline_per_s, params, madds, backend, machine: shown as leaderboard columns. */
  latency?: Record<string, unknown>;
  bootstrapSamples?: number;
}

export interface BaselineResult {
  submissionId: number;
  /** Metrics by split (all, public, private) with the 95% interval of the primary metric. */
  scores: Partial<Record<Split, { metrics: Scores; primary: number | null; ci: [number, number] | null; evaluator_version: string }>>;
  /** False when this exact baseline was already recorded. */
  created: boolean;
}

function sha256File(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

export async function recordBaseline(opts: BaselineOptions): Promise<BaselineResult> {
  const name = cleanName(opts.name);
  if (!name) throw ValidationError.of({ file: opts.file, message: 'a baseline needs a name of 1 to 80 characters' });
  if (!fs.existsSync(opts.file) || !fs.statSync(opts.file).isFile()) {
    throw ValidationError.of({ file: opts.file, message: 'no such submission file (a folder must be zipped first)' });
  }
  // Only this challenge is loaded and synced: the others stay as the server left them.
  const def = await loadChallenge(path.join(opts.challengesRoot, opts.challengeId), { requireTruth: true });

  const db = openDb(opts.dbPath);
  try {
    const store = new Store(db);
    const now = Date.now();
    store.syncChallenges([def], now, { markMissing: false });
    const challenge = store.challenge(def.id)!;
    const sha256 = sha256File(opts.file);

    const existing = db
      .prepare(`SELECT s.id FROM submissions s JOIN teams t ON t.id = s.team_id
                WHERE s.challenge_id = ? AND t.name = ? AND t.is_baseline = 1 AND s.sha256 = ? AND s.status = 'scored'
                ORDER BY s.id DESC LIMIT 1`)
      .get(challenge.id, name, sha256) as { id: number } | undefined;
    if (existing) {
      if (opts.latency) {
        db.prepare('UPDATE submissions SET latency_json = ? WHERE id = ?').run(JSON.stringify(opts.latency), existing.id);
      }
      return { submissionId: existing.id, scores: resultScores(store, existing.id), created: false };
    }

    // One participant and one team per baseline name and challenge, both marked baseline.
    let team = db.prepare('SELECT * FROM teams WHERE challenge_id = ? AND name = ? AND is_baseline = 1').get(challenge.id, name) as
      { id: number } | undefined;
    let participantId: number;
    if (team) {
      participantId = (db.prepare('SELECT participant_id FROM team_members WHERE team_id = ? LIMIT 1').get(team.id) as { participant_id: number }).participant_id;
    } else {
      const { participant } = store.createParticipant(name, 'baseline@podium.local', now, true);
      participantId = participant.id;
      const t = store.ensureTeam(challenge.id, participant, now);
      if (t.name !== name) throw ValidationError.of({ file: opts.file, message: `a participant team is already named "${name}" in ${challenge.id}; pick another baseline name` });
      team = t;
    }
    const storageDir = storageDirFor(opts.dbPath);
    const tmp = path.join(storageDir, 'tmp', `baseline-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
    fs.mkdirSync(path.dirname(tmp), { recursive: true });
    fs.copyFileSync(opts.file, tmp);
    const storedPath = storeUpload(storageDir, { tmpPath: tmp, sha256, filename: path.basename(opts.file) });
    const size = fs.statSync(opts.file).size;
    const phase = challenge.phases.find((p) => p.start_at <= now && now < p.end_at)?.id ?? null;
    // Queue it and claim it in one transaction, so a running server's workers never pick it up.
    const queue = new Queue(db, store, newOwnerId(), 60 * 60_000);
    const addAndClaim = db.transaction(() => {
      const added = store.addSubmission({
        challenge, team: store.team(team.id)!, participant: store.participant(participantId)!, phaseId: phase, sha256, size,
        filename: path.basename(opts.file), storedPath, description: opts.description ?? '', now, latency: opts.latency,
      });
      db.prepare(`UPDATE jobs SET state = 'running', lease_owner = ?, lease_expires = ?, attempts = attempts + 1, started_at = ? WHERE id = ?`)
        .run(queue.owner, now + 60 * 60_000, now, added.jobId);
      db.prepare(`UPDATE submissions SET status = 'scoring' WHERE id = ?`).run(added.submission.id);
      return added;
    });
    const { submission, jobId } = addAndClaim.immediate();
    // Scored here, synchronously, with the same exactly-once finish as the server's workers.
    const job = { id: jobId, submission_id: submission.id, kind: 'score' as const, attempts: 1, challenge_id: challenge.id, stored_path: storedPath };
    try {
      const outcome = await scoreSubmission({
        challengeId: challenge.id, task: challenge.task, truth: challenge.truth, options: challenge.options,
        primaryMetric: challenge.primary_metric, file: path.join(storageDir, storedPath),
        bootstrapSamples: opts.bootstrapSamples ?? DEFAULT_BOOTSTRAP_SAMPLES,
      });
      queue.complete(job, outcome.version, outcome.splits, Date.now());
    } catch (e) {
      const f = describeFailure(e, { file: path.join(storageDir, storedPath) });
      queue.fail(job, f.message, f.kind, Date.now());
      throw e;
    }
    return { submissionId: submission.id, scores: resultScores(store, submission.id), created: true };
  } finally {
    db.close();
  }
}

function resultScores(store: Store, submissionId: number): BaselineResult['scores'] {
  const out: BaselineResult['scores'] = {};
  for (const r of store.currentScores(submissionId)) {
    out[r.split] = {
      metrics: r.metrics, primary: r.primary_value, evaluator_version: r.evaluator_version,
      ci: r.ci_low !== null && r.ci_high !== null ? [r.ci_low, r.ci_high] : null,
    };
  }
  return out;
}

/**
 * Adds figures to the latency of a recorded baseline (its newest scored entry), e.g. the ONNX
 * Runtime latency of the exported file beside the tfjs figures `podium baseline run` stored,
 * so the board shows both runtimes for the same network. False when no such entry exists.
 */
export function addBaselineLatency(dbPath: string, challengeId: string, name: string, extra: Record<string, unknown>): boolean {
  const db = openDb(dbPath);
  try {
    const row = db
      .prepare(`SELECT s.id, s.latency_json FROM submissions s JOIN teams t ON t.id = s.team_id
                WHERE s.challenge_id = ? AND t.name = ? AND t.is_baseline = 1 AND s.status = 'scored'
                ORDER BY s.id DESC LIMIT 1`)
      .get(challengeId, cleanName(name)) as { id: number; latency_json: string | null } | undefined;
    if (!row) return false;
    const latency = { ...(row.latency_json ? (JSON.parse(row.latency_json) as Record<string, unknown>) : {}), ...extra };
    db.prepare('UPDATE submissions SET latency_json = ? WHERE id = ?').run(JSON.stringify(latency), row.id);
    return true;
  } finally {
    db.close();
  }
}
