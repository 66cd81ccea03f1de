/**
 * The scoring pool: N worker threads fed from two sources, validation requests of uploads in
 * progress (first, a participant is waiting on them) and jobs claimed from the durable queue.
 * One extra thread only validates, so an upload never waits behind a long scoring.
 * The main thread holds the leases and heartbeats them; a crashed or hung worker is replaced
 * and its job released or failed with a reason, never left `scoring` forever.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Problem } from '../problems.js';
import type { ClaimedJob, Queue } from './queue.js';
import type { ScoreOutcome, ScoreRequest } from './scoring.js';
import type { LocalCopy, SubmissionStorage } from './storage.js';
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
    | { type: 'job'; id: number; job: ClaimedJob; copy: LocalCopy; timer?: NodeJS.Timeout };
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
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  /** Jobs claimed by this process and not yet stored or given back (reclaim leaves only these alone). */
  private held = new Set<number>();
  /** Set by drain(): finish the jobs in hand, claim no more. */
  private draining = false;
  private idleWaiters: (() => void)[] = [];
  /** Workers lost in a row without a reply in between: respawns back off so a broken install does not spin. */
  private lostInARow = 0;

  constructor(private readonly opts: PoolOptions) {}

  start(): void {
    // 0 scoring threads: a server that leaves scoring to `podium worker` processes (it still validates uploads).
    const scoring = this.opts.validation === false ? Math.max(1, this.opts.workers) : Math.max(0, this.opts.workers);
    for (let i = 0; i < scoring; i++) this.slots.push({ worker: this.spawn(), validationOnly: false });
    if (this.opts.validation !== false) this.slots.push({ worker: this.spawn(), validationOnly: true });
    const { queue, clock } = this.opts;
    const heartbeatEvery = Math.max(50, Math.floor(queue.leaseMs / 3));
    this.timers.push(setInterval(() => void this.safely(() => queue.heartbeat(clock())), heartbeatEvery));
    this.timers.push(setInterval(() => void this.safely(async () => {
      await queue.reclaim(clock(), this.held);
      this.pump();
    }), this.opts.pollMs ?? 1000));
    for (const t of this.timers) t.unref();
    void this.safely(async () => {
      await queue.reclaim(clock(), this.held);
      this.pump();
    });
  }

  /** Runs a queue call whose failure (e.g. the database is briefly unreachable) is logged, not thrown. */
  private async safely(fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.opts.log?.(`scoring pool: ${(e as Error).message}`);
    }
  }

  private spawn(): Worker {
    const worker = spawnWorker();
    worker.on('message', (reply: WorkerReply) => void this.onReply(worker, reply));
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
        for (const slot of this.slots) {
          if (this.closing) return;
          if (slot.busy) continue;
          const v = this.validations.shift();
          if (v) {
            const id = this.nextId++;
            slot.busy = { type: 'validate', id, resolve: v.resolve, reject: v.reject };
            slot.worker.postMessage({ id, type: 'validate', request: v.request } satisfies WorkerRequest);
            continue;
          }
          if (slot.validationOnly || this.draining) continue;
          // Reserve the slot while the claim is in flight, so a validation does not take it meanwhile.
          slot.busy = { type: 'validate', id: -1, resolve: () => undefined, reject: () => undefined };
          let job: ClaimedJob | undefined;
          try {
            job = await this.opts.queue.claim(this.opts.clock());
            if (job) this.held.add(job.id);
          } finally {
            slot.busy = undefined;
          }
          if (!job) break;
          if (this.closing) {
            await this.opts.queue.release({ ...job, attempts: 0 }, 'the server stopped', this.opts.clock());
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

  private async dispatch(slot: Slot, job: ClaimedJob): Promise<void> {
    const { store, queue, clock } = this.opts;
    const challenge = await store.challenge(job.challenge_id);
    if (!challenge) {
      await queue.fail(job, `challenge ${job.challenge_id} is no longer defined`, 'error', clock()).finally(() => this.held.delete(job.id));
      return;
    }
    let copy: LocalCopy;
    try {
      copy = await this.opts.storage.localCopy(job.stored_path, job.sha256);
    } catch (e) {
      // The storage is unreachable: try again later (each claim counts as an attempt).
      await queue.release(job, `the submission file could not be read from storage: ${(e as Error).message}`, clock()).finally(() => this.held.delete(job.id));
      return;
    }
    const request: ScoreRequest = {
      challengeId: challenge.id, task: challenge.task, truth: this.opts.truths?.get(challenge.id) ?? challenge.truth, options: challenge.options,
      primaryMetric: challenge.primary_metric, file: copy.file,
      bootstrapSamples: this.opts.bootstrapSamples,
    };
    const id = this.nextId++;
    const busy: Slot['busy'] = { type: 'job', id, job, copy };
    if (this.opts.jobTimeoutMs) {
      busy.timer = setTimeout(() => this.onTimeout(slot, id), this.opts.jobTimeoutMs);
      busy.timer.unref();
    }
    slot.busy = busy;
    slot.worker.postMessage({ id, type: 'score', request } satisfies WorkerRequest);
  }

  private async onReply(worker: Worker, reply: WorkerReply): Promise<void> {
    const slot = this.slots.find((s) => s.worker === worker);
    const busy = slot?.busy;
    if (!slot || !busy || busy.id !== reply.id) return;
    this.lostInARow = 0;
    const now = this.opts.clock();
    if (busy.type === 'validate') {
      slot.busy = undefined;
      if (reply.ok) busy.resolve(reply.result as Problem[]);
      else busy.reject(new Error(reply.message));
    } else {
      if (busy.timer) clearTimeout(busy.timer);
      void busy.copy.release().catch(() => undefined);
      // The slot stays busy until the result is stored: whenIdle must not see a gap.
      await this.safely(async () => {
        if (reply.ok) {
          const outcome = reply.result as ScoreOutcome;
          if (!await this.opts.queue.complete(busy.job, outcome.version, outcome.splits, now)) {
            this.opts.log?.(`job ${busy.job.id}: lease lost before it finished; its result was discarded`);
          }
        } else {
          await this.opts.queue.fail(busy.job, reply.message, reply.kind, now);
        }
      });
      // Stored, refused, or failed to reach the database: either way not ours to hold any more
      // (an unstored result's job is found by the next reclaim and scored again).
      this.held.delete(busy.job.id);
      if (slot.busy === busy) slot.busy = undefined;
    }
    this.pump();
  }

  private onTimeout(slot: Slot, id: number): void {
    const busy = slot.busy;
    if (!busy || busy.type !== 'job' || busy.id !== id) return;
    slot.busy = undefined;
    void busy.copy.release().catch(() => undefined);
    const seconds = Math.round((this.opts.jobTimeoutMs ?? 0) / 1000);
    void this.safely(() => this.opts.queue.fail(busy.job, `scoring took longer than ${seconds} s and was stopped`, 'error', this.opts.clock()))
      .then(() => this.held.delete(busy.job.id));
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
      void busy.copy.release().catch(() => undefined);
      void this.safely(() => this.opts.queue.release(busy.job, reason, this.opts.clock())).then(() => this.held.delete(busy.job.id));
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
    const now = this.opts.clock();
    const releases: Promise<void>[] = [];
    for (const slot of this.slots) {
      const busy = slot.busy;
      if (busy?.type === 'job') {
        if (busy.timer) clearTimeout(busy.timer);
        releases.push(busy.copy.release().catch(() => undefined));
        releases.push(this.safely(() => this.opts.queue.release({ ...busy.job, attempts: 0 }, 'the server stopped', now)));
      }
      if (busy?.type === 'validate') busy.reject(new Error('the server is stopping'));
    }
    for (const v of this.validations.splice(0)) v.reject(new Error('the server is stopping'));
    await Promise.all([...releases, ...this.slots.map((s) => s.worker.terminate())]);
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
