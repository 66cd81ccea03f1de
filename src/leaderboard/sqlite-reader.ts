/**
 * Large reads of a SQLite file on a thread of their own. better-sqlite3 runs a statement on the
 * calling thread, so a read of ten thousand rows (the score-over-time chart) stopped the
 * server's main thread for 20 ms to several hundred under load, and every request in flight
 * with it. Here a second connection on a worker thread (sqlite-reader-thread.ts) runs the
 * statement and posts the rows back; the main thread only receives them. WAL lets that
 * connection read while the main one writes; it sees what was committed when its read began,
 * as any read outside a transaction does.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../scoring/worker-thread.js';
import type { SqlValue } from './sql.js';

interface Pending {
  resolve(rows: unknown[]): void;
  reject(e: Error): void;
}

export class SqliteReader {
  private worker: Worker | undefined;
  private pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly file: string) {}

  all<T>(sql: string, params: readonly SqlValue[]): Promise<T[]> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<T[]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (rows: unknown[]) => void, reject });
      worker.postMessage({ id, sql, params });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.fail(new Error('the database was closed'));
    await w?.terminate();
  }

  private start(): Worker {
    const worker = startWorker(import.meta.url, './sqlite-reader-thread', { workerData: { file: this.file } });
    // An idle reader never keeps the process alive; a read in flight is awaited by its caller.
    worker.unref();
    worker.on('message', (m: { id: number; rows?: unknown[]; error?: string; code?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(Object.assign(new Error(m.error), { code: m.code }));
      else p.resolve(m.rows!);
    });
    const lost = (e: Error) => {
      if (this.worker !== worker) return;
      // The next read starts a new thread; the reads in flight fail with the reason.
      this.worker = undefined;
      this.fail(e);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the database reader thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private fail(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
