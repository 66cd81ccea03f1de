/**
 * The classification task (iNaturalist 2018): solution CSV `id,expected[,usage]` against a
 * submission CSV `id,predicted`. Reading reduces every row to typed arrays (true class, rank of
 * the true label among the predictions), so scoring units are rows in a typed-array table and
 * the evaluator's loop never touches strings. Report extras: `rows`, `classes`.
 */
import { topKEvaluator, topKMetrics, TOPK_VERSION, type TopKBatch, type TopKState } from '../../evaluators/topk.js';
import type { Scores } from '../../evaluators/evaluator.js';
import { ProblemList, readingHostDataAsync } from '../../problems.js';
import { badOption, parseOptions } from '../../scoring/options.js';
import type { TaskDefinition } from '../../scoring/task-definition.js';
import { readClassificationSubmission } from './submission.js';
import { readFast } from './fast-path.js';
import { readClassificationTruth, type ScoringTruth } from './truth.js';

/** The k values podium reports: iNat 2019+ (1), iNat 2018 (3), iNat 2017 (5). */
const ALL_KS = [1, 3, 5] as const;

export interface ClassificationOptions {
  /** Labels every row must carry; it also fixes which top-k are reported. */
  predictions: number | undefined;
  /**
   * `open_labels: false`: the challenge's label set is closed: a predicted label that is no class
   * of the truth is refused with its line. Open by default, as the iNat 2018 script and sklearn
   * score such labels (a taxonomy larger than the test set's classes; the reference fixture
   * predicts 180 of them), so reference cases score unchanged.
   */
  open_labels: boolean;
  /**
   * `top_k: 2` or `[1, 2]`: which top-k errors to report (any k up to the row length; sklearn's
   * `top_k_accuracy_score` examples use k=2). Rows then need at least max(k) labels. Default:
   * 1, 3 and 5, those the rows are long enough for.
   */
  top_k: number[] | undefined;
}

export interface ClassificationContext {
  classOf: Int32Array;
  ranks: Int16Array;
  numClasses: number;
  ks: number[];
}

/** The largest k: ranks are kept up to this position (submission.ts RANK_CAP). */
const MAX_K = 1000;

function ksFor(maxLabels: number): number[] {
  return ALL_KS.filter((k) => k <= maxLabels);
}

/** Labels every row needs, and the k reported when the rows' shortest length is `minLabels`. */
function labelRule(options: ClassificationOptions): { required: number | undefined; ks: (minLabels: number) => number[] } {
  const { predictions, top_k: topK } = options;
  if (!topK) return { required: predictions, ks: (minLabels) => ksFor(predictions ?? minLabels) };
  const largest = topK[topK.length - 1]!;
  if (predictions !== undefined && predictions < largest) {
    badOption('top_k', `at most predictions (${predictions}): a row of ${predictions} labels has no top-${largest}`, topK);
  }
  return { required: Math.max(predictions ?? 1, largest), ks: () => topK };
}

const parsers = {
  predictions: (p: unknown) => {
    if (p === undefined) return undefined;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1) badOption('predictions', 'a positive integer', p);
    return p as number;
  },
  top_k: (k: unknown) => {
    if (k === undefined) return undefined;
    const list = Array.isArray(k) ? k : [k];
    if (list.length === 0 || !list.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_K)) {
      badOption('top_k', `a k or a list of k, integers 1..${MAX_K}`, k);
    }
    return [...new Set(list as number[])].sort((a, b) => a - b);
  },
  open_labels: (o: unknown) => {
    if (o === undefined) return true;
    if (typeof o !== 'boolean') badOption('open_labels', 'true or false', o);
    return o as boolean;
  },
};

/** The byte-level fast path for plain valid files; otherwise the general reader with full problem reports. */
async function read(truthPath: string, submissionPath: string, options: ClassificationOptions, fastPath: boolean) {
  const rule = labelRule(options);
  const required = rule.required;
  const openLabels = options.open_labels;
  const fast = fastPath ? readFastIfPossible(truthPath, submissionPath, required ?? 1, openLabels) : undefined;
  if (fast) return { truth: fast as ScoringTruth, ranks: fast.ranks, ks: rule.ks(fast.minLabels) };
  const truth = await readingHostDataAsync(() => readClassificationTruth(truthPath));
  const problems = new ProblemList();
  const submission = await readClassificationSubmission(submissionPath, truth, { required: required ?? 1, problems, openLabels });
  problems.throwIfAny();
  return {
    truth: { classOf: truth.classOf, usage: truth.usage, numClasses: truth.classNames.length, hasUsage: truth.hasUsage },
    ranks: submission.ranks,
    ks: rule.ks(submission.minLabels),
  };
}

/** Any trouble reading (missing file, a folder) is left to the general path to explain. */
function readFastIfPossible(truthPath: string, submissionPath: string, required: number, openLabels: boolean) {
  try {
    return readFast(truthPath, submissionPath, required, openLabels);
  } catch {
    return undefined;
  }
}

/** The definition; `fastPath: false` reads through the general path only (tests compare the two). */
export function classificationDefinition(
  { fastPath }: { fastPath: boolean } = { fastPath: true },
): TaskDefinition<ClassificationOptions, ClassificationContext, TopKBatch, TopKState, Scores> {
  return {
    name: 'classification',
    version: TOPK_VERSION,
    parseOptions: (raw) => parseOptions(raw, parsers),
    metrics: (options) => topKMetrics(labelRule(options).ks(5)),
    async open(truthPath, submissionPath, options) {
      const { truth, ranks, ks } = await read(truthPath, submissionPath, options, fastPath);
      const context = { classOf: truth.classOf, ranks, numClasses: truth.numClasses, ks };
      return {
        context,
        usage: truth.usage,
        hasSplits: truth.hasUsage,
        table: { size: ranks.length, batch: (units) => ({ trueClass: truth.classOf, rank: ranks, units }) },
      };
    },
    evaluator: (context) => topKEvaluator(context.ks, context.numClasses),
    scores: (result) => result,
    extras: (context, _all, state) => ({ rows: state.rows, classes: context.numClasses }),
  };
}

export const definition = classificationDefinition();
