/**
 * The scoring pool: N scoring threads fed from the durable queue, and separate validation
 * threads for uploads in progress (a participant is waiting on them). The two never share a
 * thread: a hostile upload cannot take a scoring slot, and a long scoring cannot hold up an
 * upload. Validation has a budget: a time limit (the thread is stopped and replaced) and a heap
 * limit (V8 resourceLimits); one participant's uploads are validated one at a time, so one
 * account cannot take every validation slot.
 * The main thread holds the leases and heartbeats them; a crashed or hung worker is replaced
 * and its job released or failed with a reason, never left `scoring` forever.
 */
import type { Challenge } from '../challenges/definition.js';
import type { ModelTrack, SubmissionKind } from '../challenges/model-track.js';
import type { Worker } from 'node:worker_threads';
import type { Problem } from '../problems.js';
import { startWorker } from '../scoring/worker-thread.js';
import type { PgListener } from './pg-listener.js';
import { JOBS_CHANNEL, type ClaimedJob, type Queue } from './queue.js';
import type { ScoreOutcome, ScoreRequest } from './scoring.js';
import { StoredFileMissing, type LocalCopy, type SubmissionStorage } from './storage.js';
import { StoreError } from './store-error.js';
import { isStorageUnreachable } from './unreachable.js';
import type { Store } from './store.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

export interface PoolOptions {
  store: Store;
  queue: Queue;
  storage: SubmissionStorage;
  workers: number;
  /** Also run a thread that only validates uploads (the server; a `podium worker` only scores). */
  validation?: boolean;
  /** Local truth files by challenge id, when they are not where the database says (`podium worker` on another host). */
  truths?: Map<string, string>;
  clock: () => number;
  bootstrapSamples: number;
  /** How often to look for jobs queued by other processes, and to reclaim expired leases. */
  pollMs?: number;
  /**
   * PostgreSQL: the process's listening connection. While it listens, a job queued anywhere
   * wakes the pool at once (JOBS_CHANNEL), and the poll only looks for orphans (expired
   * leases), every `pollWhileListeningMs` instead of every `pollMs`.
   */
  listener?: PgListener;
  pollWhileListeningMs?: number;
  /** A scoring that takes longer is stopped and failed with this reason. */
  jobTimeoutMs?: number;
  /** Threads that only validate uploads (default 2). */
  validationWorkers?: number;
  /** A validation that takes longer is stopped and the upload refused (default 60 s). */
  validationTimeoutMs?: number;
  /** Heap budget of a validation thread in MB (default 1024); past it the upload is refused. */
  validationHeapMb?: number;
  /** Challenges with a model track: what they take and the track (src/challenges/model-track.ts). */
  models?: Map<string, ModelTrackEntry>;
  /**
   * Cut a submission with more scoring units than this into shard jobs of at most this many
   * units, which any process sharing the database scores, merged by one (queue.ts). Unset: whole.
   */
  unitsPerShard?: number;
  log?: (line: string) => void;
}

export interface ModelTrackEntry {
  kinds: SubmissionKind[];
  track?: ModelTrack;
}

/** The model tracks of the challenges that take models (the server and `podium worker` both score them). */
export function modelTracks(challenges: Challenge[]): Map<string, ModelTrackEntry> {
  return new Map(challenges.filter((c) => c.submission.includes('model')).map((c) => [c.id, { kinds: c.submission, track: c.model }]));
}

/** Tries to store a finished job's result while the database is unreachable (about 30 s in all). */
const STORE_RETRIES = 5;

export const DEFAULT_VALIDATION_TIMEOUT_MS = 60_000;
export const DEFAULT_VALIDATION_HEAP_MB = 1024;

/** A validation stopped by its budget: the file's fault, reported to the participant as such. */
export class ValidationBudgetError extends Error {}

type ValidateRequest = Extract<WorkerRequest, { type: 'validate' }>['request'];

interface Slot {
  worker: Worker;
  /** A validation slot never takes scoring jobs: uploads are not held up behind a long scoring. */
  validationOnly: boolean;
  busy?:
    | { type: 'validate'; id: number; owner?: number; resolve(p: Problem[]): void; reject(e: Error): void; timer?: NodeJS.Timeout }
    | { type: 'job'; id: number; job: ClaimedJob; copy: LocalCopy; timer?: NodeJS.Timeout; since: number };
}

interface PendingValidation {
  request: ValidateRequest;
  owner?: number;
  resolve(p: Problem[]): void;
  reject(e: Error): void;
}

export class ScoringPool {
  private slots: Slot[] = [];
  private validations: PendingValidation[] = [];
  private nextId = 1;
  private timers: NodeJS.Timeout[] = [];
  private closing = false;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  /** Jobs claimed by this process and not yet stored or given back (reclaim leaves only these alone). */
  private held = new Set<number>();
  /** The same for shards of jobs (their own ids). */
  private heldShards = new Set<number>();
  /** Set by drain(): finish the jobs in hand, claim no more. */
  private draining = false;
  private idleWaiters: (() => void)[] = [];
  /** Storage reads that failed in a row, and when claiming may resume (an unreachable storage backs off). */
  private storageFailures = 0;
  private claimAfter = 0;
  /** Workers lost in a row without a reply in between: respawns back off so a broken install does not spin. */
  private lostInARow = 0;

  constructor(private readonly opts: PoolOptions) {}

  start(): void {
    // 0 scoring threads: a server that leaves scoring to `podium worker` processes (it still validates uploads).
    const scoring = this.opts.validation === false ? Math.max(1, this.opts.workers) : Math.max(0, this.opts.workers);
    for (let i = 0; i < scoring; i++) this.slots.push({ worker: this.spawn(false), validationOnly: false });
    if (this.opts.validation !== false) {
      for (let i = 0; i < Math.max(1, this.opts.validationWorkers ?? 2); i++) this.slots.push({ worker: this.spawn(true), validationOnly: true });
    }
    const { queue, clock } = this.opts;
    const heartbeatEvery = Math.max(50, Math.floor(queue.leaseMs / 3));
    let lastBeat = Date.now();
    this.timers.push(setInterval(() => void this.safely(async () => {
      await queue.heartbeat(clock());
      // Leases are lost when heartbeats stop landing (a blocked event loop delays the timer, a
      // slow database the query): say so before it costs a job, with what the gap was.
      const gap = Date.now() - lastBeat;
      lastBeat = Date.now();
      if (gap > 2 * heartbeatEvery) {
        this.opts.log?.(`heartbeat: ${(gap / 1000).toFixed(1)} s since the last one landed (every ${heartbeatEvery / 1000} s, lease ${queue.leaseMs / 1000} s)`);
      }
    }), heartbeatEvery));
    const poll = () => this.safely(async () => {
      await queue.reclaim(clock(), this.held, this.heldShards);
      this.pump();
    });
    const { listener } = this.opts;
    listener?.onNotification(JOBS_CHANNEL, () => this.pump());
    // Listening (again): jobs queued while no one listened were never told.
    listener?.onListening(() => this.pump());
    let lastPoll = Date.now();
    this.timers.push(setInterval(() => {
      // While listening, new jobs are told: the poll is only for orphans, and less often.
      if (listener?.up && Date.now() - lastPoll < (this.opts.pollWhileListeningMs ?? 10_000)) return;
      lastPoll = Date.now();
      void poll();
    }, this.opts.pollMs ?? 1000));
    for (const t of this.timers) t.unref();
    void poll();
  }

  private hold(job: ClaimedJob): void {
    if (job.shard) this.heldShards.add(job.shard.id);
    else this.held.add(job.id);
  }

  private unhold(job: ClaimedJob): void {
    if (job.shard) this.heldShards.delete(job.shard.id);
    else this.held.delete(job.id);
  }

  /** Runs a queue call whose failure (e.g. the database is briefly unreachable) is logged, not thrown. */
  private async safely(fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.opts.log?.(`scoring pool: ${(e as Error).message}`);
    }
  }

  private spawn(validation: boolean): Worker {
    const heap = this.opts.validationHeapMb ?? DEFAULT_VALIDATION_HEAP_MB;
    const resourceLimits = validation ? { maxOldGenerationSizeMb: heap, maxYoungGenerationSizeMb: Math.min(64, heap) } : undefined;
    // The compiled worker.js, or worker.ts through tsx under vitest (scoring/worker-thread.ts).
    const worker = startWorker(import.meta.url, './worker', { resourceLimits });
    worker.on('message', (reply: WorkerReply) => void this.onReply(worker, reply));
    worker.on('error', (e) => {
      const slot = this.slots.find((s) => s.worker === worker);
      if (slot?.busy?.type === 'validate' && (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        slot.busy.reject(new ValidationBudgetError(`checking the file needs more than the ${heap} MB memory budget`));
      }
      this.onWorkerLost(worker, `the scoring worker crashed: ${e.message}`);
    });
    worker.on('exit', (code) => {
      if (!this.closing) this.onWorkerLost(worker, `the scoring worker exited with code ${code}`);
    });
    return worker;
  }

  /**
   * Queues a validation on the validation threads; resolves to the problems (empty when the
   * file is valid), rejects with ValidationBudgetError past the time or memory budget. With
   * `challengeId`, a challenge's model track decides whether a model is checked. Validations of
   * one `owner` (participant) run one at a time.
   */
  validate(request: ValidateRequest, challengeId?: string, owner?: number): Promise<Problem[]> {
    const m = challengeId ? this.opts.models?.get(challengeId) : undefined;
    if (m) request = { ...request, model: m.track, kinds: m.kinds };
    return new Promise((resolve, reject) => {
      this.validations.push({ request, owner, resolve, reject });
      this.pump();
    });
  }

  /** The next validation whose owner has none running (oldest first). */
  private nextValidation(): PendingValidation | undefined {
    const running = new Set(this.slots.flatMap((s) => (s.busy?.type === 'validate' && s.busy.owner !== undefined ? [s.busy.owner] : [])));
    const i = this.validations.findIndex((v) => v.owner === undefined || !running.has(v.owner));
    return i < 0 ? undefined : this.validations.splice(i, 1)[0];
  }

  /** Wakes the dispatcher (a job was just queued). */
  notify(): void {
    this.pump();
  }

  /** Resolves once no job is queued or running (for tests and benchmarks). */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.pump();
    });
  }

  private async queueIsIdle(): Promise<boolean> {
    return this.slots.every((s) => !s.busy) && (await this.opts.queue.pending()) === 0;
  }

  /** Hands validations, then queued jobs, to free workers; one pass at a time, re-run when asked meanwhile. */
  private pump(): void {
    if (this.closing) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.pumpLoop().finally(() => {
      this.pumping = undefined;
    });
  }

  private async pumpLoop(): Promise<void> {
    do {
      this.pumpAgain = false;
      try {
        let queueEmpty = false;
        for (const slot of this.slots) {
          if (this.closing) return;
          if (slot.busy) continue;
          if (slot.validationOnly) {
            const v = this.nextValidation();
            if (v) this.dispatchValidation(slot, v);
            continue;
          }
          if (queueEmpty || this.draining || Date.now() < this.claimAfter) continue;
          // Reserve the slot while the claim is in flight, so nothing else takes it meanwhile.
          slot.busy = { type: 'validate', id: -1, resolve: () => undefined, reject: () => undefined };
          let job: ClaimedJob | undefined;
          try {
            job = await this.opts.queue.claim(this.opts.clock());
            if (job) this.hold(job);
          } finally {
            slot.busy = undefined;
          }
          if (!job) {
            queueEmpty = true;
            continue;
          }
          if (this.closing) {
            await this.opts.queue.giveBack(job, 'the server stopped');
            return;
          }
          await this.dispatch(slot, job);
        }
        if (this.idleWaiters.length && await this.queueIsIdle()) {
          for (const w of this.idleWaiters.splice(0)) w();
        }
      } catch (e) {
        this.opts.log?.(`scoring pool: ${(e as Error).message}`);
      }
    } while (this.pumpAgain && !this.closing);
  }

  private dispatchValidation(slot: Slot, v: PendingValidation): void {
    const id = this.nextId++;
    const limit = this.opts.validationTimeoutMs ?? DEFAULT_VALIDATION_TIMEOUT_MS;
    const timer = setTimeout(() => {
      if (slot.busy?.id !== id) return;
      slot.busy = undefined;
      v.reject(new ValidationBudgetError(`checking the file took longer than the ${Math.round(limit / 1000)} s budget`));
      this.replace(slot);
    }, limit);
    timer.unref();
    slot.busy = { type: 'validate', id, owner: v.owner, resolve: v.resolve, reject: v.reject, timer };
    slot.worker.postMessage({ id, type: 'validate', request: v.request } satisfies WorkerRequest);
  }

  private async dispatch(slot: Slot, job: ClaimedJob): Promise<void> {
    const { store, queue, clock } = this.opts;
    const challenge = await store.challenge(job.challenge_id);
    if (!challenge) {
      await queue.fail(job, `challenge ${job.challenge_id} is no longer defined`, 'error', clock()).finally(() => this.unhold(job));
      return;
    }
    let shards: Awaited<ReturnType<Queue['shardsOf']>> | undefined;
    if (job.merge) {
      try {
        shards = await queue.shardsOf(job.id);
      } catch (e) {
        await queue.release(job, `the shards' results could not be read: ${(e as Error).message}`, clock()).finally(() => this.unhold(job));
        return;
      }
    }
    let copy: LocalCopy;
    try {
      copy = await this.opts.storage.localCopy(job.stored_path, job.sha256);
    } catch (e) {
      if (e instanceof StoredFileMissing) {
        // The server's failure, never the participant's: logged, and listed for the admin.
        this.opts.log?.(`job ${job.id} (challenge ${job.challenge_id}): ${e.message}`);
        await queue.fail(job, e.message, 'error', clock()).finally(() => this.unhold(job));
        return;
      }
      if (isStorageUnreachable(e)) {
        // Every job needs the storage: put this one back uncounted and claim nothing for a while.
        const waitMs = Math.min(30_000, 1000 * 2 ** Math.min(this.storageFailures++, 5));
        this.claimAfter = Date.now() + waitMs;
        this.opts.log?.(`job ${job.id}: the submission file could not be read from storage (${(e as Error).message}); back in the queue, claiming again in ${Math.round(waitMs / 1000)} s`);
        await queue.giveBack(job, `the submission file could not be read from storage: ${(e as Error).message}`).finally(() => this.unhold(job));
        return;
      }
      // Another storage error (a damaged copy): try again, each claim counting as an attempt.
      await queue.release(job, `the submission file could not be read from storage: ${(e as Error).message}`, clock()).finally(() => this.unhold(job));
      return;
    }
    this.storageFailures = 0;
    const request: ScoreRequest = {
      challengeId: challenge.id, task: challenge.task, truth: this.opts.truths?.get(challenge.id) ?? challenge.truth, options: challenge.options,
      primaryMetric: challenge.primary_metric, file: copy.file,
      bootstrapSamples: this.opts.bootstrapSamples,
      model: this.opts.models?.get(challenge.id)?.track, kinds: this.opts.models?.get(challenge.id)?.kinds,
    };
    const id = this.nextId++;
    const busy: Slot['busy'] = { type: 'job', id, job, copy, since: Date.now() };
    if (this.opts.jobTimeoutMs) {
      busy.timer = setTimeout(() => this.onTimeout(slot, id), this.opts.jobTimeoutMs);
      busy.timer.unref();
    }
    slot.busy = busy;
    const message: WorkerRequest = job.shard
      ? { id, type: 'shard', request, from: job.shard.from, to: job.shard.to }
      : shards
        ? { id, type: 'merge', request, ranges: shards.ranges, results: shards.results }
        : { id, type: 'score', request, unitsPerShard: this.opts.unitsPerShard };
    slot.worker.postMessage(message);
  }

  private async onReply(worker: Worker, reply: WorkerReply): Promise<void> {
    const slot = this.slots.find((s) => s.worker === worker);
    const busy = slot?.busy;
    if (!slot || !busy || busy.id !== reply.id) return;
    this.lostInARow = 0;
    const now = this.opts.clock();
    if (busy.type === 'validate') {
      if (busy.timer) clearTimeout(busy.timer);
      slot.busy = undefined;
      if (reply.ok) busy.resolve(reply.result as Problem[]);
      else busy.reject(new Error(reply.message));
    } else {
      if (busy.timer) clearTimeout(busy.timer);
      void busy.copy.release().catch(() => undefined);
      const held = `${((Date.now() - busy.since) / 1000).toFixed(1)} s after it was handed to a scoring thread`;
      // The slot stays busy until the result is stored: whenIdle must not see a gap.
      await this.storeResult(busy.job, async () => {
        const cut = reply.ok ? (reply.result as { shards?: [number, number][] }).shards : undefined;
        if (reply.ok && busy.job.shard) {
          if (!await this.opts.queue.completeShard(busy.job, JSON.stringify(reply.result), now)) {
            this.opts.log?.(`job ${busy.job.id}: lease on shard ${busy.job.shard.id} lost before it finished (${held}); its result was discarded`);
          }
        } else if (cut) {
          if (!await this.opts.queue.split(busy.job, cut, now)) this.opts.log?.(`job ${busy.job.id}: lease lost before it was cut into shards (${held})`);
        } else if (reply.ok) {
          const outcome = reply.result as ScoreOutcome;
          if (!await this.opts.queue.complete(busy.job, outcome.version, outcome.splits, now, outcome.latency)) {
            this.opts.log?.(`job ${busy.job.id}: lease lost before it finished (${held}); its result was discarded`);
          }
        } else {
          // A server-side failure (the organisers' data, a missing stored file) goes to the log too.
          if (reply.kind === 'error') this.opts.log?.(`job ${busy.job.id} (challenge ${busy.job.challenge_id}): ${reply.message}`);
          await this.opts.queue.fail(busy.job, reply.message, reply.kind, now);
        }
      });
      // Stored, refused, or failed to reach the database: either way not ours to hold any more
      // (an unstored result's job is found by the next reclaim and scored again).
      this.unhold(busy.job);
      if (slot.busy === busy) slot.busy = undefined;
    }
    this.pump();
  }

  /**
   * Stores a finished job's result. While the database is unreachable it tries again, backing
   * off (1, 2, 4, 8, 15 s), rather than throw away a scoring that may have taken long; the
   * store still checks the lease first, so a job another process took meanwhile is not
   * written twice. Past that (or on another error) the job is left to reclaim, scored again.
   */
  private async storeResult(job: ClaimedJob, write: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await write();
        return;
      } catch (e) {
        const message = (e as Error).message;
        if (!(e instanceof StoreError && e.code === 'unavailable') || attempt >= STORE_RETRIES || this.closing) {
          this.opts.log?.(`job ${job.id}: its result could not be stored (${message}); it will be scored again`);
          return;
        }
        const waitMs = Math.min(15_000, 1000 * 2 ** attempt);
        this.opts.log?.(`job ${job.id}: its result could not be stored yet (${message}); trying again in ${waitMs / 1000} s`);
        await new Promise((r) => setTimeout(r, waitMs));
      }
    }
  }

  private onTimeout(slot: Slot, id: number): void {
    const busy = slot.busy;
    if (!busy || busy.type !== 'job' || busy.id !== id) return;
    slot.busy = undefined;
    void busy.copy.release().catch(() => undefined);
    const seconds = Math.round((this.opts.jobTimeoutMs ?? 0) / 1000);
    void this.safely(() => this.opts.queue.fail(busy.job, `scoring took longer than ${seconds} s and was stopped`, 'error', this.opts.clock()))
      .then(() => this.unhold(busy.job));
    this.replace(slot);
  }

  private onWorkerLost(worker: Worker, reason: string): void {
    const slot = this.slots.find((s) => s.worker === worker);
    if (!slot || this.closing) return;
    const busy = slot.busy;
    slot.busy = undefined;
    if (busy?.type === 'validate') {
      if (busy.timer) clearTimeout(busy.timer);
      busy.reject(new Error(reason)); // a no-op when the memory budget already rejected it
    }
    if (busy?.type === 'job') {
      if (busy.timer) clearTimeout(busy.timer);
      void busy.copy.release().catch(() => undefined);
      void this.safely(() => this.opts.queue.release(busy.job, reason, this.opts.clock())).then(() => this.unhold(busy.job));
    }
    this.opts.log?.(reason);
    // A validation that kills its thread (its memory budget) is the file's doing, not a broken install.
    if (busy?.type !== 'validate' || busy.id < 0) this.lostInARow++;
    if (this.lostInARow <= 1) this.replace(slot);
    else {
      // A placeholder worker keeps the slot busy-free but unusable until the delayed respawn.
      const delay = Math.min(30_000, 250 * 2 ** Math.min(this.lostInARow, 8));
      slot.busy = { type: 'validate', id: -1, resolve: () => undefined, reject: () => undefined };
      const t = setTimeout(() => {
        slot.busy = undefined;
        if (!this.closing) this.replace(slot);
      }, delay);
      t.unref();
    }
  }

  private replace(slot: Slot): void {
    const old = slot.worker;
    old.removeAllListeners();
    void old.terminate();
    slot.worker = this.spawn(slot.validationOnly);
    this.pump();
  }

  /**
   * Stops claiming and waits up to `graceMs` for the jobs in hand to finish (a graceful stop
   * of `podium worker`); close() then gives any job still running back to the queue.
   */
  async drain(graceMs: number): Promise<number> {
    this.draining = true;
    const deadline = Date.now() + graceMs;
    const running = () => this.slots.filter((s) => s.busy?.type === 'job').length;
    while (running() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return running();
  }

  /** Jobs being scored right now. */
  get running(): number {
    return this.slots.filter((s) => s.busy?.type === 'job').length;
  }

  /** Stops the workers; jobs in flight go back to the queue for the next start. */
  async close(): Promise<void> {
    this.closing = true;
    for (const t of this.timers) clearInterval(t);
    await this.pumping;
    const releases: Promise<void>[] = [];
    for (const slot of this.slots) {
      const busy = slot.busy;
      if (busy?.type === 'job') {
        if (busy.timer) clearTimeout(busy.timer);
        releases.push(busy.copy.release().catch(() => undefined));
        releases.push(this.safely(() => this.opts.queue.giveBack(busy.job, 'the server stopped')));
      }
      if (busy?.type === 'validate') {
        if (busy.timer) clearTimeout(busy.timer);
        busy.reject(new Error('the server is stopping'));
      }
    }
    for (const v of this.validations.splice(0)) v.reject(new Error('the server is stopping'));
    await Promise.all([...releases, ...this.slots.map((s) => s.worker.terminate())]);
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
