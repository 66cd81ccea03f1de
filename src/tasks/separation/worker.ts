/**
 * A separation scoring thread (parallel.ts starts it): scores one shard of mixtures and posts
 * a `tick` after each mixture and the shard's result at the end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runShard, type MixtureJob } from './shard.js';

export interface ShardRequest {
  jobs: MixtureJob[];
  check: boolean;
  cap: number;
}

export type ShardMessage = { type: 'tick' } | { type: 'done'; result: Awaited<ReturnType<typeof runShard>> } | { type: 'error'; message: string };

const request = workerData as ShardRequest;
runShard(request.jobs, { check: request.check, cap: request.cap, onMixture: () => parentPort!.postMessage({ type: 'tick' } satisfies ShardMessage) })
  .then((result) => parentPort!.postMessage({ type: 'done', result } satisfies ShardMessage))
  .catch((e: unknown) => parentPort!.postMessage({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies ShardMessage));
