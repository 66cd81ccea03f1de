/**
 * Scoring one stored submission through the task contract, with bootstrap intervals on the
 * primary metric for each split. Runs inside a worker thread (worker.ts) for the server, and
 * in-process for baselines. Knows nothing of SQL or HTTP.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isHostFault, ValidationError, formatProblem, type Problem } from '../problems.js';
import { loadDefinition, loadTask } from '../tasks/registry.js';
import type { EvaluateResult, Resampler, ScoreReport, TaskOptions } from '../tasks/task.js';
import { evaluateShards, planShards, scoreShard } from '../scoring/shards.js';
import type { ShardReply } from '../scoring/shard-worker.js';
import type { Scores } from '../evaluators/evaluator.js';
import { nameProblems } from './problem-names.js';
import { bootstrapInterval, DEFAULT_BOOTSTRAP_SAMPLES, seedOf } from './bootstrap.js';
import { StoredFileMissing } from './storage.js';
import type { ScoreExtras, Split, SplitScore } from './store.js';
import type { ModelTrack, SubmissionKind } from '../challenges/model-track.js';
import { isModelUpload, runModelJob, validateModelUpload } from '../models/score-model.js';
import { ModelFailure } from '../models/session.js';

export interface ScoreRequest {
  challengeId: string;
  task: string;
  truth: string;
  options: TaskOptions;
  primaryMetric: string;
  file: string;
  bootstrapSamples?: number;
  /** The challenge's model track, when it takes models: a `.onnx` upload then runs as a model job. */
  model?: ModelTrack;
  /** What the challenge takes (default: files only). */
  kinds?: SubmissionKind[];
}

/** Hooks of the server's fault-injection tests. */
export interface ScoreHooks {
  /** Called once a model job's sandbox is up. */
  onModelStarted?: () => Promise<void>;
}

export interface ScoreOutcome {
  version: string;
  splits: SplitScore[];
  /** A model job's latency, cost and environment, stored with the submission. */
  latency?: Record<string, unknown>;
}

/**
 * A file already scored by these rules (outcomeOf, with `bootstrapSamples` resamples), named by
 * its sha256: recording that same file as a baseline can store this outcome instead of scoring
 * the file a second time.
 */
export interface ScoredFile {
  sha256: string;
  bootstrapSamples: number;
  outcome: ScoreOutcome;
}

/** Why a submission could not be scored: its own fault ('invalid') or not ('error'). */
export interface ScoreFailure {
  kind: 'invalid' | 'error';
  message: string;
  problems?: Problem[];
}

/** Scores through the pipeline on this thread only: the server's pool already spreads jobs over threads. */
export async function scoreSubmission(req: ScoreRequest, hooks: ScoreHooks = {}): Promise<ScoreOutcome> {
  // A stored file that is gone is the server's problem, not an invalid file of the participant's.
  if (!fs.existsSync(req.file)) throw new StoredFileMissing();
  if (req.model && isModelUpload(req.file)) {
    // The model's predictions become the task's ordinary file, scored below exactly like an upload.
    return runModelJob({ ...req, model: req.model }, (file) => scoreSubmission({ ...req, file, model: undefined }), { onStarted: hooks.onModelStarted });
  }
  const task = await loadTask(req.task);
  const evaluated = await task.evaluate(req.truth, req.file, { options: req.options, withResamplers: true, threads: 1 });
  return outcomeOf(req, task.version, evaluated);
}

/**
 * A job too big for one worker: the ranges of scoring units it is cut into (each a shard job
 * any worker may claim), or undefined to score it whole (small, a model, or a task that reads
 * a ready table). Only asked when the process was given --shard-units.
 */
export async function planSubmissionShards(req: ScoreRequest, unitsPerShard: number): Promise<[number, number][] | undefined> {
  if (!fs.existsSync(req.file)) throw new StoredFileMissing();
  if (req.model && isModelUpload(req.file)) return undefined;
  return planShards(await loadDefinition(req.task), req.truth, req.file, req.options, unitsPerShard);
}

/** One shard of a submission: units [from, to), as text for the shard's row. */
export async function scoreSubmissionShard(req: ScoreRequest, from: number, to: number): Promise<ShardReply> {
  if (!fs.existsSync(req.file)) throw new StoredFileMissing();
  return scoreShard(await loadDefinition(req.task), req.truth, req.file, req.options, from, to);
}

/** Every shard's text merged into the submission's scores: the same outcome as scoreSubmission's, exactly. */
export async function mergeSubmissionShards(req: ScoreRequest, ranges: [number, number][], replies: ShardReply[]): Promise<ScoreOutcome> {
  if (!fs.existsSync(req.file)) throw new StoredFileMissing();
  const def = await loadDefinition(req.task);
  return outcomeOf(req, def.version, await evaluateShards(def, req.truth, req.file, ranges, replies, { options: req.options, withResamplers: true }));
}

/**
 * Scores per split with bootstrap intervals on the primary metric, from an evaluation with
 * resamplers; exported so a baseline run that has already evaluated its file need not score it again.
 */
export function outcomeOf(req: ScoreRequest, version: string, { report, resamplers }: EvaluateResult): ScoreOutcome {
  const samples = req.bootstrapSamples ?? DEFAULT_BOOTSTRAP_SAMPLES;
  // Boards rank on public and private; with those present the 'all' interval would only cost time.
  const hasSplits = !!(report.splits?.public || report.splits?.private);
  const splitScore = (split: Split, metrics: Record<string, number | null>, resampler: Resampler | undefined): SplitScore => {
    const primary = metrics[req.primaryMetric];
    const value = typeof primary === 'number' && Number.isFinite(primary) ? primary : null;
    const interval = resampler && value !== null && !(split === 'all' && hasSplits)
      ? bootstrapInterval(resampler, req.primaryMetric, seedOf(`${req.challengeId}/${split}`), samples)
      : undefined;
    return {
      split, metrics, primary_value: value,
      ci_low: interval?.low ?? null, ci_high: interval?.high ?? null, bootstrap_samples: interval?.samples ?? 0,
    };
  };
  const withCategories = (split: Split, metrics: Record<string, number | null>) => ({ ...metrics, ...categoryBreakdown(report, split, req.primaryMetric) });
  const extras = perClassTables(report);
  const splits: SplitScore[] = [{ ...splitScore('all', withCategories('all', report.metrics), resamplers?.all), ...(extras && { extras }) }];
  if (report.splits?.public) splits.push(splitScore('public', withCategories('public', report.splits.public), resamplers?.public));
  if (report.splits?.private) splits.push(splitScore('private', withCategories('private', report.splits.private), resamplers?.private));
  return { version, splits };
}

/** At most this many classes a table are kept (a taxonomy of thousands would bloat every score row). */
const MAX_CLASSES_PER_TABLE = 1000;

/**
 * The report's per-class tables over the whole test set: every extra key whose value maps names
 * to numbers (or null), such as segmentation's `iou`. Counts and notes are left out.
 */
export function perClassTables(report: ScoreReport): ScoreExtras | undefined {
  const out: ScoreExtras = {};
  for (const [key, value] of Object.entries(report)) {
    if (key === 'metrics' || key === 'splits' || key === 'per_category') continue;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 || entries.length > MAX_CLASSES_PER_TABLE) continue;
    if (!entries.every(([, v]) => v === null || (typeof v === 'number' && Number.isFinite(v)))) continue;
    out[key] = Object.fromEntries(entries) as Record<string, number | null>;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * A report's breakdown by category (`per_category: { <category>: { metrics, splits } }`, e.g.
 * stabilization's clip categories) as `<primary> [<category>]` values of one split, stored with
 * that split's metrics so the board can show the comparison per category beside the headline.
 */
export function categoryBreakdown(report: ScoreReport, split: Split, primary: string): Record<string, number | null> {
  const categories = report.per_category as Record<string, { metrics?: Scores; splits?: { public?: Scores; private?: Scores } }> | undefined;
  if (!categories || typeof categories !== 'object') return {};
  const out: Record<string, number | null> = {};
  for (const [name, c] of Object.entries(categories)) {
    const scores = split === 'all' ? c.metrics : c.splits?.[split];
    const v = scores?.[primary];
    if (v !== undefined) out[`${primary} [${name}]`] = typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
  return out;
}

/** Validation only (before a submission is queued); resolves to the problems, empty when valid. */
export async function validateSubmission(req: Omit<ScoreRequest, 'primaryMetric' | 'challengeId'>): Promise<Problem[]> {
  const kinds = req.kinds ?? ['file'];
  if (req.model && isModelUpload(req.file)) return validateModelUpload(req.file, req.model);
  if (!kinds.includes('file')) return [{ file: 'submission', message: 'this challenge takes models: upload a single .onnx file' }];
  const task = await loadTask(req.task);
  try {
    // Thrown on, never a verdict on the file: the server's failure.
    if (!fs.existsSync(req.file)) throw new StoredFileMissing();
    await task.validate(req.truth, req.file, { options: req.options, threads: 1 });
    return [];
  } catch (e) {
    // The organisers' data failed: a server error, never a verdict on the participant's file.
    if (isHostFault(e)) throw new Error(describeFailure(e).message);
    if (e instanceof ValidationError) {
      const extra = e.total - e.problems.length;
      return extra > 0 ? [...e.problems, { file: e.problems[0]?.file ?? 'submission', message: `and ${extra.toLocaleString('en-US')} more problems`, omitted: extra }] : e.problems;
    }
    throw e;
  }
}

/**
 * Turns anything thrown while scoring into a reason a participant can read. Whose fault it is
 * was said where the problem was found: a problem marked `fault: 'host'` (a broken truth, a
 * missing stored file) is a server-side failure ('error'), never the participant's; other
 * ValidationErrors are the submission's own ('invalid'); anything else is an 'error'.
 */
export function describeFailure(e: unknown, req?: { file: string; truth?: string }): ScoreFailure {
  if (e instanceof ValidationError) {
    // The stored file is named by its hash; "submission" reads better in a reason, and no server path is shown.
    const problems = req ? nameProblems(e.problems, { checked: req.file, uploadName: 'submission', truth: req.truth }) : e.problems;
    if (isHostFault(e)) {
      // Named by file name only: the server's folders are none of the participant's business.
      const host = e.problems.filter((p) => p.fault === 'host').map((p) => formatProblem({ ...p, file: path.basename(p.file) })).slice(0, 5).join('; ');
      return { kind: 'error', message: `scoring failed: the organisers' data failed, not your file (${host}); the organisers have been told` };
    }
    const message = problems.map(formatProblem).slice(0, 5).join('; ') || e.message;
    return { kind: 'invalid', message, problems };
  }
  if (e instanceof StoredFileMissing) {
    return { kind: 'error', message: `scoring failed: the organisers' data failed, not your file (${e.message}); the organisers have been told` };
  }
  if (e instanceof ModelFailure) {
    // The sandbox's reasons (time-out, memory, crash, refused call, contract) are the model's doing.
    return { kind: e.failure.kind === 'error' ? 'error' : 'invalid', message: `model failed (${e.failure.kind}): ${e.failure.message}` };
  }
  const err = e as Error;
  return { kind: 'error', message: `scoring failed: ${err?.message ?? String(e)}` };
}
