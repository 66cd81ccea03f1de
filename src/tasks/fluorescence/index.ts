/**
 * The fluorescence task (In Silico Labeling): truth folder with examples.csv and
 * targets/<id>/<CHANNEL>.png (truth.ts); submission folder or .zip with <id>/<CHANNEL>.png
 * (submission.ts); scored per channel by pooled Pearson r and MAE (evaluators/fluorescence.ts),
 * one pair of images at a time (scan.ts). Options: `channels` (the label channels scored, in
 * report order; by default every channel the truth has). Report extras: `per_condition`,
 * `channels`, `examples`, `pairs`.
 */
import {
  FLUORESCENCE_VERSION,
  fluorescenceEvaluator,
  fluorescenceMetrics,
  type FluorescenceEvaluator,
  type FluorescenceState,
} from '../../evaluators/fluorescence.js';
import type { Scores } from '../../evaluators/evaluator.js';
import type { Usage } from '../../formats/usage.js';
import { ProblemList, ValidationError } from '../../problems.js';
import { progress } from '../../progress.js';
import type { EvaluateOptions, EvaluateResult, Resampler, TaskOptions, Task } from '../task.js';
import { DEFAULT_CONCURRENCY, scanPairs, scoredPairs } from './scan.js';
import { openFluorescenceSubmission } from './submission.js';
import { CHANNEL_NAME, readFluorescenceTruth, type FluorescenceTruth } from './truth.js';

/** `options.channels`: a list of channel names, or undefined. */
export function channelsFrom(options: TaskOptions | undefined): string[] | undefined {
  const channels = options?.channels;
  if (channels === undefined) return undefined;
  if (!Array.isArray(channels) || channels.length === 0 || !channels.every((c) => typeof c === 'string' && CHANNEL_NAME.test(c))) {
    throw ValidationError.of({ file: 'challenge options', column: 'channels', message: 'expected a list of channel names (letters, digits, _ and -), e.g. [DAPI, MAP2, NFH, DEAD]' });
  }
  if (new Set(channels).size !== channels.length) throw ValidationError.of({ file: 'challenge options', column: 'channels', message: 'lists a channel twice' });
  return channels as string[];
}

async function scan(truthPath: string, submissionPath: string, opts: EvaluateOptions | undefined) {
  const truth = await readFluorescenceTruth(truthPath, channelsFrom(opts?.options));
  const problems = new ProblemList();
  const submission = await openFluorescenceSubmission(submissionPath, truth, problems);
  problems.throwIfAny();
  const evaluator = fluorescenceEvaluator(truth.channels, truth.conditions);
  const bar = progress('scoring fluorescence', scoredPairs(truth).length);
  try {
    const threads = Number(opts?.options?.threads);
    const result = await scanPairs(truth, submission, evaluator, {
      concurrency: Number.isInteger(threads) && threads > 0 ? threads * 2 : DEFAULT_CONCURRENCY,
      onPair: () => bar.tick(),
    });
    result.truthProblems.throwIfAny();
    result.problems.throwIfAny();
    return { truth, evaluator, perExample: result.perExample };
  } finally {
    bar.stop();
  }
}

function members(truth: FluorescenceTruth, perExample: (FluorescenceState | undefined)[], usage?: Usage): FluorescenceState[] {
  return perExample.filter((s, i): s is FluorescenceState => s !== undefined && (usage === undefined || truth.usage?.[i] === usage));
}

/** Scores of a multiset of examples, drawn by index. */
function resampler(evaluator: FluorescenceEvaluator, states: FluorescenceState[]): Resampler {
  return {
    size: states.length,
    score: (indices: Uint32Array): Scores => evaluator.finish(evaluator.merge(Array.from(indices, (i) => states[i]!))).metrics,
  };
}

export const task: Task = {
  name: 'fluorescence',
  version: FLUORESCENCE_VERSION,
  metrics: (options) => fluorescenceMetrics(channelsFrom(options) ?? []),
  async validate(truthPath, submissionPath, opts) {
    await scan(truthPath, submissionPath, opts);
  },
  async evaluate(truthPath, submissionPath, opts): Promise<EvaluateResult> {
    const { truth, evaluator, perExample } = await scan(truthPath, submissionPath, opts);
    const all = members(truth, perExample);
    const pub = members(truth, perExample, 'Public');
    const priv = members(truth, perExample, 'Private');
    const whole = evaluator.finish(evaluator.merge(all));
    const out: EvaluateResult = {
      report: {
        task: 'fluorescence',
        metrics: whole.metrics,
        ...(truth.usage && { splits: { public: evaluator.finish(evaluator.merge(pub)).metrics, private: evaluator.finish(evaluator.merge(priv)).metrics } }),
        ...(truth.conditions.length > 0 && { per_condition: whole.perCondition }),
        channels: truth.channels,
        examples: all.length,
        pairs: scoredPairs(truth).length,
      },
    };
    if (opts?.withResamplers) {
      out.resamplers = {
        all: resampler(evaluator, all),
        ...(truth.usage && { public: resampler(evaluator, pub), private: resampler(evaluator, priv) }),
      };
    }
    return out;
  },
};
