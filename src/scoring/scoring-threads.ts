/**
 * Scoring threads (shard-worker.ts), started ahead of their work: the pipeline starts them before
 * the task reads the truth and the submission, so a thread's start (an isolate, Node's bootstrap,
 * the task's modules: about 0.1 s) runs on another core while this one reads, instead of delaying
 * the shards. Each thread is then given one shard and ends with it; `close` stops the threads
 * that were given none (the submission had too few units to spread).
 */
import type { Worker } from 'node:worker_threads';
import type { ThreadReply, ShardRequest } from './shard-worker.js';
import { startWorker } from './worker-thread.js';

interface Thread {
  worker: Worker;
  /** Why the thread ended before it was given a shard, if it did. */
  failure?: Error;
}

type Message<State, Item> = { type: 'progress'; units: number } | { type: 'done'; reply: ThreadReply<State, Item> } | { type: 'failed'; message: string };

export class ScoringThreads {
  private idle: Thread[] = [];

  /** Starts `ahead` threads for `task` now. */
  constructor(
    private readonly task: string,
    ahead = 0,
  ) {
    for (let i = 0; i < ahead; i++) this.idle.push(this.start());
  }

  private start(): Thread {
    const worker = startWorker(import.meta.url, './shard-worker', { workerData: { task: this.task } });
    const thread: Thread = { worker };
    worker.on('error', (e) => (thread.failure ??= e));
    worker.on('exit', (code) => (thread.failure ??= new Error(`scoring thread exited with code ${code}`)));
    // An idle thread does not keep the process alive; one given a shard does (run).
    worker.unref();
    return thread;
  }

  /** Produces one shard on a thread started ahead (or a new one); `tick` once a unit done. */
  run<Context, State, Item>(request: Omit<ShardRequest<Context>, 'task'>, tick: () => void, signal?: AbortSignal): Promise<ThreadReply<State, Item>> {
    const thread = this.idle.pop() ?? this.start();
    const { worker } = thread;
    return new Promise<ThreadReply<State, Item>>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        void worker.terminate();
        fn();
      };
      const onAbort = () => settle(() => reject(signal!.reason));
      if (thread.failure) return settle(() => reject(thread.failure));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('message', (msg: Message<State, Item>) => {
        if (msg.type === 'progress') for (let i = 0; i < msg.units; i++) tick();
        else if (msg.type === 'done') settle(() => resolve(msg.reply));
        else settle(() => reject(new Error(`scoring thread failed: ${msg.message}`)));
      });
      worker.on('error', (e) => settle(() => reject(e)));
      worker.on('exit', (code) => settle(() => reject(new Error(`scoring thread exited with code ${code}`))));
      worker.ref();
      worker.postMessage({ type: 'shard', request });
    });
  }

  /** Stops the threads that were not given a shard. */
  close(): void {
    for (const { worker } of this.idle.splice(0)) void worker.terminate();
  }
}
