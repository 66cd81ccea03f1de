/**
 * Baseline entries: a maintainer's reference run stored like any submission (file under its
 * sha256, scored through the same task contract with bootstrap intervals), under a team
 * marked as baseline. Idempotent: the same (challenge, name, file) returns the stored entry.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError, ValidationError } from '../problems.js';
import { isPostgresUrl } from './sql.js';
import type { Split } from './store.js';
import { DEFAULT_BOOTSTRAP_SAMPLES } from './bootstrap.js';
import { openStore } from './open-store.js';
import { phaseAt } from './phases.js';
import { newOwnerId, Queue } from './queue.js';
import { describeFailure, scoreSubmission, type ScoredFile } from './scoring.js';
import { loadTask } from '../tasks/registry.js';
import { cleanName, type Store } from './store.js';
import { loadChallenge } from '../challenges/definition.js';
import { openStorage } from './storage.js';
import { storageDirFor } from './upload.js';
import type { Scores } from '../evaluators/evaluator.js';
import { sha256File } from '../baselines/content-hash.js';

export interface BaselineOptions {
  /** A SQLite file path, or a postgres:// URL. */
  dbPath: string;
  /** The submission files folder (default: PODIUM_STORAGE, or `submissions/` beside a SQLite file). */
  storage?: string;
  challengesRoot: string;
  challengeId: string;
  name: string;
  file: string;
  description?: string;
  /** p50_ms, p90_ms, p99_ms, offline_per_s, params, madds, backend, machine: shown as leaderboard columns. */
  latency?: Record<string, unknown>;
  bootstrapSamples?: number;
  /**
   * The file's outcome when the caller has scored it already (a baseline run): stored as it is
   * when it is this file (sha256), with these bootstrap samples and the task's current version;
   * anything else is scored here.
   */
  scored?: ScoredFile;
}

export interface BaselineResult {
  submissionId: number;
  /** Metrics by split (all, public, private) with the 95% interval of the primary metric. */
  scores: Partial<Record<Split, { metrics: Scores; primary: number | null; ci: [number, number] | null; evaluator_version: string }>>;
  /** False when this exact baseline was already recorded. */
  created: boolean;
}

export async function recordBaseline(opts: BaselineOptions): Promise<BaselineResult> {
  const name = cleanName(opts.name);
  if (!name) throw ValidationError.of({ file: opts.file, message: 'a baseline needs a name of 1 to 80 characters' });
  if (!fs.existsSync(opts.file) || !fs.statSync(opts.file).isFile()) {
    throw ValidationError.of({ file: opts.file, message: 'no such submission file (a folder must be zipped first)' });
  }
  // Only this challenge is loaded and synced: the others stay as the server left them.
  const def = await loadChallenge(path.join(opts.challengesRoot, opts.challengeId), { requireTruth: true });

  const store = await openStore(opts.dbPath);
  try {
    const now = Date.now();
    await store.syncChallenges([def], now, { markMissing: false });
    const challenge = (await store.challenge(def.id))!;
    const sha256 = sha256File(opts.file);

    const existing = await store.baselineSubmission(challenge.id, name, sha256);
    if (existing !== undefined) {
      if (opts.latency) await store.setLatency(existing, opts.latency);
      return { submissionId: existing, scores: await resultScores(store, existing), created: false };
    }

    // One participant and one team per baseline name and challenge, both marked baseline.
    let entry = await store.baselineTeam(challenge.id, name);
    if (!entry) {
      const { participant } = await store.createParticipant(name, 'baseline@podium.local', now, true);
      const team = await store.ensureTeam(challenge.id, participant, now);
      if (team.name !== name) throw ValidationError.of({ file: opts.file, message: `a participant team is already named "${name}" in ${challenge.id}; pick another baseline name` });
      entry = { team, participant };
    }
    const storageSpec = opts.storage ?? process.env.PODIUM_STORAGE ?? (isPostgresUrl(opts.dbPath) ? undefined : storageDirFor(opts.dbPath));
    if (!storageSpec) throw new UsageError('a baseline recorded in PostgreSQL needs the submissions storage: set PODIUM_STORAGE (the folder or s3:// URL the servers use)');
    const storage = openStorage(storageSpec);
    const tmp = path.join(storage.tmpDir, `baseline-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
    fs.mkdirSync(path.dirname(tmp), { recursive: true });
    fs.copyFileSync(opts.file, tmp);
    const storedPath = await storage.put(tmp, sha256, path.basename(opts.file));
    const size = fs.statSync(opts.file).size;
    const phase = phaseAt(challenge, now)?.id ?? null;
    // Queued already claimed by this process, so a running server's workers never pick it up.
    const queue = new Queue(store.sql, newOwnerId(), 60 * 60_000);
    const { submission, jobId } = await store.addSubmission({
      challenge, team: entry.team, participant: entry.participant, phaseId: phase, sha256, size,
      filename: path.basename(opts.file), storedPath, description: opts.description ?? '', now, latency: opts.latency,
      claimedBy: { owner: queue.owner, leaseExpires: now + queue.leaseMs },
    });
    // Scored here, synchronously, with the same exactly-once finish as the server's workers.
    const job = { id: jobId, submission_id: submission.id, kind: 'score' as const, attempts: 1, challenge_id: challenge.id, stored_path: storedPath, sha256 };
    const bootstrapSamples = opts.bootstrapSamples ?? DEFAULT_BOOTSTRAP_SAMPLES;
    const given = opts.scored;
    if (given && given.sha256 === sha256 && given.bootstrapSamples === bootstrapSamples
        && given.outcome.version === (await loadTask(challenge.task)).version) {
      await queue.complete(job, given.outcome.version, given.outcome.splits, Date.now());
    } else {
      // Scored from the stored copy, as a worker would.
      const copy = await storage.localCopy(storedPath, sha256);
      try {
        const outcome = await scoreSubmission({
          challengeId: challenge.id, task: challenge.task, truth: challenge.truth, options: challenge.options,
          primaryMetric: challenge.primary_metric, file: copy.file, bootstrapSamples,
        });
        await queue.complete(job, outcome.version, outcome.splits, Date.now());
      } catch (e) {
        const f = describeFailure(e, { file: copy.file });
        await queue.fail(job, f.message, f.kind, Date.now());
        throw e;
      } finally {
        await copy.release();
      }
    }
    return { submissionId: submission.id, scores: await resultScores(store, submission.id), created: true };
  } finally {
    await store.close();
  }
}

async function resultScores(store: Store, submissionId: number): Promise<BaselineResult['scores']> {
  const out: BaselineResult['scores'] = {};
  for (const r of await store.currentScores(submissionId)) {
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
export async function addBaselineLatency(dbPath: string, challengeId: string, name: string, extra: Record<string, unknown>): Promise<boolean> {
  const store = await openStore(dbPath);
  try {
    const entry = await store.latestBaselineEntry(challengeId, cleanName(name) ?? name);
    if (!entry) return false;
    const latency = { ...(entry.latency_json ? (JSON.parse(entry.latency_json) as Record<string, unknown>) : {}), ...extra };
    await store.setLatency(entry.id, latency);
    return true;
  } finally {
    await store.close();
  }
}
