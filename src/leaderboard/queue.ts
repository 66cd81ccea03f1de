/**
 * The durable scoring queue: jobs rows in SQLite, claimed under a lease that the claiming
 * process keeps alive with heartbeats. A process that dies (SIGKILL, power loss) stops
 * heartbeating; its jobs go back to the queue when the lease expires, or at once when the
 * owner is a dead process on this machine. Finishing a job is one transaction that first
 * checks the lease is still ours, so a job's scores are written exactly once.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { Db } from './db.js';
import { refreshTeamPicks } from './picks.js';
import type { SplitScore, Store } from './store.js';

/** Attempts after which a job that keeps losing its worker is failed with a reason. */
export const MAX_ATTEMPTS = 3;

export interface ClaimedJob {
  id: number;
  submission_id: number;
  kind: 'score' | 'rescore';
  attempts: number;
  challenge_id: string;
  stored_path: string;
}

/** A lease owner: this host, this process, this start (pids get reused). */
export function newOwnerId(): string {
  return `${os.hostname()}|${process.pid}|${crypto.randomBytes(6).toString('hex')}`;
}

function ownerIsDeadHere(owner: string, self: string): boolean {
  const [host, pidText, nonce] = owner.split('|');
  const [selfHost, selfPid, selfNonce] = self.split('|');
  if (host !== selfHost) return false;
  if (pidText === selfPid) return nonce !== selfNonce;
  try {
    process.kill(Number(pidText), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export class Queue {
  constructor(private readonly db: Db, private readonly store: Store, readonly owner: string, readonly leaseMs: number) {}

  /**
   * Puts jobs whose lease ran out (or whose owner process is dead) back in the queue; a job
   * that has already lost its worker MAX_ATTEMPTS times fails with that reason instead.
   */
  reclaim(now: number): number {
    const reclaimAll = this.db.transaction(() => {
      const running = this.db
        .prepare(`SELECT id, submission_id, kind, attempts, lease_owner, lease_expires FROM jobs WHERE state = 'running'`)
        .all() as { id: number; submission_id: number; kind: string; attempts: number; lease_owner: string; lease_expires: number }[];
      let n = 0;
      for (const j of running) {
        if (j.lease_owner === this.owner) continue;
        if (j.lease_expires > now && !ownerIsDeadHere(j.lease_owner, this.owner)) continue;
        n++;
        if (j.attempts >= MAX_ATTEMPTS) {
          this.finishFailed(j.id, j.submission_id, j.kind,
            `scoring was interrupted ${j.attempts} times (the scoring process stopped or crashed); an admin can rescore it`, 'error', now);
        } else {
          this.db.prepare(`UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires = NULL WHERE id = ?`).run(j.id);
          if (j.kind === 'score') this.db.prepare(`UPDATE submissions SET status = 'queued' WHERE id = ?`).run(j.submission_id);
        }
      }
      return n;
    });
    return reclaimAll.immediate();
  }

  /** Claims the oldest queued job of an available, unpaused challenge. */
  claim(now: number): ClaimedJob | undefined {
    const claimOne = this.db.transaction(() => {
      const job = this.db
        .prepare(`SELECT j.id, j.submission_id, j.kind, j.attempts, s.challenge_id, s.stored_path
                  FROM jobs j JOIN submissions s ON s.id = j.submission_id JOIN challenges c ON c.id = s.challenge_id
                  WHERE j.state = 'queued' AND c.paused = 0 AND c.available = 1
                  ORDER BY j.id LIMIT 1`)
        .get() as ClaimedJob | undefined;
      if (!job) return undefined;
      this.db
        .prepare(`UPDATE jobs SET state = 'running', lease_owner = ?, lease_expires = ?, attempts = attempts + 1, started_at = ? WHERE id = ?`)
        .run(this.owner, now + this.leaseMs, now, job.id);
      if (job.kind === 'score') this.db.prepare(`UPDATE submissions SET status = 'scoring' WHERE id = ?`).run(job.submission_id);
      return { ...job, attempts: job.attempts + 1 };
    });
    return claimOne.immediate();
  }

  /** Extends the lease of every job this process holds. */
  heartbeat(now: number): void {
    this.db
      .prepare(`UPDATE jobs SET lease_expires = ? WHERE state = 'running' AND lease_owner = ?`)
      .run(now + this.leaseMs, this.owner);
  }

  private holds(jobId: number): boolean {
    return !!this.db.prepare(`SELECT 1 FROM jobs WHERE id = ? AND state = 'running' AND lease_owner = ?`).get(jobId, this.owner);
  }

  /**
   * Stores the scores of a finished job, replacing the submission's current scores. Returns
   * false (and writes nothing) when the lease was lost meanwhile: another process owns it now.
   */
  complete(job: ClaimedJob, version: string, splits: SplitScore[], now: number, latency?: Record<string, unknown>): boolean {
    const finish = this.db.transaction(() => {
      if (!this.holds(job.id)) return false;
      this.db.prepare(`UPDATE jobs SET state = 'done', finished_at = ?, lease_owner = NULL, error = NULL WHERE id = ?`).run(now, job.id);
      this.db.prepare('UPDATE scores SET current = 0 WHERE submission_id = ? AND current = 1').run(job.submission_id);
      const insert = this.db.prepare(`INSERT INTO scores (submission_id, split, metrics_json, primary_value, ci_low, ci_high,
          bootstrap_samples, evaluator_version, job_id, current, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`);
      for (const s of splits) {
        insert.run(job.submission_id, s.split, JSON.stringify(s.metrics), s.primary_value, s.ci_low, s.ci_high,
          s.bootstrap_samples, version, job.id, now);
      }
      this.db.prepare(`UPDATE submissions SET status = 'scored', error = NULL, error_kind = NULL, scored_at = ? WHERE id = ?`)
        .run(now, job.submission_id);
      // A model job's latency, cost and environment, in the same transaction as its scores.
      if (latency) this.db.prepare('UPDATE submissions SET latency_json = ? WHERE id = ?').run(JSON.stringify(latency), job.submission_id);
      const s = this.db.prepare('SELECT challenge_id, team_id FROM submissions WHERE id = ?').get(job.submission_id) as { challenge_id: string; team_id: number };
      refreshTeamPicks(this.db, s.challenge_id, s.team_id);
      return true;
    });
    const done = finish.immediate();
    if (done) this.store.boardVersion++;
    return done;
  }

  /** Fails a job with a reason the participant sees; false when the lease was lost. */
  fail(job: ClaimedJob, reason: string, kind: 'invalid' | 'error', now: number): boolean {
    const failOne = this.db.transaction(() => {
      if (!this.holds(job.id)) return false;
      this.finishFailed(job.id, job.submission_id, job.kind, reason, kind, now);
      return true;
    });
    const done = failOne.immediate();
    if (done) this.store.boardVersion++;
    return done;
  }

  /** Gives a job back to the queue (a worker thread died under it), or fails it when out of attempts. */
  release(job: ClaimedJob, reason: string, now: number): void {
    const releaseOne = this.db.transaction(() => {
      if (!this.holds(job.id)) return;
      if (job.attempts >= MAX_ATTEMPTS) {
        this.finishFailed(job.id, job.submission_id, job.kind, `${reason} (after ${job.attempts} attempts)`, 'error', now);
      } else {
        this.db.prepare(`UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires = NULL, error = ? WHERE id = ?`).run(reason, job.id);
        if (job.kind === 'score') this.db.prepare(`UPDATE submissions SET status = 'queued' WHERE id = ?`).run(job.submission_id);
      }
    });
    releaseOne.immediate();
  }

  /** A failed rescore keeps the submission's previous scores; a failed first scoring fails the submission. */
  private finishFailed(jobId: number, submissionId: number, kind: string, reason: string, errorKind: string, now: number): void {
    this.db.prepare(`UPDATE jobs SET state = 'failed', error = ?, finished_at = ?, lease_owner = NULL WHERE id = ?`).run(reason, now, jobId);
    if (kind === 'score') {
      this.db.prepare(`UPDATE submissions SET status = 'failed', error = ?, error_kind = ?, scored_at = ? WHERE id = ?`)
        .run(reason, errorKind, now, submissionId);
    }
  }

  /**
   * Queues a rescore job for every scored submission of a challenge (one transaction), or with
   * `outdatedThan` only those whose scores were made by another evaluator version.
   */
  enqueueRescore(challengeId: string, runId: number, now: number, outdatedThan?: string): number {
    const enqueue = this.db.transaction(() => {
      const r = this.db
        .prepare(`INSERT INTO jobs (submission_id, kind, state, rescore_run_id, created_at)
                  SELECT s.id, 'rescore', 'queued', @run, @now FROM submissions s
                  WHERE s.challenge_id = @challenge AND s.status = 'scored'
                    AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.submission_id = s.id AND j.state IN ('queued', 'running'))
                    AND (@version IS NULL OR EXISTS (SELECT 1 FROM scores sc WHERE sc.submission_id = s.id AND sc.current = 1
                                                     AND sc.evaluator_version != @version))`)
        .run({ run: runId, now, challenge: challengeId, version: outdatedThan ?? null });
      return r.changes;
    });
    return enqueue.immediate();
  }

  pending(): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM jobs WHERE state IN ('queued', 'running')`).get() as { n: number }).n;
  }
}
