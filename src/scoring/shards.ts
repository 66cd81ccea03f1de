/**
 * One submission scored in shards that may run in different processes on different machines:
 * each shard is a contiguous range of scoring units, produced from the same truth and file and
 * returned as text (its three evaluator states and its units' items, state-codec.ts); whoever
 * holds every shard's text merges them in unit order and builds the report and the resamplers,
 * equal to one pass's, bit for bit (the same merge the scoring threads use, produce.ts).
 * Only tasks that produce units one by one can be split; a ready table (classification) is
 * scored whole: its cost is reading the file, which every shard would repeat.
 */
import type { EvaluateOptions, EvaluateResult } from '../tasks/task.js';
import { reportOf, throwProblems } from './pipeline.js';
import { contiguousRanges, keptItems, mergeParts, placeItems, produceHere, type Produced, type ShardPart } from './produce.js';
import { decodeState, encodeState } from './state-codec.js';
import type { ShardReply } from './shard-worker.js';
import type { TaskDefinition } from './task-definition.js';
import { itemTable } from './units.js';
import { unitsByRoute } from './usage.js';

/** Ranges of at most `unitsPerShard` units, or undefined when the submission is scored whole. */
export async function planShards(def: TaskDefinition, truthPath: string, submissionPath: string, rawOptions: EvaluateOptions['options'], unitsPerShard: number): Promise<[number, number][] | undefined> {
  if (!def.produce || unitsPerShard < 1) return undefined;
  const opened = await def.open(truthPath, submissionPath, def.parseOptions(rawOptions));
  const n = opened.usage.length;
  if (opened.table || n <= unitsPerShard) return undefined;
  return contiguousRanges(n, Math.ceil(n / unitsPerShard));
}

/** Produces units [from, to) with their items kept (the merger's bootstrap resamples them). */
export async function scoreShard(def: TaskDefinition, truthPath: string, submissionPath: string, rawOptions: EvaluateOptions['options'], from: number, to: number): Promise<ShardReply> {
  const opened = await def.open(truthPath, submissionPath, def.parseOptions(rawOptions));
  if (opened.table || !def.produce) throw new Error(`scoring: ${def.name} cannot be scored in shards`);
  if (!(0 <= from && from < to && to <= opened.usage.length)) throw new Error(`scoring: shard [${from}, ${to}) is outside the ${opened.usage.length} units`);
  const evaluator = def.evaluator(opened.context);
  const units = Uint32Array.from({ length: to - from }, (_, i) => from + i);
  const produced = await produceHere(def, evaluator, { context: opened.context, usage: opened.usage, units, keepItems: true, checkOnly: false }, () => undefined);
  return encodeReply(produced);
}

/**
 * Merges every shard's reply (`ranges[i]` produced `replies[i]`, in unit order, covering every
 * unit) into the report and resamplers, as `evaluateWith` returns them; problems found by any
 * shard are thrown together, in unit order.
 */
export async function evaluateShards(def: TaskDefinition, truthPath: string, submissionPath: string, ranges: [number, number][], replies: ShardReply[], opts: EvaluateOptions): Promise<EvaluateResult> {
  const opened = await def.open(truthPath, submissionPath, def.parseOptions(opts.options));
  const n = opened.usage.length;
  let next = 0;
  for (const [from, to] of ranges) {
    if (from !== next || to <= from) break;
    next = to;
  }
  if (next !== n || ranges.length !== replies.length) throw new Error(`scoring: the shards do not cover the ${n} units once, in order`);
  const evaluator = def.evaluator(opened.context);
  const items: unknown[] = new Array(n);
  const produced = mergeParts(evaluator, replies.map((r) => decodeReply(r, items)), items);
  throwProblems(opened.problems, produced);
  return reportOf(def, opened, evaluator, unitsByRoute(opened.usage), produced.states, items, itemTable(items), opts);
}

/** A shard's result as text (state-codec.ts), to cross a process or a machine (threads transfer it as it is). */
export function encodeReply<State, Item>(produced: Produced<State, Item> & ShardPart<State>): ShardReply {
  const kept = produced.items ? keptItems(produced.items) : undefined;
  // One text, so what states and items share (detection's matched chunks) is written once.
  return { data: encodeState({ states: produced.states, items: kept?.items ?? [] }), itemUnits: kept?.units, problems: produced.unitProblems, problemTotal: produced.problemTotal };
}

/** A shard's reply decoded; its kept items go into `items` (by unit) when given. */
export function decodeReply<State, Item>(reply: ShardReply, items?: (Item | undefined)[]): ShardPart<State> {
  const data = decodeState<{ states: [State, State, State]; items: Item[] }>(reply.data);
  if (items && reply.itemUnits) placeItems(items, reply.itemUnits, data.items);
  return { states: data.states, unitProblems: reply.problems, problemTotal: reply.problemTotal };
}
