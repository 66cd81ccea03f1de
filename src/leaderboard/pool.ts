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
import type { ModelTrack, SubmissionKind } from '../challenges/model-track.js';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Problem } from '../problems.js';
import type { ClaimedJob, Queue } from './queue.js';
import type { ScoreOutcome, ScoreRequest } from './scoring.js';
import type { Store } from './store.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

export interface PoolOptions {
  store: Store;
  queue: Queue;
  storageDir: string;
  workers: number;
  clock: () => number;
  bootstrapSamples: number;
  /** How often to look for jobs queued by other processes, and to reclaim expired leases. */
  pollMs?: number;
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
  log?: (line: string) => void;
}

export interface ModelTrackEntry {
  kinds: SubmissionKind[];
  track?: ModelTrack;
}

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
    | { type: 'job'; id: number; job: ClaimedJob; timer?: NodeJS.Timeout };
}

interface PendingValidation {
  request: ValidateRequest;
  owner?: number;
  resolve(p: Problem[]): void;
  reject(e: Error): void;
}

/**
 * Worker threads run the compiled .js. Under vitest or tsx the source is .ts: the thread then
 * registers tsx's loader itself before importing the worker (execArgv --import does not reach
 * worker threads on Node 20).
 */
function spawnWorker(resourceLimits?: ResourceLimits): Worker {
  const self = new URL(import.meta.url);
  if (!self.pathname.endsWith('.ts')) return new Worker(new URL('./worker.js', self), { resourceLimits });
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href;
  const target = new URL('./worker.ts', self).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`, { eval: true, resourceLimits });
}

export class ScoringPool {
  private slots: Slot[] = [];
  private validations: PendingValidation[] = [];
  private nextId = 1;
  private timers: NodeJS.Timeout[] = [];
  private closing = false;
  private pumping = false;
  private idleWaiters: (() => void)[] = [];
  /** Workers lost in a row without a reply in between: respawns back off so a broken install does not spin. */
  private lostInARow = 0;

  constructor(private readonly opts: PoolOptions) {}

  start(): void {
    for (let i = 0; i < Math.max(1, this.opts.workers); i++) this.slots.push({ worker: this.spawn(false), validationOnly: false });
    for (let i = 0; i < Math.max(1, this.opts.validationWorkers ?? 2); i++) this.slots.push({ worker: this.spawn(true), validationOnly: true });
    const { queue, clock } = this.opts;
    queue.reclaim(clock());
    const heartbeatEvery = Math.max(50, Math.floor(queue.leaseMs / 3));
    this.timers.push(setInterval(() => this.safely(() => queue.heartbeat(clock())), heartbeatEvery));
    this.timers.push(setInterval(() => this.safely(() => {
      queue.reclaim(clock());
      this.pump();
    }), this.opts.pollMs ?? 1000));
    for (const t of this.timers) t.unref();
    this.pump();
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.opts.log?.(`scoring pool: ${(e as Error).message}`);
    }
  }

  private spawn(validation: boolean): Worker {
    const heap = this.opts.validationHeapMb ?? DEFAULT_VALIDATION_HEAP_MB;
    const worker = spawnWorker(validation ? { maxOldGenerationSizeMb: heap, maxYoungGenerationSizeMb: Math.min(64, heap) } : undefined);
    worker.on('message', (reply: WorkerReply) => this.onReply(worker, reply));
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
    if (this.queueIsIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private queueIsIdle(): boolean {
    return this.opts.queue.pending() === 0 && this.slots.every((s) => !s.busy);
  }

  private pump(): void {
    if (this.closing || this.pumping) return;
    this.pumping = true;
    try {
      let queueEmpty = false;
      for (const slot of this.slots) {
        if (slot.busy) continue;
        if (slot.validationOnly) {
          const v = this.nextValidation();
          if (v) this.dispatchValidation(slot, v);
          continue;
        }
        if (queueEmpty) continue;
        const job = this.opts.queue.claim(this.opts.clock());
        if (!job) {
          queueEmpty = true;
          continue;
        }
        this.dispatch(slot, job);
      }
    } catch (e) {
      this.opts.log?.(`scoring pool: ${(e as Error).message}`);
    } finally {
      this.pumping = false;
    }
    if (this.idleWaiters.length && this.queueIsIdle()) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
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

  private dispatch(slot: Slot, job: ClaimedJob): void {
    const { store, queue, clock } = this.opts;
    const challenge = store.challenge(job.challenge_id);
    if (!challenge) {
      queue.fail(job, `challenge ${job.challenge_id} is no longer defined`, 'error', clock());
      return;
    }
    const request: ScoreRequest = {
      challengeId: challenge.id, task: challenge.task, truth: challenge.truth, options: challenge.options,
      primaryMetric: challenge.primary_metric, file: path.join(this.opts.storageDir, job.stored_path),
      bootstrapSamples: this.opts.bootstrapSamples,
      model: this.opts.models?.get(challenge.id)?.track, kinds: this.opts.models?.get(challenge.id)?.kinds,
    };
    const id = this.nextId++;
    const busy: Slot['busy'] = { type: 'job', id, job };
    if (this.opts.jobTimeoutMs) {
      busy.timer = setTimeout(() => this.onTimeout(slot, id), this.opts.jobTimeoutMs);
      busy.timer.unref();
    }
    slot.busy = busy;
    slot.worker.postMessage({ id, type: 'score', request } satisfies WorkerRequest);
  }

  private onReply(worker: Worker, reply: WorkerReply): void {
    const slot = this.slots.find((s) => s.worker === worker);
    const busy = slot?.busy;
    if (!slot || !busy || busy.id !== reply.id) return;
    slot.busy = undefined;
    this.lostInARow = 0;
    const now = this.opts.clock();
    try {
      if (busy.type === 'validate') {
        if (busy.timer) clearTimeout(busy.timer);
        if (reply.ok) busy.resolve(reply.result as Problem[]);
        else busy.reject(new Error(reply.message));
      } else {
        if (busy.timer) clearTimeout(busy.timer);
        if (reply.ok) {
          const outcome = reply.result as ScoreOutcome;
          if (!this.opts.queue.complete(busy.job, outcome.version, outcome.splits, now, outcome.latency)) {
            this.opts.log?.(`job ${busy.job.id}: lease lost before it finished; its result was discarded`);
          }
        } else {
          // A server-side failure (the organisers' data, a missing stored file) goes to the log too.
          if (reply.kind === 'error') this.opts.log?.(`job ${busy.job.id} (challenge ${busy.job.challenge_id}): ${reply.message}`);
          this.opts.queue.fail(busy.job, reply.message, reply.kind, now);
        }
      }
    } catch (e) {
      this.opts.log?.(`scoring pool: ${(e as Error).message}`);
    }
    this.pump();
  }

  private onTimeout(slot: Slot, id: number): void {
    const busy = slot.busy;
    if (!busy || busy.type !== 'job' || busy.id !== id) return;
    slot.busy = undefined;
    const seconds = Math.round((this.opts.jobTimeoutMs ?? 0) / 1000);
    this.safely(() => this.opts.queue.fail(busy.job, `scoring took longer than ${seconds} s and was stopped`, 'error', this.opts.clock()));
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
      this.safely(() => this.opts.queue.release(busy.job, reason, this.opts.clock()));
    }
    this.opts.log?.(reason);
    this.lostInARow++;
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

  /** Stops the workers; jobs in flight go back to the queue for the next start. */
  async close(): Promise<void> {
    this.closing = true;
    for (const t of this.timers) clearInterval(t);
    const now = this.opts.clock();
    for (const slot of this.slots) {
      const busy = slot.busy;
      if (busy?.type === 'job') {
        if (busy.timer) clearTimeout(busy.timer);
        this.safely(() => this.opts.queue.release({ ...busy.job, attempts: 0 }, 'the server stopped', now));
      }
      if (busy?.type === 'validate') {
        if (busy.timer) clearTimeout(busy.timer);
        busy.reject(new Error('the server is stopping'));
      }
    }
    for (const v of this.validations.splice(0)) v.reject(new Error('the server is stopping'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
