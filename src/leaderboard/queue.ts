/**
 * The durable scoring queue: jobs rows in the store's database, claimed under a lease that
 * the claiming process keeps alive with heartbeats. A process that dies (SIGKILL, power loss,
 * a cut network link) stops heartbeating; its jobs go back to the queue when the lease
 * expires, or at once when the owner is a dead process on this machine. Finishing a job is
 * one transaction that first checks (and on PostgreSQL locks) the lease row, so a job's
 * scores are written exactly once; the unique (job_id, split) index is the last guard.
 *
 * On PostgreSQL any number of processes on any number of hosts claim from the same table:
 * `FOR UPDATE SKIP LOCKED` hands each claimer a different row without waiting on the others
 * (the pattern pg-boss and graphile-worker are built on), in READ COMMITTED transactions that
 * hold only the rows they lock. Lease times come from each process's clock: keep hosts on NTP
 * (the lease, 30 s by default, dwarfs the usual skew).
 *
 * Why not pg-boss or graphile-worker: they serve PostgreSQL only, and SQLite (the default, one
 * box) would still need this queue; and a job here ends in the same transaction as its scores,
 * its submission's status and the board version, written by the store's own statements, which
 * is what makes scoring exactly once. One queue over the store's seam does both backends.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { refreshTeamPicks } from './picks.js';
import { placeholders, type Sql, type SqlDatabase } from './sql.js';
import type { SplitScore, SubmissionEvent } from './store.js';

/** Attempts after which a job that keeps losing its worker is failed with a reason. */
export const MAX_ATTEMPTS = 3;

/** Notified when a job or shard becomes claimable; every scoring process LISTENs (pool.ts). */
export const JOBS_CHANNEL = 'podium_jobs';

/**
 * Tells every listening scoring process that something is claimable, when `tx` commits
 * (PostgreSQL delivers a notification at commit, and drops it on rollback). SQLite has no
 * other process to tell: its one server's pool is woken directly (pool.notify).
 */
export async function announceJobs(tx: Sql): Promise<void> {
  if (tx.dialect === 'postgres') await tx.run(`SELECT pg_notify('${JOBS_CHANNEL}', '')`);
}

export interface ClaimedJob {
  id: number;
  submission_id: number;
  kind: 'score' | 'rescore';
  /** Of the job, or of the shard when `shard` is set. */
  attempts: number;
  challenge_id: string;
  stored_path: string;
  sha256: string;
  /** A shard of the job (units [from, to)) to produce, not the whole job. */
  shard?: ClaimedShard;
  /** Every shard of the job is done: merge their states into the scores. */
  merge?: boolean;
}

export interface ClaimedShard {
  id: number;
  from: number;
  to: number;
}

/**
 * The lease owner of a job cut into shards: no process holds the job itself while its shards
 * are scored (each shard has its own lease); when the last shard is done the job is queued
 * again, and whoever claims it merges.
 */
export const SHARDED = 'shards';

/** Made once per process: a queue of this process tells its own process's leases from a previous one's with the same pid. */
const PROCESS_NONCE = crypto.randomBytes(6).toString('hex');
let queues = 0;

/** A lease owner: this host, this process, this start (pids get reused), this queue. */
export function newOwnerId(): string {
  return `${os.hostname()}|${process.pid}|${PROCESS_NONCE}|${++queues}`;
}

function ownerIsDeadHere(owner: string, self: string): boolean {
  const [host, pidText, nonce] = owner.split('|');
  const [selfHost, selfPid, selfNonce] = self.split('|');
  if (host !== selfHost) return false;
  // Same pid: alive if it is this very process (another queue of ours, e.g. a baseline run), else a previous start.
  if (pidText === selfPid) return nonce !== selfNonce;
  try {
    process.kill(Number(pidText), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export class Queue {
  /**
   * `challenges` limits claims to those challenges (a `podium worker` claims only what it has
   * the truth of); undefined claims any.
   */
  constructor(private readonly sql: SqlDatabase, readonly owner: string, readonly leaseMs: number, private readonly challenges?: readonly string[]) {}

  /** Told of each job's state change after it is committed (the server's structured log). */
  events?: (e: SubmissionEvent) => void;

  /** Row locks that other claimers skip instead of waiting for (PostgreSQL); SQLite locks the whole file. */
  private get skipLocked(): string {
    return this.sql.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  }

  private transaction<T>(body: (tx: Sql) => Promise<T>): Promise<T> {
    return this.sql.transaction(body, { isolation: 'read committed' });
  }

  /**
   * Puts jobs whose lease ran out (or whose owner process is dead) back in the queue; a job
   * that has already lost its worker MAX_ATTEMPTS times fails with that reason instead.
   */
  reclaim(now: number, held?: ReadonlySet<number>, heldShards?: ReadonlySet<number>): Promise<number> {
    return this.transaction(async (tx) => {
      const shards = await this.reclaimShards(tx, now, heldShards);
      // With `held` (the jobs this process is working on), our own other running jobs are
      // orphans too: their result could not be stored (the database was unreachable then).
      const running = await tx.all<{ id: number; submission_id: number; kind: string; attempts: number; lease_owner: string; lease_expires: number }>(
        `SELECT id, submission_id, kind, attempts, lease_owner, lease_expires FROM jobs
         WHERE state = 'running' AND lease_owner != ?${held ? '' : ' AND lease_owner != ?'} ORDER BY id${this.skipLocked}`, held ? [SHARDED] : [SHARDED, this.owner]);
      let n = shards;
      for (const j of running) {
        if (!this.isOrphan(j, now, held)) continue;
        n++;
        if (j.attempts >= MAX_ATTEMPTS) {
          await this.finishFailed(tx, j.id, j.submission_id, j.kind,
            `scoring was interrupted ${j.attempts} times (the scoring process stopped or crashed); an admin can rescore it`, 'error', now);
        } else {
          await tx.run(`UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires = NULL WHERE id = ?`, [j.id]);
          if (j.kind === 'score') await tx.run(`UPDATE submissions SET status = 'queued' WHERE id = ?`, [j.submission_id]);
        }
      }
      if (n > 0) await announceJobs(tx);
      return n;
    });
  }

  /** Claims the oldest queued shard, else the oldest queued job, of an available, unpaused challenge. */
  async claim(now: number): Promise<ClaimedJob | undefined> {
    const claimed = await this.transaction(async (tx) => {
      // Shards first: they finish a submission already being scored.
      const shard = await this.claimShard(tx, now);
      if (shard) return shard;
      const only = this.challenges ? ` AND s.challenge_id IN (${placeholders(this.challenges.length)})` : '';
      const row = await tx.get<ClaimedJob & { shards: number }>(
        `SELECT j.id, j.submission_id, j.kind, j.attempts, s.challenge_id, s.stored_path, s.sha256,
                (SELECT count(*) FROM job_shards x WHERE x.job_id = j.id) AS shards
         FROM jobs j JOIN submissions s ON s.id = j.submission_id JOIN challenges c ON c.id = s.challenge_id
         WHERE j.state = 'queued' AND c.paused = 0 AND c.available = 1${only}
         ORDER BY j.id LIMIT 1${this.sql.dialect === 'postgres' ? ' FOR UPDATE OF j SKIP LOCKED' : ''}`, this.challenges ?? []);
      if (!row) return undefined;
      const { shards, ...job } = row;
      if (Number(shards) > 0) job.merge = true;
      await tx.run(`UPDATE jobs SET state = 'running', lease_owner = ?, lease_expires = ?, attempts = attempts + 1, started_at = ? WHERE id = ?`,
        [this.owner, now + this.leaseMs, now, job.id]);
      if (job.kind === 'score') await tx.run(`UPDATE submissions SET status = 'scoring' WHERE id = ?`, [job.submission_id]);
      return { ...job, attempts: job.attempts + 1 };
    });
    if (claimed && !claimed.shard) this.events?.({ submission: claimed.submission_id, job: claimed.id, kind: claimed.kind, state: 'scoring' });
    return claimed;
  }

  /** Extends the lease of every job this process holds. */
  async heartbeat(now: number): Promise<void> {
    await this.sql.run(`UPDATE jobs SET lease_expires = ? WHERE state = 'running' AND lease_owner = ?`, [now + this.leaseMs, this.owner]);
    await this.sql.run(`UPDATE job_shards SET lease_expires = ? WHERE state = 'running' AND lease_owner = ?`, [now + this.leaseMs, this.owner]);
  }

  /** True when the job is still ours; on PostgreSQL its row stays locked until the transaction ends. */
  private async holds(tx: Sql, jobId: number): Promise<boolean> {
    return !!await tx.get(`SELECT id FROM jobs WHERE id = ? AND state = 'running' AND lease_owner = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [jobId, this.owner]);
  }

  /** True when the shard is still ours (locked until the transaction ends, on PostgreSQL). */
  private async holdsShard(tx: Sql, shardId: number): Promise<boolean> {
    return !!await tx.get(`SELECT id FROM job_shards WHERE id = ? AND state = 'running' AND lease_owner = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [shardId, this.owner]);
  }

  /**
   * Stores the scores of a finished job, replacing the submission's current scores. Returns
   * false (and writes nothing) when the lease was lost meanwhile: another process owns it now.
   */
  async complete(job: ClaimedJob, version: string, splits: SplitScore[], now: number, latency?: Record<string, unknown>): Promise<boolean> {
    const done = await this.transaction(async (tx) => {
      if (!await this.holds(tx, job.id)) return false;
      await tx.run(`UPDATE jobs SET state = 'done', finished_at = ?, lease_owner = NULL, error = NULL WHERE id = ?`, [now, job.id]);
      await tx.run('UPDATE scores SET current = 0 WHERE submission_id = ? AND current = 1', [job.submission_id]);
      for (const s of splits) {
        await tx.run(`INSERT INTO scores (submission_id, split, metrics_json, extras_json, primary_value, ci_low, ci_high,
            bootstrap_samples, evaluator_version, job_id, current, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
        [job.submission_id, s.split, JSON.stringify(s.metrics), s.extras ? JSON.stringify(s.extras) : null, s.primary_value, s.ci_low, s.ci_high, s.bootstrap_samples, version, job.id, now]);
      }
      const s = (await tx.get<{ challenge_id: string; team_id: number }>(
        `UPDATE submissions SET status = 'scored', error = NULL, error_kind = NULL, scored_at = ? WHERE id = ? RETURNING challenge_id, team_id`,
        [now, job.submission_id]))!;
      // A model job's latency, cost and environment, in the same transaction as its scores.
      if (latency) await tx.run('UPDATE submissions SET latency_json = ? WHERE id = ?', [JSON.stringify(latency), job.submission_id]);
      await refreshTeamPicks(tx, s.challenge_id, s.team_id);
      // Merged: the shards' states served their purpose (kept rows say who scored what).
      if (job.merge) await tx.run('UPDATE job_shards SET result = NULL WHERE job_id = ?', [job.id]);
      return true;
    });
    if (done) this.events?.({ submission: job.submission_id, job: job.id, kind: job.kind, state: 'scored' });
    return done;
  }

  /** Fails a job with a reason the participant sees; false when the lease was lost. */
  async fail(job: ClaimedJob, reason: string, kind: 'invalid' | 'error', now: number): Promise<boolean> {
    const done = await this.transaction(async (tx) => {
      if (job.shard) {
        // A shard that fails fails its whole job (another shard could not make it valid).
        if (!await this.holdsShard(tx, job.shard.id)) return false;
        return this.failSharded(tx, job, reason, kind, now);
      }
      if (!await this.holds(tx, job.id)) return false;
      await this.finishFailed(tx, job.id, job.submission_id, job.kind, reason, kind, now);
      return true;
    });
    if (done) this.events?.({ submission: job.submission_id, job: job.id, kind: job.kind, state: 'failed', reason });
    return done;
  }

  /** Gives a job back to the queue (its worker died under it), or fails it when out of attempts. */
  async release(job: ClaimedJob, reason: string, now: number): Promise<void> {
    const state = await this.transaction(async (tx): Promise<'failed' | 'requeued' | undefined> => {
      if (job.shard) {
        if (!await this.holdsShard(tx, job.shard.id)) return undefined;
        if (job.attempts >= MAX_ATTEMPTS) return await this.failSharded(tx, job, `${reason} (after ${job.attempts} attempts)`, 'error', now) ? 'failed' : undefined;
        await tx.run(`UPDATE job_shards SET state = 'queued', lease_owner = NULL, lease_expires = NULL, error = ? WHERE id = ?`, [reason, job.shard.id]);
        await announceJobs(tx);
        return 'requeued';
      }
      if (!await this.holds(tx, job.id)) return undefined;
      if (job.attempts >= MAX_ATTEMPTS) {
        await this.finishFailed(tx, job.id, job.submission_id, job.kind, `${reason} (after ${job.attempts} attempts)`, 'error', now);
        return 'failed';
      }
      await tx.run(`UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires = NULL, error = ? WHERE id = ?`, [reason, job.id]);
      if (job.kind === 'score') await tx.run(`UPDATE submissions SET status = 'queued' WHERE id = ?`, [job.submission_id]);
      await announceJobs(tx);
      return 'requeued';
    });
    if (state) this.events?.({ submission: job.submission_id, job: job.id, kind: job.kind, state, reason });
  }

  /**
   * Puts back a job for a reason outside it: its file could not be fetched from an unreachable
   * storage, or its process is stopping (SIGTERM, a deploy). Not counted as an attempt, so an
   * outage fails no job, and only workers lost under a job count towards MAX_ATTEMPTS.
   */
  async giveBack(job: ClaimedJob, reason: string): Promise<void> {
    const given = await this.transaction(async (tx) => {
      if (job.shard) {
        if (!await this.holdsShard(tx, job.shard.id)) return false;
        await tx.run(`UPDATE job_shards SET state = 'queued', lease_owner = NULL, lease_expires = NULL, attempts = attempts - 1, error = ? WHERE id = ?`, [reason, job.shard.id]);
        await announceJobs(tx);
        return true;
      }
      if (!await this.holds(tx, job.id)) return false;
      await tx.run(`UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires = NULL, attempts = attempts - 1, error = ? WHERE id = ?`, [reason, job.id]);
      if (job.kind === 'score') await tx.run(`UPDATE submissions SET status = 'queued' WHERE id = ?`, [job.submission_id]);
      await announceJobs(tx);
      return true;
    });
    if (given) this.events?.({ submission: job.submission_id, job: job.id, kind: job.kind, state: 'requeued', reason });
  }

  /**
   * Cuts a claimed job into shards of units [from, to): one row each, claimable by any process
   * under its own lease; the job itself is held by no one (SHARDED) until its last shard is done.
   * False (nothing written) when the lease on the job was lost meanwhile.
   */
  async split(job: ClaimedJob, ranges: [number, number][], now: number): Promise<boolean> {
    return this.transaction(async (tx) => {
      if (!await this.holds(tx, job.id)) return false;
      for (const [i, [from, to]] of ranges.entries()) {
        await tx.run(`INSERT INTO job_shards (job_id, shard, unit_from, unit_to, state, created_at) VALUES (?, ?, ?, ?, 'queued', ?)`, [job.id, i, from, to, now]);
      }
      // Attempts count again from the merge: cutting the job was its first attempt's whole work.
      await tx.run(`UPDATE jobs SET lease_owner = ?, lease_expires = NULL, attempts = 0 WHERE id = ?`, [SHARDED, job.id]);
      await announceJobs(tx);
      return true;
    });
  }

  /** Claims the oldest queued shard of a job being scored in shards (same rules as claim). */
  private async claimShard(tx: Sql, now: number): Promise<ClaimedJob | undefined> {
    const only = this.challenges ? ` AND s.challenge_id IN (${placeholders(this.challenges.length)})` : '';
    const row = await tx.get<Omit<ClaimedJob, 'shard'> & { shard_id: number; unit_from: number; unit_to: number }>(
      `SELECT j.id, j.submission_id, j.kind, sh.attempts, s.challenge_id, s.stored_path, s.sha256, sh.id AS shard_id, sh.unit_from, sh.unit_to
       FROM job_shards sh JOIN jobs j ON j.id = sh.job_id JOIN submissions s ON s.id = j.submission_id JOIN challenges c ON c.id = s.challenge_id
       WHERE sh.state = 'queued' AND j.state = 'running' AND j.lease_owner = ? AND c.paused = 0 AND c.available = 1${only}
       ORDER BY sh.id LIMIT 1${this.sql.dialect === 'postgres' ? ' FOR UPDATE OF sh SKIP LOCKED' : ''}`, [SHARDED, ...(this.challenges ?? [])]);
    if (!row) return undefined;
    const { shard_id, unit_from, unit_to, ...job } = row;
    await tx.run(`UPDATE job_shards SET state = 'running', lease_owner = ?, lease_expires = ?, attempts = attempts + 1 WHERE id = ?`,
      [this.owner, now + this.leaseMs, shard_id]);
    return { ...job, attempts: job.attempts + 1, shard: { id: shard_id, from: unit_from, to: unit_to } };
  }

  /**
   * Stores a shard's result (text: its evaluator states and items). The last shard of a job to
   * finish queues the job again, to be merged; false when the shard's lease was lost meanwhile.
   */
  async completeShard(job: ClaimedJob, result: string, now: number): Promise<boolean> {
    return this.transaction(async (tx) => {
      if (!job.shard || !await this.holdsShard(tx, job.shard.id)) return false;
      await tx.run(`UPDATE job_shards SET state = 'done', result = ?, lease_owner = NULL, lease_expires = NULL, error = NULL, finished_at = ? WHERE id = ?`,
        [result, now, job.shard.id]);
      // The job row is locked so two last shards finishing at once cannot both miss (or both see) the end.
      const parent = await tx.get(`SELECT id FROM jobs WHERE id = ? AND state = 'running' AND lease_owner = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [job.id, SHARDED]);
      if (!parent) return true;
      const left = (await tx.get<{ n: number }>(`SELECT count(*) AS n FROM job_shards WHERE job_id = ? AND state != 'done'`, [job.id]))!;
      if (Number(left.n) === 0) {
        await tx.run(`UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires = NULL WHERE id = ?`, [job.id]);
        await announceJobs(tx);
      }
      return true;
    });
  }

  /** A job's shards in unit order: their ranges and stored results (for the merge). */
  async shardsOf(jobId: number): Promise<{ ranges: [number, number][]; results: string[] }> {
    const rows = await this.sql.all<{ unit_from: number; unit_to: number; result: string | null }>(
      `SELECT unit_from, unit_to, result FROM job_shards WHERE job_id = ? AND state = 'done' ORDER BY shard`, [jobId]);
    if (rows.some((r) => r.result === null)) throw new Error(`job ${jobId}: a shard's result is missing`);
    return { ranges: rows.map((r) => [r.unit_from, r.unit_to]), results: rows.map((r) => r.result!) };
  }

  /** Fails the job of a shard (and its shards still open), unless it already ended. */
  private async failSharded(tx: Sql, job: ClaimedJob, reason: string, kind: string, now: number): Promise<boolean> {
    await tx.run(`UPDATE job_shards SET state = 'failed', lease_owner = NULL, lease_expires = NULL, error = ?, finished_at = ? WHERE job_id = ? AND state IN ('queued', 'running')`,
      [reason, now, job.id]);
    const parent = await tx.get(`SELECT id FROM jobs WHERE id = ? AND state = 'running' AND lease_owner = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [job.id, SHARDED]);
    if (!parent) return false;
    await this.finishFailed(tx, job.id, job.submission_id, job.kind, reason, kind, now);
    return true;
  }

  /**
   * A running job's or shard's lease is to be taken back: another owner's that ran out or whose
   * process died here, or, with `held` (what this process is working on), one of ours not in it.
   */
  private isOrphan(lease: { id: number; lease_owner: string; lease_expires: number }, now: number, held?: ReadonlySet<number>): boolean {
    if (lease.lease_owner === this.owner) return !!held && !held.has(lease.id);
    return lease.lease_expires <= now || ownerIsDeadHere(lease.lease_owner, this.owner);
  }

  /** Shards whose lease ran out or whose owner died: back in the queue, or their job failed after MAX_ATTEMPTS. */
  private async reclaimShards(tx: Sql, now: number, held?: ReadonlySet<number>): Promise<number> {
    const running = await tx.all<{ id: number; job_id: number; attempts: number; lease_owner: string; lease_expires: number; submission_id: number; kind: 'score' | 'rescore' }>(
      `SELECT sh.id, sh.job_id, sh.attempts, sh.lease_owner, sh.lease_expires, j.submission_id, j.kind FROM job_shards sh JOIN jobs j ON j.id = sh.job_id
       WHERE sh.state = 'running'${held ? '' : ' AND sh.lease_owner != ?'} ORDER BY sh.id${tx.dialect === 'postgres' ? ' FOR UPDATE OF sh SKIP LOCKED' : ''}`, held ? [] : [this.owner]);
    let n = 0;
    for (const sh of running) {
      if (!this.isOrphan(sh, now, held)) continue;
      n++;
      if (sh.attempts >= MAX_ATTEMPTS) {
        await this.failSharded(tx, { id: sh.job_id, submission_id: sh.submission_id, kind: sh.kind } as ClaimedJob,
          `scoring a shard was interrupted ${sh.attempts} times (the scoring process stopped or crashed); an admin can rescore it`, 'error', now);
      } else {
        await tx.run(`UPDATE job_shards SET state = 'queued', lease_owner = NULL, lease_expires = NULL WHERE id = ?`, [sh.id]);
      }
    }
    return n;
  }

  /** A failed rescore keeps the submission's previous scores; a failed first scoring fails the submission. */
  private async finishFailed(tx: Sql, jobId: number, submissionId: number, kind: string, reason: string, errorKind: string, now: number): Promise<void> {
    await tx.run(`UPDATE jobs SET state = 'failed', error = ?, finished_at = ?, lease_owner = NULL WHERE id = ?`, [reason, now, jobId]);
    if (kind === 'score') {
      await tx.run(`UPDATE submissions SET status = 'failed', error = ?, error_kind = ?, scored_at = ? WHERE id = ?`, [reason, errorKind, now, submissionId]);
    }
  }

  /**
   * Records a rescore run (with the boards before it, for the report) and queues a rescore job
   * for every scored submission of the challenge, in one transaction; with `outdatedThan` only
   * those whose scores were made by another evaluator version.
   */
  startRescore(challengeId: string, version: string, beforeJson: string, now: number, outdatedThan?: string): Promise<{ runId: number; jobs: number }> {
    return this.transaction(async (tx) => {
      const run = (await tx.get<{ id: number }>(
        'INSERT INTO rescore_runs (challenge_id, evaluator_version, before_json, created_at) VALUES (?, ?, ?, ?) RETURNING id',
        [challengeId, version, beforeJson, now]))!;
      // The version is compared twice; a NULL version means "every scored submission".
      const r = await tx.run(`INSERT INTO jobs (submission_id, kind, state, rescore_run_id, created_at)
         SELECT s.id, 'rescore', 'queued', ?, ? FROM submissions s
         WHERE s.challenge_id = ? AND s.status = 'scored'
           AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.submission_id = s.id AND j.state IN ('queued', 'running'))
           AND (CAST(? AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM scores sc WHERE sc.submission_id = s.id AND sc.current = 1
                                                   AND sc.evaluator_version != ?))`,
      [run.id, now, challengeId, outdatedThan ?? null, outdatedThan ?? null]);
      await announceJobs(tx);
      return { runId: run.id, jobs: r.changes };
    });
  }

  async pending(): Promise<number> {
    return (await this.sql.get<{ n: number }>(`SELECT count(*) AS n FROM jobs WHERE state IN ('queued', 'running')`))!.n;
  }
}
