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
}

export interface ClassificationContext {
  classOf: Int32Array;
  ranks: Int16Array;
  numClasses: number;
  ks: number[];
}

function ksFor(maxLabels: number): number[] {
  return ALL_KS.filter((k) => k <= maxLabels);
}

const parsers = {
  predictions: (p: unknown) => {
    if (p === undefined) return undefined;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1) badOption('predictions', 'a positive integer', p);
    return p as number;
  },
};

/** The byte-level fast path for plain valid files; otherwise the general reader with full problem reports. */
async function read(truthPath: string, submissionPath: string, required: number | undefined, fastPath: boolean) {
  const fast = fastPath ? readFastIfPossible(truthPath, submissionPath, required ?? 1) : undefined;
  if (fast) return { truth: fast as ScoringTruth, ranks: fast.ranks, ks: ksFor(required ?? fast.minLabels) };
  const truth = await readingHostDataAsync(() => readClassificationTruth(truthPath));
  const problems = new ProblemList();
  const submission = await readClassificationSubmission(submissionPath, truth, { required: required ?? 1, problems });
  problems.throwIfAny();
  return {
    truth: { classOf: truth.classOf, usage: truth.usage, numClasses: truth.classNames.length, hasUsage: truth.hasUsage },
    ranks: submission.ranks,
    ks: ksFor(required ?? submission.minLabels),
  };
}

/** Any trouble reading (missing file, a folder) is left to the general path to explain. */
function readFastIfPossible(truthPath: string, submissionPath: string, required: number) {
  try {
    return readFast(truthPath, submissionPath, required);
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
    metrics: (options) => topKMetrics(ksFor(options.predictions ?? 5)),
    async open(truthPath, submissionPath, options) {
      const { truth, ranks, ks } = await read(truthPath, submissionPath, options.predictions, fastPath);
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
