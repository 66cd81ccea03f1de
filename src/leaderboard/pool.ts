/**
 * The scoring pool: N worker threads fed from two sources, validation requests of uploads in
 * progress (first, a participant is waiting on them) and jobs claimed from the durable queue.
 * One extra thread only validates, so an upload never waits behind a long scoring.
 * The main thread holds the leases and heartbeats them; a crashed or hung worker is replaced
 * and its job released or failed with a reason, never left `scoring` forever.
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
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
  log?: (line: string) => void;
}

type ValidateRequest = Extract<WorkerRequest, { type: 'validate' }>['request'];

interface Slot {
  worker: Worker;
  /** A validation slot never takes scoring jobs: uploads are not held up behind a long scoring. */
  validationOnly: boolean;
  busy?:
    | { type: 'validate'; id: number; resolve(p: Problem[]): void; reject(e: Error): void }
    | { type: 'job'; id: number; job: ClaimedJob; timer?: NodeJS.Timeout };
}

/**
 * Worker threads run the compiled .js. Under vitest or tsx the source is .ts: the thread then
 * registers tsx's loader itself before importing the worker (execArgv --import does not reach
 * worker threads on Node 20).
 */
function spawnWorker(): Worker {
  const self = new URL(import.meta.url);
  if (!self.pathname.endsWith('.ts')) return new Worker(new URL('./worker.js', self));
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href;
  const target = new URL('./worker.ts', self).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`, { eval: true });
}

export class ScoringPool {
  private slots: Slot[] = [];
  private validations: { request: ValidateRequest; resolve(p: Problem[]): void; reject(e: Error): void }[] = [];
  private nextId = 1;
  private timers: NodeJS.Timeout[] = [];
  private closing = false;
  private pumping = false;
  private idleWaiters: (() => void)[] = [];
  /** Workers lost in a row without a reply in between: respawns back off so a broken install does not spin. */
  private lostInARow = 0;

  constructor(private readonly opts: PoolOptions) {}

  start(): void {
    for (let i = 0; i < Math.max(1, this.opts.workers); i++) this.slots.push({ worker: this.spawn(), validationOnly: false });
    this.slots.push({ worker: this.spawn(), validationOnly: true });
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

  private spawn(): Worker {
    const worker = spawnWorker();
    worker.on('message', (reply: WorkerReply) => this.onReply(worker, reply));
    worker.on('error', (e) => this.onWorkerLost(worker, `the scoring worker crashed: ${e.message}`));
    worker.on('exit', (code) => {
      if (!this.closing) this.onWorkerLost(worker, `the scoring worker exited with code ${code}`);
    });
    return worker;
  }

  /** Queues a validation on the workers; resolves to the problems (empty when the file is valid). */
  validate(request: ValidateRequest): Promise<Problem[]> {
    return new Promise((resolve, reject) => {
      this.validations.push({ request, resolve, reject });
      this.pump();
    });
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
      for (const slot of this.slots) {
        if (slot.busy) continue;
        const v = this.validations.shift();
        if (v) {
          const id = this.nextId++;
          slot.busy = { type: 'validate', id, resolve: v.resolve, reject: v.reject };
          slot.worker.postMessage({ id, type: 'validate', request: v.request } satisfies WorkerRequest);
          continue;
        }
        if (slot.validationOnly) continue;
        const job = this.opts.queue.claim(this.opts.clock());
        if (!job) break;
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
        if (reply.ok) busy.resolve(reply.result as Problem[]);
        else busy.reject(new Error(reply.message));
      } else {
        if (busy.timer) clearTimeout(busy.timer);
        if (reply.ok) {
          const outcome = reply.result as ScoreOutcome;
          if (!this.opts.queue.complete(busy.job, outcome.version, outcome.splits, now)) {
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
    if (busy?.type === 'validate') busy.reject(new Error(reason));
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
    slot.worker = this.spawn();
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
      if (busy?.type === 'validate') busy.reject(new Error('the server is stopping'));
    }
    for (const v of this.validations.splice(0)) v.reject(new Error('the server is stopping'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
