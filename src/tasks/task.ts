/**
 * A task type (classification, segmentation, detection, separation): it knows how to read a
 * truth, read and validate a submission, and which evaluator scores it. The CLI, the server's
 * scoring workers and the baselines all go through this contract, via `loadTask` in registry.ts.
 */
import type { MetricInfo, Scores } from '../evaluators/evaluator.js';

export const TASK_NAMES = ['classification', 'segmentation', 'detection', 'separation', 'fluorescence'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** Task-specific evaluator options from a challenge definition (`options:`), e.g. `{ predictions: 3 }`. */
export type TaskOptions = Record<string, unknown>;

/** Draws the score of a resampled set of truth items, for bootstrap intervals. */
export interface Resampler {
  /** Number of truth items (rows, images, mixtures) that can be drawn. */
  readonly size: number;
  /** Scores of the multiset of items given by index (0..size-1, repeats allowed). */
  score(indices: Uint32Array): Scores;
}

export interface ScoreReport {
  task: TaskName;
  /** Scores over all non-ignored truth items. */
  metrics: Scores;
  /** Present when the truth marks items Public / Private. */
  splits?: { public?: Scores; private?: Scores };
  /** Extra keys are allowed: per-class values, per-mixture results, curves. */
  [extra: string]: unknown;
}

export interface EvaluateOptions {
  options?: TaskOptions;
  /** Ask for resamplers (per split) so the caller can bootstrap confidence intervals. */
  withResamplers?: boolean;
  /** Directory for temporary files (never outside it). */
  workDir?: string;
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
  /** The metrics this task reports under the given options. */
  metrics(options?: TaskOptions): MetricInfo[];
  /** Reads truth and submission, validates, scores. Throws ValidationError for bad input. */
  evaluate(truthPath: string, submissionPath: string, opts?: EvaluateOptions): Promise<EvaluateResult>;
  /** Only checks the submission against the truth; throws ValidationError with all problems. */
  validate(truthPath: string, submissionPath: string, opts?: EvaluateOptions): Promise<void>;
}
