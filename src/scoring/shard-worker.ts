/**
 * A scoring thread (produce.ts starts it): produces one shard of units of one task and posts
 * back its three states and, when asked, its units' items, serialised by state-codec.ts (the
 * same text could cross a process or a machine). Progress is posted in small batches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadDefinition } from '../tasks/registry.js';
import { encodeReply, produceHere, type UnitProblem } from './produce.js';

export interface ShardRequest<Context = unknown> {
  task: string;
  context: Context;
  usage: Uint8Array;
  units: Uint32Array;
  keepItems: boolean;
  checkOnly: boolean;
}

export interface ShardReply {
  /** all, public, private, encoded. */
  states: string[];
  /** [unit, encoded item] for the units that have one, when asked for. */
  items?: [number, string][];
  problems: UnitProblem[];
  problemTotal: number;
}

async function main(request: ShardRequest): Promise<ShardReply> {
  const def = await loadDefinition(request.task);
  const evaluator = def.evaluator(request.context);
  let pending = 0;
  let last = Date.now();
  const tick = () => {
    pending++;
    const now = Date.now();
    if (now - last >= 100) {
      parentPort!.postMessage({ type: 'progress', units: pending });
      pending = 0;
      last = now;
    }
  };
  const produced = await produceHere(def, evaluator, request, tick);
  if (pending > 0) parentPort!.postMessage({ type: 'progress', units: pending });
  return encodeReply(produced);
}

main(workerData as ShardRequest)
  .then((reply) => parentPort!.postMessage({ type: 'done', reply }))
  .catch((e: unknown) => parentPort!.postMessage({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
