/**
 * What a task type supplies to the scoring pipeline (pipeline.ts explains how it is used):
 * its option parser, truth and submission reader (`open`), the stream of scoring units
 * (`produce`, or a ready table), its evaluator and its report extras. Nothing else: splits,
 * resampling, threads, progress and cancellation are the pipeline's.
 */
import type { Evaluator, MetricInfo, Scores } from '../evaluators/evaluator.js';
import type { Problem, ProblemList } from '../problems.js';
import type { TaskName } from '../tasks/task.js';
import type { TaskOptions } from './options.js';
import type { UnitTable } from './units.js';

/** A read and checked submission against its truth, ready to be scored unit by unit. */
export interface OpenedSubmission<Context, Item> {
  /**
   * Everything `produce` and `evaluator` need, as plain data (structured-cloneable: typed
   * arrays, plain objects, file paths), so the same units can be produced in a worker thread.
   */
  context: Context;
  /** One usage code a unit (usage.ts); its length is the number of units. */
  usage: Uint8Array;
  /** The truth marks units Public / Private: the report has `splits`. */
  hasSplits: boolean;
  /** Units already scored while reading (classification's typed arrays): no `produce` step. */
  table?: UnitTable<Item>;
  /**
   * Problems found while opening that do not stop scoring (a missing or misnamed file): they
   * are reported first, together with the units' own problems, so one round trip shows all.
   */
  problems?: ProblemList;
}

/** Where `produce` puts what it finds; unit = the unit's index. */
export interface UnitSink<Item> {
  /** Validation only: problems matter, items may be skipped. */
  readonly checkOnly: boolean;
  item(unit: number, item: Item): void;
  /** A problem with this unit (the unit then has no item). */
  problem(unit: number, problem: Problem): void;
}

export interface TaskDefinition<Options = unknown, Context = unknown, Item = unknown, State = unknown, Result = unknown> {
  readonly name: TaskName;
  /** Evaluator version; stored with every score so rescoring is explainable. */
  readonly version: string;
  /** Typed options; throws OptionError (options.ts) for an unknown key or a bad value. */
  parseOptions(raw: TaskOptions | undefined): Options;
  /** The metrics reported under these options. */
  metrics(options: Options): MetricInfo[];
  /**
   * Reads the truth (its problems marked `fault: 'host'`) and the submission, and checks what
   * can be checked before scoring; throws ValidationError with every problem found.
   */
  open(truthPath: string, submissionPath: string, options: Options): Promise<OpenedSubmission<Context, Item>>;
  /** Scores (or, with sink.checkOnly, only checks) the given units; runs here or in a worker thread. */
  produce?(context: Context, units: Uint32Array, sink: UnitSink<Item>): Promise<void>;
  /** The evaluator, built from the context (also in worker threads). */
  evaluator(context: Context): Evaluator<State, Item, Result>;
  /** The metrics of a finished result (when Result is more than Scores). */
  scores(result: Result): Scores;
  /**
   * Report keys beside task/metrics/splits, from the 'all' result; `items` are every unit's
   * item in unit order (undefined where a unit had none), given when `keepsItems` is set.
   */
  extras(context: Context, all: Result, state: State, items?: readonly (Item | undefined)[]): Record<string, unknown>;
  /** The report needs every unit's item (e.g. per-mixture results), not only the states. */
  readonly keepsItems?: boolean;
  /**
   * Below this much work (`workOf`; by default the number of units), starting threads costs more
   * than it saves (default: never thread); each thread is given at least half of it.
   */
  readonly minUnitsForThreads?: number;
  /**
   * The scoring work of an opened submission, when units differ in cost (detection: its
   * detections, not its images); compared with `minUnitsForThreads`.
   */
  workOf?(context: Context): number;
}
