/**
 * Spreading mixtures over worker threads. BSS Eval is CPU-bound per mixture and mixtures are
 * independent, so each thread scores an interleaved share (similar lengths on every thread)
 * and the main thread concatenates the results in truth order. Small jobs, and calls from a
 * thread that is itself a worker (the leaderboard's scoring pool), run inline.
 */
import os from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread, Worker } from 'node:worker_threads';
import { DEFAULT_PROBLEM_CAP } from '../../problems.js';
import { runShard, type MixtureJob, type ShardResult } from './shard.js';
import type { ShardMessage, ShardRequest } from './worker.js';

/** Below this many mixtures threads cost more to start than they save. */
const MIN_MIXTURES_FOR_THREADS = 24;

export function threadCount(requested: unknown, jobs: number): number {
  const fromEnv = Number(process.env.PODIUM_THREADS);
  const wanted = typeof requested === 'number' && requested >= 1 ? Math.floor(requested) : fromEnv >= 1 ? Math.floor(fromEnv) : os.availableParallelism();
  if (!isMainThread || jobs < MIN_MIXTURES_FOR_THREADS) return 1;
  return Math.max(1, Math.min(wanted, Math.ceil(jobs / 8)));
}

/**
 * Worker threads run the compiled .js; under vitest or tsx the source is .ts and the thread
 * registers tsx's loader itself first (execArgv --import does not reach worker threads on Node 20).
 */
function spawn(request: ShardRequest): Worker {
  const self = new URL(import.meta.url);
  if (!self.pathname.endsWith('.ts')) return new Worker(new URL('./worker.js', self), { workerData: request });
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href;
  const target = new URL('./worker.ts', self).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`, {
    eval: true,
    workerData: request,
  });
}

export async function runParallel(jobs: readonly MixtureJob[], opts: { threads: number; check: boolean; onMixture?: () => void }): Promise<ShardResult> {
  const cap = DEFAULT_PROBLEM_CAP;
  if (opts.threads <= 1) return runShard(jobs, { check: opts.check, cap, onMixture: opts.onMixture });
  const shards: MixtureJob[][] = Array.from({ length: opts.threads }, () => []);
  jobs.forEach((job, i) => shards[i % opts.threads]!.push(job));
  const results = await Promise.all(
    shards.map(
      (shard) =>
        new Promise<ShardResult>((resolve, reject) => {
          const worker = spawn({ jobs: shard, check: opts.check, cap });
          let settled = false;
          worker.on('message', (msg: ShardMessage) => {
            if (msg.type === 'tick') opts.onMixture?.();
            else if (msg.type === 'done') {
              settled = true;
              resolve(msg.result);
              void worker.terminate();
            } else {
              settled = true;
              reject(new Error(`separation scoring thread failed: ${msg.message}`));
              void worker.terminate();
            }
          });
          worker.on('error', (e) => {
            settled = true;
            reject(e);
          });
          worker.on('exit', (code) => {
            if (!settled) reject(new Error(`separation scoring thread exited with code ${code}`));
          });
        }),
    ),
  );
  const order = new Map(jobs.map((j, i) => [j.id, i]));
  const merged: ShardResult = { scores: [], problems: [], problemTotal: 0 };
  for (const r of results) {
    merged.scores.push(...r.scores);
    merged.problems.push(...r.problems);
    merged.problemTotal += r.problemTotal;
  }
  merged.scores.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  merged.problems.splice(cap);
  return merged;
}
