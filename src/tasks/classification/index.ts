/**
 * The classification task (iNaturalist 2018): solution CSV `id,expected[,usage]` against a
 * submission CSV `id,predicted`. All, public and private rows are scored in one pass.
 */
import { topKEvaluator, topKMetrics, TOPK_VERSION, type TopKState } from '../../evaluators/topk.js';
import type { Scores } from '../../evaluators/evaluator.js';
import { ProblemList, UsageError } from '../../problems.js';
import type { EvaluateResult, Resampler, Task, TaskOptions } from '../task.js';
import { readClassificationSubmission } from './submission.js';
import { readFast } from './fast-path.js';
import { readClassificationTruth, USAGE_IGNORED, USAGE_PRIVATE, USAGE_PUBLIC, type ScoringTruth } from './truth.js';

/** The k values podium reports: iNat 2019+ (1), iNat 2018 (3), iNat 2017 (5). */
const ALL_KS = [1, 3, 5] as const;

/** `predictions`: labels every row must carry; it also fixes which top-k are reported. */
function requiredPredictions(options: TaskOptions | undefined): number | undefined {
  const p = options?.predictions;
  if (p === undefined) return undefined;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1) {
    throw new UsageError(`classification option "predictions" must be a positive integer, got ${JSON.stringify(p)}`);
  }
  return p;
}

function ksFor(maxLabels: number): number[] {
  return ALL_KS.filter((k) => k <= maxLabels);
}

interface ReadResult {
  truth: ScoringTruth;
  ranks: Int16Array;
  ks: number[];
}

/**
 * `open_labels: true`: the challenge's label set is open (predictions may name labels that are
 * no class of the truth, e.g. the training taxonomy's); by default such a label is refused.
 */
function openLabels(options: TaskOptions | undefined): boolean {
  const o = options?.open_labels;
  if (o === undefined) return false;
  if (typeof o !== 'boolean') throw new UsageError(`classification option "open_labels" must be true or false, got ${JSON.stringify(o)}`);
  return o;
}

/** The byte-level fast path for plain valid files; otherwise the general reader with full problem reports. */
async function read(truthPath: string, submissionPath: string, options?: TaskOptions): Promise<ReadResult> {
  const required = requiredPredictions(options);
  const open = openLabels(options);
  const fast = fastPathAllowed() ? readFastIfPossible(truthPath, submissionPath, required ?? 1, open) : undefined;
  if (fast) return { truth: fast, ranks: fast.ranks, ks: ksFor(required ?? fast.minLabels) };
  const truth = await readClassificationTruth(truthPath);
  const problems = new ProblemList();
  const submission = await readClassificationSubmission(submissionPath, truth, { required: required ?? 1, problems, openLabels: open });
  problems.throwIfAny();
  return {
    truth: { classOf: truth.classOf, usage: truth.usage, numClasses: truth.classNames.length, hasUsage: truth.hasUsage },
    ranks: submission.ranks,
    ks: ksFor(required ?? submission.minLabels),
  };
}

/** Any trouble reading (missing file, a folder) is left to the general path to explain. */
function readFastIfPossible(truthPath: string, submissionPath: string, required: number, open: boolean) {
  try {
    return readFast(truthPath, submissionPath, required, open);
  } catch {
    return undefined;
  }
}

/** PODIUM_CLASSIFICATION_FAST_PATH=0 forces the general path (tests compare the two). */
function fastPathAllowed(): boolean {
  return process.env.PODIUM_CLASSIFICATION_FAST_PATH !== '0';
}

function score(truth: ScoringTruth, ranks: Int16Array, ks: number[]) {
  const evaluator = topKEvaluator(ks, truth.numClasses);
  const states = [evaluator.create(), evaluator.create(), evaluator.create()]; // all, public, private
  const item = { trueClass: 0, rank: 0 };
  for (let t = 0; t < ranks.length; t++) {
    const usage = truth.usage[t]!;
    if (usage === USAGE_IGNORED) continue;
    item.trueClass = truth.classOf[t]!;
    item.rank = ranks[t]!;
    evaluator.add(states[0]!, item);
    if (usage === USAGE_PUBLIC) evaluator.add(states[1]!, item);
    else if (usage === USAGE_PRIVATE) evaluator.add(states[2]!, item);
  }
  return { evaluator, states: states as [TopKState, TopKState, TopKState] };
}

/**
 * Scores resampled rows for bootstrap intervals. Called a thousand times per split, so it keeps
 * each row's class and rank in flat arrays and reuses one evaluator state between calls.
 */
function resampler(truth: ScoringTruth, ranks: Int16Array, ks: number[], usage?: number): Resampler {
  const classOf: number[] = [];
  const rankOf: number[] = [];
  for (let t = 0; t < truth.usage.length; t++) {
    const u = truth.usage[t]!;
    if (u === USAGE_IGNORED || (usage !== undefined && u !== usage)) continue;
    classOf.push(truth.classOf[t]!);
    rankOf.push(ranks[t]!);
  }
  const classes = Int32Array.from(classOf);
  const rowRanks = Int16Array.from(rankOf);
  const evaluator = topKEvaluator(ks, truth.numClasses);
  const state = evaluator.create();
  const item = { trueClass: 0, rank: 0 };
  return {
    size: classes.length,
    score(indices: Uint32Array): Scores {
      state.rows = 0;
      state.hits.fill(0);
      state.classRows.fill(0);
      state.classTop1.fill(0);
      for (let i = 0; i < indices.length; i++) {
        item.trueClass = classes[indices[i]!]!;
        item.rank = rowRanks[indices[i]!]!;
        evaluator.add(state, item);
      }
      return evaluator.finish(state);
    },
  };
}

export const task: Task = {
  name: 'classification',
  version: TOPK_VERSION,
  metrics(options) {
    return topKMetrics(ksFor(requiredPredictions(options) ?? 5));
  },
  async validate(truthPath, submissionPath, opts) {
    await read(truthPath, submissionPath, opts?.options);
  },
  async evaluate(truthPath, submissionPath, opts): Promise<EvaluateResult> {
    const { truth, ranks, ks } = await read(truthPath, submissionPath, opts?.options);
    const { evaluator, states } = score(truth, ranks, ks);
    const result: EvaluateResult = {
      report: {
        task: 'classification',
        metrics: evaluator.finish(states[0]),
        ...(truth.hasUsage && {
          splits: { public: evaluator.finish(states[1]), private: evaluator.finish(states[2]) },
        }),
        rows: states[0].rows,
        classes: truth.numClasses,
      },
    };
    if (opts?.withResamplers) {
      result.resamplers = {
        all: resampler(truth, ranks, ks),
        ...(truth.hasUsage && {
          public: resampler(truth, ranks, ks, USAGE_PUBLIC),
          private: resampler(truth, ranks, ks, USAGE_PRIVATE),
        }),
      };
    }
    return result;
  },
};
