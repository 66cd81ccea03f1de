/**
 * A scoring thread (scoring-threads.ts starts it, often before its work is known): loads its
 * task at once, then waits for one shard of units, produces it and posts back its three states
 * and, when asked, its units' items. They are plain data (the evaluator
 * contract), so they cross as they are: their typed arrays' buffers are transferred, not copied
 * (thread-data.ts), and an object several items share (a matched chunk) arrives once. The
 * context's large arrays come on shared memory. Progress is posted in small batches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadDefinition } from '../tasks/registry.js';
import { keptItems, produceHere, type UnitProblem } from './produce.js';
import { transferList } from './thread-data.js';

export interface ShardRequest<Context = unknown> {
  context: Context;
  usage: Uint8Array;
  units: Uint32Array;
  keepItems: boolean;
  checkOnly: boolean;
}

/** A shard as a scoring thread posts it: plain states and items (transferred). */
export interface ThreadReply<State = unknown, Item = unknown> {
  /** all, public, private. */
  states: [State, State, State];
  /** When asked for: the units that have an item, and their items in the same order. */
  items?: { units: Uint32Array; items: Item[] };
  problems: UnitProblem[];
  problemTotal: number;
}

const definition = loadDefinition((workerData as { task: string }).task);
// Awaited when the shard comes; a thread stopped unused must not die of an unhandled rejection.
definition.catch(() => undefined);

/**
 * A shard as text (shards.ts encodeReply), for a process or a machine: what `podium worker`
 * stores for a shard job.
 */
export interface ShardReply {
  /** `{ states: [all, public, private], items }` as one text (state-codec.ts: shared objects once). */
  data: string;
  /** The units that have an item, in the order of `items` in `data`, when asked for. */
  itemUnits?: number[];
  problems: UnitProblem[];
  problemTotal: number;
}

async function produceShard(request: ShardRequest): Promise<ThreadReply> {
  const def = await definition;
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
  let items: ThreadReply['items'];
  if (produced.items) {
    const kept = keptItems(produced.items);
    items = { units: Uint32Array.from(kept.units), items: kept.items };
  }
  return { states: produced.states, items, problems: produced.unitProblems, problemTotal: produced.problemTotal };
}

parentPort!.once('message', (msg: { type: 'shard'; request: ShardRequest }) => {
  produceShard(msg.request)
    .then((reply) => {
      const message = { type: 'done', reply };
      parentPort!.postMessage(message, transferList(message));
    })
    .catch((e: unknown) => parentPort!.postMessage({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
});
