/**
 * Scoring one stored submission through the task contract, with bootstrap intervals on the
 * primary metric for each split. Runs inside a worker thread (worker.ts) for the server, and
 * in-process for baselines. Knows nothing of SQL or HTTP.
 */
import { ValidationError, formatProblem, type Problem } from '../problems.js';
import { loadTask } from '../tasks/registry.js';
import type { Resampler, TaskOptions } from '../tasks/task.js';
import { bootstrapInterval, DEFAULT_BOOTSTRAP_SAMPLES, seedOf } from './bootstrap.js';
import type { Split, SplitScore } from './store.js';

export interface ScoreRequest {
  challengeId: string;
  task: string;
  truth: string;
  options: TaskOptions;
  primaryMetric: string;
  file: string;
  bootstrapSamples?: number;
}

export interface ScoreOutcome {
  version: string;
  splits: SplitScore[];
}

/** Why a submission could not be scored: its own fault ('invalid') or not ('error'). */
export interface ScoreFailure {
  kind: 'invalid' | 'error';
  message: string;
  problems?: Problem[];
}

export async function scoreSubmission(req: ScoreRequest): Promise<ScoreOutcome> {
  const task = await loadTask(req.task);
  const { report, resamplers } = await task.evaluate(req.truth, req.file, { options: req.options, withResamplers: true });
  const samples = req.bootstrapSamples ?? DEFAULT_BOOTSTRAP_SAMPLES;
  const splitScore = (split: Split, metrics: Record<string, number | null>, resampler: Resampler | undefined): SplitScore => {
    const primary = metrics[req.primaryMetric];
    const value = typeof primary === 'number' && Number.isFinite(primary) ? primary : null;
    const interval = resampler && value !== null
      ? bootstrapInterval(resampler, req.primaryMetric, seedOf(`${req.challengeId}/${split}`), samples)
      : undefined;
    return {
      split, metrics, primary_value: value,
      ci_low: interval?.low ?? null, ci_high: interval?.high ?? null, bootstrap_samples: interval?.samples ?? 0,
    };
  };
  const splits = [splitScore('all', report.metrics, resamplers?.all)];
  if (report.splits?.public) splits.push(splitScore('public', report.splits.public, resamplers?.public));
  if (report.splits?.private) splits.push(splitScore('private', report.splits.private, resamplers?.private));
  return { version: task.version, splits };
}

/** Validation only (before a submission is queued); resolves to the problems, empty when valid. */
export async function validateSubmission(req: Omit<ScoreRequest, 'primaryMetric' | 'challengeId'>): Promise<Problem[]> {
  const task = await loadTask(req.task);
  try {
    await task.validate(req.truth, req.file, { options: req.options });
    return [];
  } catch (e) {
    if (e instanceof ValidationError) {
      const extra = e.total - e.problems.length;
      return extra > 0 ? [...e.problems, { file: e.problems[0]?.file ?? 'submission', message: `and ${extra} more problems` }] : e.problems;
    }
    throw e;
  }
}

/** Turns anything thrown while scoring into a reason a participant can read. */
export function describeFailure(e: unknown): ScoreFailure {
  if (e instanceof ValidationError) {
    return { kind: 'invalid', message: e.problems.map(formatProblem).slice(0, 5).join('; ') || e.message, problems: e.problems };
  }
  const err = e as Error;
  return { kind: 'error', message: `scoring failed: ${err?.message ?? String(e)}` };
}
