/**
 * A scoring worker thread: receives validate/score requests from the pool (pool.ts), runs
 * them through the task contract and posts the result back. It never touches the database:
 * the main thread owns leases and heartbeats, so a long CPU-bound scoring cannot starve them.
 */
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { ShardReply } from '../scoring/shard-worker.js';
import { describeFailure, mergeSubmissionShards, planSubmissionShards, scoreSubmission, scoreSubmissionShard, validateSubmission, type ScoreRequest } from './scoring.js';

export type WorkerRequest =
  /** With `unitsPerShard`, a big submission is not scored but cut: the reply is `{ shards: ranges }`. */
  | { id: number; type: 'score'; request: ScoreRequest; unitsPerShard?: number }
  /** One shard, units [from, to): the reply is its ShardReply (text states and items). */
  | { id: number; type: 'shard'; request: ScoreRequest; from: number; to: number }
  /** Every shard's stored result, in unit order: the reply is the ScoreOutcome. */
  | { id: number; type: 'merge'; request: ScoreRequest; ranges: [number, number][]; results: string[] }
  | { id: number; type: 'validate'; request: Omit<ScoreRequest, 'primaryMetric' | 'challengeId'> };

export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; kind: 'invalid' | 'error'; message: string; problems?: unknown[] };

/**
 * Fault injection for the crash test: while the file named by PODIUM_TEST_HOLD_SCORING does
 * not exist, scoring waits (status stays `scoring`), so a test can kill the server mid-job
 * without relying on timing.
 */
async function holdIfAsked(hold = process.env.PODIUM_TEST_HOLD_SCORING): Promise<void> {
  if (!hold) return;
  while (!fs.existsSync(hold)) await new Promise((r) => setTimeout(r, 50));
}

/** The same for model jobs, once the sandbox runs (PODIUM_TEST_HOLD_MODEL): a kill then lands mid-run; shards wait at PODIUM_TEST_HOLD_SHARD. */
const holdModelIfAsked = () => holdIfAsked(process.env.PODIUM_TEST_HOLD_MODEL);

parentPort?.on('message', async (msg: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    if (msg.type === 'validate') {
      reply = { id: msg.id, ok: true, result: await validateSubmission(msg.request) };
    } else if (msg.type === 'shard') {
      await holdIfAsked(process.env.PODIUM_TEST_HOLD_SHARD);
      reply = { id: msg.id, ok: true, result: await scoreSubmissionShard(msg.request, msg.from, msg.to) };
    } else if (msg.type === 'merge') {
      reply = { id: msg.id, ok: true, result: await mergeSubmissionShards(msg.request, msg.ranges, msg.results.map((r) => JSON.parse(r) as ShardReply)) };
    } else {
      const shards = msg.unitsPerShard ? await planSubmissionShards(msg.request, msg.unitsPerShard) : undefined;
      if (shards) reply = { id: msg.id, ok: true, result: { shards } };
      else {
        await holdIfAsked();
        reply = { id: msg.id, ok: true, result: await scoreSubmission(msg.request, { onModelStarted: holdModelIfAsked }) };
      }
    }
  } catch (e) {
    const f = describeFailure(e, msg.request);
    reply = { id: msg.id, ok: false, kind: f.kind, message: f.message, problems: f.problems };
  }
  parentPort!.postMessage(reply);
});
