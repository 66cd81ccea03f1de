/**
 * Producing scored units and routing each to the all / public / private states in one pass,
 * here or spread over worker threads (shard-worker.ts) whose states are merged. The threads
 * read the context from shared memory and hand their states back by transfer
 * (thread-data.ts): a second thread costs no copies of the data, only its start.
 * Problems carry their unit, so they come out in truth order however the work was split.
 */
import type { Evaluator } from '../evaluators/evaluator.js';
import { DEFAULT_PROBLEM_CAP, type Problem } from '../problems.js';
import type { ThreadReply } from './shard-worker.js';
import type { ScoringThreads } from './scoring-threads.js';
import type { TaskDefinition, UnitSink } from './task-definition.js';
import { USAGE_IGNORED, USAGE_PRIVATE, USAGE_PUBLIC } from './usage.js';

/** How to run: from the caller (command line, server), never from a task. */
export interface ExecutionPolicy {
  /** Threads to spread units over: this one and threads - 1 scoring threads. Ignored inside a worker thread. */
  threads?: number;
  /** Called as units are done: (done, total). */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface UnitProblem {
  unit: number;
  problem: Problem;
}

export interface Produced<State, Item> {
  /** all, public, private */
  states: [State, State, State];
  /** Per unit, when kept (undefined where the unit had a problem). */
  items?: (Item | undefined)[];
  /** The first problems in unit order (capped), and how many there were. */
  problems: Problem[];
  problemTotal: number;
}

interface ProduceRequest<Context> {
  context: Context;
  usage: Uint8Array;
  units: Uint32Array;
  keepItems: boolean;
  checkOnly: boolean;
}

/** Produces `units` on this thread: the task's own loop, with routing and problem order here. */
export async function produceHere<Context, Item, State>(
  def: TaskDefinition<unknown, Context, Item, State>,
  evaluator: Evaluator<State, Item, unknown>,
  req: ProduceRequest<Context>,
  onUnit: () => void,
  signal?: AbortSignal,
): Promise<Produced<State, Item> & { unitProblems: UnitProblem[] }> {
  const states: [State, State, State] = [evaluator.create(), evaluator.create(), evaluator.create()];
  const items: (Item | undefined)[] | undefined = req.keepItems ? new Array(req.usage.length) : undefined;
  const found: UnitProblem[] = [];
  let total = 0;
  const sink: UnitSink<Item> = {
    checkOnly: req.checkOnly,
    item(unit, item) {
      signal?.throwIfAborted();
      onUnit();
      if (items) items[unit] = item;
      if (req.checkOnly) return;
      const code = req.usage[unit]!;
      if (code === USAGE_IGNORED) return;
      evaluator.add(states[0], item);
      if (code === USAGE_PUBLIC) evaluator.add(states[1], item);
      else if (code === USAGE_PRIVATE) evaluator.add(states[2], item);
    },
    problem(unit, problem) {
      signal?.throwIfAborted();
      total++;
      found.push({ unit, problem });
    },
  };
  await def.produce!(req.context, req.units, sink);
  const ordered = inUnitOrder(found);
  return { states, items, problems: ordered.slice(0, DEFAULT_PROBLEM_CAP).map((p) => p.problem), unitProblems: ordered.slice(0, DEFAULT_PROBLEM_CAP), problemTotal: total };
}

/** Stable sort by unit: a unit's own problems keep the order they were found in. */
function inUnitOrder(found: UnitProblem[]): UnitProblem[] {
  return found.map((p, i) => ({ p, i })).sort((a, b) => a.p.unit - b.p.unit || a.i - b.i).map((x) => x.p);
}

/** Threads to use for `units` units (of the given context's work) under the policy and the task's threshold. */
export function threadsFor(def: TaskDefinition, units: number, policy: ExecutionPolicy, context?: unknown): number {
  const asked = Math.max(1, Math.floor(policy.threads ?? 1));
  const work = def.workOf && context !== undefined ? def.workOf(context) : units;
  if (asked <= 1 || def.minUnitsForThreads === undefined || work < def.minUnitsForThreads || !onMainThread()) return 1;
  return Math.min(asked, units, Math.ceil(work / Math.max(1, def.minUnitsForThreads / 2)));
}

/**
 * Whether this is the process's main thread (scoring threads are never nested). node:worker_threads
 * is looked up only here, when threads are wanted: loading it costs ~4 ms that a one-thread run
 * (every classification) does not pay.
 */
function onMainThread(): boolean {
  return process.getBuiltinModule('node:worker_threads').isMainThread;
}

/** Units 0..n-1 cut into `parts` contiguous [from, to) ranges of near-equal size, in order. */
export function contiguousRanges(n: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, s) => [Math.floor((s * n) / parts), Math.floor(((s + 1) * n) / parts)]);
}


/**
 * The context to produce `units` units from: its large arrays moved to shared memory when the
 * units will be spread over threads (so this thread and the scoring threads read one copy).
 */
export async function contextFor<Context>(def: TaskDefinition, context: Context, units: number, policy: ExecutionPolicy): Promise<Context> {
  return threadsFor(def, units, policy, context) > 1 ? shared(context) : context;
}

/** The context's large arrays on shared memory; thread-data.ts is loaded only when threads are used. */
async function shared<Context>(context: Context): Promise<Context> {
  return (await import('./thread-data.js')).shareTypedArrays(context);
}

/**
 * Produces every unit, on this thread alone or with threads - 1 scoring threads (taken from
 * `started` when given), and merges the states.
 */
export async function produceAll<Context, Item, State>(
  def: TaskDefinition<unknown, Context, Item, State>,
  evaluator: Evaluator<State, Item, unknown>,
  req: Omit<ProduceRequest<Context>, 'units'>,
  policy: ExecutionPolicy,
  started?: ScoringThreads,
): Promise<Produced<State, Item>> {
  const n = req.usage.length;
  const threads = threadsFor(def, n, policy, req.context);
  let done = 0;
  const tick = () => policy.onProgress?.(++done, n);
  policy.signal?.throwIfAborted();
  if (threads <= 1) {
    started?.close();
    const units = Uint32Array.from({ length: n }, (_, i) => i);
    return produceHere(def, evaluator, { ...req, units }, tick, policy.signal);
  }
  req = { ...req, context: await shared(req.context) };
  // Contiguous shards, merged in order: the merged state lists units in truth order, exactly
  // as one pass would (order matters for float sums, e.g. separation's means).
  const shards = contiguousRanges(n, threads).map(([from, to]) => Uint32Array.from({ length: to - from }, (_, i) => from + i));
  // This thread scores the first shard itself while scoring threads score the others.
  // The first failure (or the caller's abort) stops every shard.
  const stop = new AbortController();
  const signal = policy.signal ? AbortSignal.any([policy.signal, stop.signal]) : stop.signal;
  // Loaded here, not at the top: a run on one thread (every small submission, classification
  // always) never loads the thread machinery.
  const pool = started ?? new (await import('./scoring-threads.js')).ScoringThreads(def.name);
  const others = shards.slice(1).map((units) => pool.run<Context, State, Item>({ ...req, units }, tick, signal));
  const here = produceHere(def, evaluator, { ...req, units: shards[0]! }, tick, signal);
  let first: Awaited<typeof here>;
  let replies: ThreadReply<State, Item>[];
  try {
    [first, ...replies] = await Promise.all([here, ...others]);
  } catch (e) {
    stop.abort(e);
    await Promise.allSettled([here, ...others]);
    throw e;
  }
  const items: (Item | undefined)[] | undefined = first.items;
  return mergeParts(evaluator, [first, ...replies.map((r) => threadPart(r, items))], items);
}

/** A scoring thread's reply as a shard part; its kept items go into `items` (by unit) when given. */
function threadPart<State, Item>(reply: ThreadReply<State, Item>, items?: (Item | undefined)[]): ShardPart<State> {
  if (items && reply.items) placeItems(items, reply.items.units, reply.items.items);
  return { states: reply.states, unitProblems: reply.problems, problemTotal: reply.problemTotal };
}

/**
 * The units that have an item, and their items in the same order: how a shard's kept items
 * travel (to this thread, or as text to another process).
 */
export function keptItems<Item>(items: readonly (Item | undefined)[]): { units: number[]; items: Item[] } {
  const units: number[] = [];
  const kept: Item[] = [];
  items.forEach((item, unit) => {
    if (item === undefined) return;
    units.push(unit);
    kept.push(item);
  });
  return { units, items: kept };
}

/** A shard's kept items put back into `into` by unit (keptItems' inverse). */
export function placeItems<Item>(into: (Item | undefined)[], units: ArrayLike<number>, items: readonly Item[]): void {
  for (let i = 0; i < units.length; i++) into[units[i]!] = items[i];
}

/** What one shard produced: its three states (all, public, private), its problems, how many. */
export interface ShardPart<State> {
  states: [State, State, State];
  unitProblems: UnitProblem[];
  problemTotal: number;
}

/**
 * Shards merged in the order given (contiguous unit ranges in unit order: the merged state lists
 * units in truth order, exactly as one pass would); problems in unit order, capped.
 */
export function mergeParts<State, Item>(evaluator: Evaluator<State, Item, unknown>, parts: ShardPart<State>[], items?: (Item | undefined)[]): Produced<State, Item> {
  const states = [0, 1, 2].map((k) => evaluator.merge(parts.map((p) => p.states[k]!))) as [State, State, State];
  const unitProblems = parts.flatMap((p) => p.unitProblems);
  const problemTotal = parts.reduce((n, p) => n + p.problemTotal, 0);
  return { states, items, problems: inUnitOrder(unitProblems).slice(0, DEFAULT_PROBLEM_CAP).map((p) => p.problem), problemTotal };
}
