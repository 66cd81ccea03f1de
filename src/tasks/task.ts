/**
 * A task type as its callers see it (the CLI, the server's scoring workers, the baselines):
 * metrics, validate, evaluate. Every task is built by the scoring pipeline from what the task
 * supplies (src/scoring/task-definition.ts); `loadTask` in registry.ts gives one by name.
 */
import type { MetricInfo, Scores } from '../evaluators/evaluator.js';
import type { ExecutionPolicy } from '../scoring/produce.js';
import type { Resampler } from '../scoring/resampler.js';
import type { TaskOptions } from '../scoring/options.js';

export type { Resampler } from '../scoring/resampler.js';
export type { TaskOptions } from '../scoring/options.js';

export const TASK_NAMES = ['classification', 'segmentation', 'detection', 'separation', 'fluorescence', 'stabilization'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

export interface ScoreReport {
  task: TaskName;
  /** Scores over all non-ignored truth items. */
  metrics: Scores;
  /** Present when the truth marks items Public / Private. */
  splits?: { public?: Scores; private?: Scores };
  /** Extra keys are allowed: per-class values, per-mixture results, curves. */
  [extra: string]: unknown;
}

/** What to score and how: task options, resamplers, and the caller's execution policy. */
export interface EvaluateOptions extends ExecutionPolicy {
  options?: TaskOptions;
  /** Ask for resamplers (per split) so the caller can bootstrap confidence intervals. */
  withResamplers?: boolean;
}

export interface EvaluateResult {
  report: ScoreReport;
  /** Only when `withResamplers` was asked for; keys: all, public, private. */
  resamplers?: { all: Resampler; public?: Resampler; private?: Resampler };
}

export interface Task {
  readonly name: TaskName;
  /** Evaluator version; stored with every score so rescoring is explainable. */
  readonly version: string;
  /** The metrics this task reports under the given options (throws OptionError for bad options). */
  metrics(options?: TaskOptions): MetricInfo[];
  /** Checks options only; throws OptionError naming the key. */
  checkOptions(options?: TaskOptions): void;
  /** Reads truth and submission, validates, scores. Throws ValidationError for bad input. */
  evaluate(truthPath: string, submissionPath: string, opts?: EvaluateOptions): Promise<EvaluateResult>;
  /** Only checks the submission against the truth; throws ValidationError with all problems. */
  validate(truthPath: string, submissionPath: string, opts?: EvaluateOptions): Promise<void>;
}
