/**
 * The scoring pipeline: one path from a truth and a submission to a report, for every task.
 * It owns routing units into the all / public / private states (one pass), keeping per-unit
 * items for bootstrap resampling, spreading units over worker threads and merging their
 * states, progress and cancellation. Callers (CLI, server, baselines) get a `Task` from
 * `loadTask` (tasks/registry.ts), which is `taskFromDefinition` of the task's definition.
 *
 * ## How to add a task
 * One folder `src/tasks/<name>/` whose index.ts exports `definition: TaskDefinition`
 * (task-definition.ts), one evaluator in `src/evaluators/` (the contract in evaluator.ts,
 * checked by test/scoring/contract.test.ts), one line in tasks/registry.ts. The definition
 * supplies only:
 * - `parseOptions`: typed options via `parseOptions(raw, specs)`, the task's option specs (options.ts),
 *   unknown keys refused;
 * - `open(truth, submission, options)`: reads the truth (problems `fault: 'host'`) and the
 *   submission, returns `{ context, usage, hasSplits }`: plain data, one usage code a unit;
 * - `produce(context, units, sink)`: for each unit index, `sink.item(unit, item)` or
 *   `sink.problem(unit, problem)`; it may run in a worker thread, so it uses the context only;
 * - `evaluator(context)`, `scores(result)` and `extras(...)` for the report's other keys.
 *
 * A tiny example, a task scoring one number a unit by mean absolute error:
 *
 *     export const definition: TaskDefinition<{}, { truth: number[]; guess: number[] }, number, MaeState> = {
 *       name: 'mae', version: MAE_VERSION,
 *       parseOptions: (raw) => parseOptions(raw, {}),
 *       metrics: () => [...MAE_METRICS],
 *       async open(truthPath, submissionPath) {
 *         const truth = readNumbers(truthPath, { fault: 'host' });
 *         const guess = readNumbers(submissionPath);
 *         return { context: { truth, guess }, usage: new Uint8Array(truth.length), hasSplits: false };
 *       },
 *       async produce({ truth, guess }, units, sink) {
 *         for (const u of units) sink.item(u, Math.abs(truth[u]! - guess[u]!));
 *       },
 *       evaluator: () => maeEvaluator, // create / add / merge(states) / finish
 *       scores: (result) => result,
 *       extras: () => ({}),
 *       minUnitsForThreads: 100, // optional: spread over threads past this many units
 *     };
 */
import type { Evaluator, Scores } from '../evaluators/evaluator.js';
import { DEFAULT_PROBLEM_CAP, ValidationError, type Problem, type ProblemList } from '../problems.js';
import type { EvaluateOptions, EvaluateResult, ScoreReport, Task } from '../tasks/task.js';
import { contextFor, produceAll } from './produce.js';
import type { OpenedSubmission, TaskDefinition } from './task-definition.js';
import { addUnits, itemTable, type UnitTable } from './units.js';
import { unitsByRoute } from './usage.js';

/** Reads, checks and scores a submission; see the file comment. */
export async function evaluateWith<O, C, I, S, R>(
  def: TaskDefinition<O, C, I, S, R>,
  truthPath: string,
  submissionPath: string,
  opts: EvaluateOptions = {},
): Promise<EvaluateResult> {
  const options = def.parseOptions(opts.options);
  opts.signal?.throwIfAborted();
  return evaluateOpened(def, await def.open(truthPath, submissionPath, options), opts);
}

async function evaluateOpened<O, C, I, S, R>(def: TaskDefinition<O, C, I, S, R>, opened: OpenedSubmission<C, I>, opts: EvaluateOptions): Promise<EvaluateResult> {
  const context = opened.table ? opened.context : await contextFor(def, opened.context, opened.usage.length, opts);
  const evaluator = def.evaluator(context);
  const routes = unitsByRoute(opened.usage);
  let table: UnitTable<I>;
  let states: [S, S, S];
  let items: readonly (I | undefined)[] | undefined;
  if (opened.table) {
    opened.problems?.throwIfAny();
    table = opened.table;
    states = routes.map((units) => {
      const state = evaluator.create();
      addUnits(evaluator, state, table, units);
      return state;
    }) as [S, S, S];
    opts.onProgress?.(opened.usage.length, opened.usage.length);
  } else {
    const keepItems = !!opts.withResamplers || !!def.keepsItems;
    const produced = await produceAll(def, evaluator, { context, usage: opened.usage, keepItems, checkOnly: false }, opts);
    throwProblems(opened.problems, produced);
    states = produced.states;
    items = produced.items;
    table = itemTable(items ?? []);
  }
  return reportOf(def, { ...opened, context }, evaluator, routes, states, items, table, opts);
}

/**
 * The report (and, when asked, the resamplers) from the three merged states and the kept
 * items: the same for one pass, threads, or shards scored on other machines (shards.ts).
 */
export async function reportOf<O, C, I, S, R>(
  def: TaskDefinition<O, C, I, S, R>,
  opened: OpenedSubmission<C, I>,
  evaluator: Evaluator<S, I, R>,
  routes: [Uint32Array, Uint32Array, Uint32Array],
  states: [S, S, S],
  items: readonly (I | undefined)[] | undefined,
  table: UnitTable<I>,
  opts: EvaluateOptions,
): Promise<EvaluateResult> {
  const all = evaluator.finish(states[0]);
  const report: ScoreReport = {
    task: def.name,
    metrics: def.scores(all),
    ...(opened.hasSplits && { splits: { public: def.scores(evaluator.finish(states[1])), private: def.scores(evaluator.finish(states[2])) } }),
    ...def.extras(opened.context, all, states[0], items),
  };
  const result: EvaluateResult = { report };
  if (opts.withResamplers) {
    // Loaded when asked for (the server's bootstrap), not on every command-line run.
    const { unitResampler } = await import('./resampler.js');
    const resampler = (members: Uint32Array) => unitResampler(evaluator, table, members, (r: R): Scores => def.scores(r));
    result.resamplers = {
      all: resampler(routes[0]),
      ...(opened.hasSplits && { public: resampler(routes[1]), private: resampler(routes[2]) }),
    };
  }
  return result;
}

/** Only checks: every problem of the submission (or the truth), thrown as one ValidationError. */
export async function validateWith<O, C, I, S, R>(def: TaskDefinition<O, C, I, S, R>, truthPath: string, submissionPath: string, opts: EvaluateOptions = {}): Promise<void> {
  const options = def.parseOptions(opts.options);
  const opened = await def.open(truthPath, submissionPath, options);
  if (opened.table || !def.produce) return opened.problems?.throwIfAny();
  const context = await contextFor(def, opened.context, opened.usage.length, opts);
  const evaluator = def.evaluator(context);
  const produced = await produceAll(def, evaluator, { context, usage: opened.usage, keepItems: false, checkOnly: true }, opts);
  throwProblems(opened.problems, produced);
}

/** The problems of opening, then the units' in unit order, as one ValidationError (capped). */
export function throwProblems(first: ProblemList | undefined, produced: { problems: Problem[]; problemTotal: number }): void {
  const total = (first?.total ?? 0) + produced.problemTotal;
  if (total === 0) return;
  throw new ValidationError([...(first?.items ?? []), ...produced.problems].slice(0, DEFAULT_PROBLEM_CAP), total);
}

/** The `Task` callers use, built from a definition. */
export function taskFromDefinition<O, C, I, S, R>(def: TaskDefinition<O, C, I, S, R>): Task {
  return {
    name: def.name,
    version: def.version,
    metrics: (raw) => def.metrics(def.parseOptions(raw)),
    checkOptions: (raw) => void def.parseOptions(raw),
    evaluate: (truth, submission, opts) => evaluateWith(def, truth, submission, opts),
    validate: (truth, submission, opts) => validateWith(def, truth, submission, opts),
  };
}
