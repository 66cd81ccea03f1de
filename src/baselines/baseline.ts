/**
 * What a baseline is: something that, given a challenge's data folder, writes a submission
 * file in the challenge's format (and, for a model, a latency report). Scoring is not its
 * business: run.ts scores every submission through the task contract (`loadTask().evaluate`),
 * exactly as a participant's upload is scored.
 */
import type { LatencyReport, LatencySettings } from '../evaluators/latency.js';
import type { RuntimeInfo } from './runtime.js';

export interface BaselineContext {
  /** data/<challenge-id>: the generated or imported data set. */
  dataDir: string;
  /** data/<challenge-id>/baselines/<name>: cached weights and the submission file. */
  workDir: string;
  /** Overrides the baseline's default number of training epochs. */
  epochs?: number;
  /** Retrain even when cached weights exist. */
  retrain: boolean;
  seed: number;
  /** Tests: train on this many samples and predict this many (0 = all). */
  limitTrain?: number;
  /** Stop training after this many optimiser steps (tests use 1). */
  maxSteps?: number;
  latency: LatencySettings | null;
  runtime: RuntimeInfo;
  log(line: string): void;
}

export interface BaselineOutput {
  /** The submission file (or folder / zip) in the challenge's format. */
  submission: string;
  latency?: LatencyReport;
  /** Training summary when the model was trained in this run. */
  trained?: { epochs: number; steps: number; seconds: number; finalLoss: number };
  loadedFromCache?: boolean;
}

export interface Baseline {
  name: string;
  challenge: string;
  description: string;
  /** Learned models train; trivial references (class prior, all-background, oracle, mixture) do not. */
  kind: 'model' | 'pretrained' | 'trivial' | 'oracle';
  run(ctx: BaselineContext): Promise<BaselineOutput>;
}
