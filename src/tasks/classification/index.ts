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
import { CLASSIFICATION_OPTIONS, type ClassificationOptions } from './options.js';
import type { TaskDefinition } from '../../scoring/task-definition.js';
import { readClassificationSubmission } from './submission.js';
import { readFast } from './fast-path.js';
import { readClassificationTruth, type ScoringTruth } from './truth.js';

/** The k values podium reports: iNat 2019+ (1), iNat 2018 (3), iNat 2017 (5). */
const ALL_KS = [1, 3, 5] as const;

export type { ClassificationOptions } from './options.js';

export interface ClassificationContext {
  classOf: Int32Array;
  ranks: Int16Array;
  numClasses: number;
  ks: number[];
}

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
    parseOptions: (raw) => parseOptions(raw, CLASSIFICATION_OPTIONS),
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
