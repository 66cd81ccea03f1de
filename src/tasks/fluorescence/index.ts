/**
 * The fluorescence task (In Silico Labeling): truth folder with examples.csv and
 * targets/<id>/<CHANNEL>.png (truth.ts); submission folder or .zip with <id>/<CHANNEL>.png
 * (submission.ts); one scoring unit an example, its pairs of images read and reduced to
 * moments in produce.ts; pooled per-channel Pearson r and MAE (evaluators/fluorescence.ts).
 * Options: `channels` (the label channels scored, in report order; by default every channel
 * the truth has). Report extras: `per_condition` (when the truth names conditions),
 * `channels`, `examples` (scored), `pairs` (scored image pairs).
 */
import { FLUORESCENCE_VERSION, fluorescenceEvaluator, fluorescenceMetrics, type FluorescenceResult, type FluorescenceState } from '../../evaluators/fluorescence.js';
import { ProblemList, ValidationError } from '../../problems.js';
import { parseOptions } from '../../scoring/options.js';
import { FLUORESCENCE_OPTIONS, type FluorescenceOptions } from './options.js';
import type { TaskDefinition } from '../../scoring/task-definition.js';
import { USAGE_ALL, usageCode } from '../../scoring/usage.js';
import { produceExamples, type FluorescenceContext } from './produce.js';
import { openFluorescenceSubmission } from './submission.js';
import { readFluorescenceTruth } from './truth.js';

export type { FluorescenceOptions } from './options.js';

/** Truth problems are the host's: a broken truth never makes a submission invalid. */
async function readTruthAsHost(dir: string, channels: string[] | undefined) {
  try {
    return await readFluorescenceTruth(dir, channels);
  } catch (e) {
    if (e instanceof ValidationError) throw new ValidationError(e.problems.map((p) => ({ ...p, fault: 'host' as const })), e.total);
    throw e;
  }
}

export const definition: TaskDefinition<FluorescenceOptions, FluorescenceContext, FluorescenceState, FluorescenceState, FluorescenceResult> = {
  name: 'fluorescence',
  version: FLUORESCENCE_VERSION,
  parseOptions: (raw) => parseOptions(raw, FLUORESCENCE_OPTIONS),
  metrics: (options) => fluorescenceMetrics(options.channels ?? []),
  async open(truthPath, submissionPath, options) {
    const truth = await readTruthAsHost(truthPath, options.channels);
    const problems = new ProblemList();
    const submission = await openFluorescenceSubmission(submissionPath, truth, problems);
    problems.throwIfAny();
    const usage = truth.usage ? Uint8Array.from(truth.usage, (u) => usageCode(u)) : new Uint8Array(truth.ids.length).fill(USAGE_ALL);
    const context: FluorescenceContext = {
      truthDir: truth.dir,
      truthLabel: truth.label,
      ids: truth.ids,
      conditions: truth.conditions,
      conditionOf: truth.conditionOf,
      channels: truth.channels,
      acquired: truth.acquired,
      ignored: Uint8Array.from(truth.ids, (_, i) => (truth.usage?.[i] === 'Ignored' ? 1 : 0)),
      predictions: submission.predictions,
    };
    return { context, usage, hasSplits: !!truth.usage };
  },
  produce: (context, units, sink) => produceExamples(context, fluorescenceEvaluator(context.channels, context.conditions), units, sink),
  evaluator: (context) => fluorescenceEvaluator(context.channels, context.conditions),
  scores: (result) => result.metrics,
  extras: (context, all) => ({
    ...(context.conditions.length > 0 && { per_condition: all.perCondition }),
    channels: context.channels,
    examples: context.ignored.reduce((n, ignored) => n + (ignored ? 0 : 1), 0),
    pairs: context.acquired.reduce((n, channels, i) => n + (context.ignored[i] ? 0 : channels.length), 0),
  }),
  // An example is seconds of decoding at 1024 x 1024 x 4: a second thread pays from a few on.
  minUnitsForThreads: 4,
};
