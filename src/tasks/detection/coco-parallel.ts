/**
 * The main thread's side of coco-worker.ts: start it, ask it one thing at a time. Used only for
 * large submissions and only when the compiled worker exists (under vitest the sources are .ts
 * and everything runs on one thread, which gives the same numbers).
 */
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CocoChunk } from '../../evaluators/coco.js';
import type { WorkerReply, WorkerRequest } from './coco-worker.js';

/** Submissions smaller than this are read and matched on one thread (the worker costs ~30 ms). */
const DEFAULT_MIN_BYTES = 4 * 1024 * 1024;

function parallelMinBytes(): number {
  const env = process.env.PODIUM_DETECTION_PARALLEL_BYTES;
  return env !== undefined && env !== '' && Number.isFinite(Number(env)) ? Number(env) : DEFAULT_MIN_BYTES;
}

/**
 * Whether a submission of this size gets the second thread. `PODIUM_DETECTION_THREADS=1|2`
 * forces it off / on; by default it is used when a core is free (1-minute load average below
 * the core count): on a saturated machine the second thread only adds work (measured in
 * bench/detection), on an idle one it shortens the wall time.
 */
export function useSecondThread(submissionBytes: number): boolean {
  if (submissionBytes < parallelMinBytes()) return false;
  const forced = process.env.PODIUM_DETECTION_THREADS;
  if (forced === '1') return false;
  if (forced === '2') return true;
  return os.cpus().length > 1 && os.loadavg()[0]! < os.cpus().length - 0.5;
}

export class CocoWorker {
  private pending?: { resolve(r: WorkerReply): void; reject(e: Error): void };

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => {
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      if (reply.type === 'failed') p.reject(new Error(`detection worker: ${reply.message}`));
      else p.resolve(reply);
    });
    worker.on('error', (e) => {
      this.pending?.reject(e);
      this.pending = undefined;
    });
  }

  /** Starts the worker, or undefined when its compiled file is not there. */
  static start(): CocoWorker | undefined {
    const url = new URL('./coco-worker.js', import.meta.url);
    if (url.protocol !== 'file:' || !fs.existsSync(fileURLToPath(url))) return undefined;
    return new CocoWorker(new Worker(url));
  }

  request(msg: WorkerRequest): Promise<WorkerReply> {
    if (this.pending) return Promise.reject(new Error('detection worker: one request at a time'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(msg);
    });
  }

  async scan(file: string, kind: 'csv' | 'json'): Promise<{ buffer: SharedArrayBuffer; count: number } | null> {
    const r = await this.request({ type: 'scan', file, kind });
    return r.type === 'scanned' ? r.raw : null;
  }

  async match(msg: Extract<WorkerRequest, { type: 'match' }>): Promise<CocoChunk[]> {
    const r = await this.request(msg);
    if (r.type !== 'matched') throw new Error('detection worker: unexpected reply');
    return r.chunks as CocoChunk[];
  }

  close(): void {
    void this.worker.terminate();
  }
}
