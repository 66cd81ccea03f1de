/**
 * The segmentation task (PASCAL VOC 2012): a folder of PNG masks or a VOC root as truth
 * (truth.ts); a folder, `.zip` or `id,class,rle` CSV of predicted masks (submission.ts,
 * rle-submission.ts); scored by one confusion matrix over the data set
 * (evaluators/segmentation.ts). All, public and private scores come from one streaming pass
 * (scan.ts). Options: `classes` (names, label order; VOC's 21 by default), `split` (VOC root
 * list, `val` by default). Nothing is ever written to disk: zips are read in place.
 * Report extras: `iou` (per-class IoU by name, null when a class is never in truth nor
 * predicted), `images` (scored), `classes`.
 */
import {
  classIou,
  confusionScores,
  SEGMENTATION_METRICS,
  SEGMENTATION_VERSION,
  type ConfusionState,
} from '../../evaluators/segmentation.js';
import type { Scores } from '../../evaluators/evaluator.js';
import { ProblemList } from '../../problems.js';
import type { EvaluateOptions, EvaluateResult, Resampler, Task } from '../task.js';
import { classNamesFrom, splitFrom } from './classes.js';
import { scanMasks, type ScanResult } from './scan.js';
import { openSubmission } from './submission.js';
import { readSegmentationTruth, USAGE_IGNORED, USAGE_PRIVATE, USAGE_PUBLIC, type SegmentationTruth } from './truth.js';

async function scan(truthPath: string, submissionPath: string, opts: EvaluateOptions | undefined) {
  const classNames = classNamesFrom(opts?.options);
  const truth = readSegmentationTruth(truthPath, splitFrom(opts?.options));
  const problems = new ProblemList();
  const expected = {
    ids: truth.ids,
    whyNot: (id: string) => (truth.outsideSplit.has(id) ? `id "${id}" is not in the ${truth.split} split; submit masks for the ${truth.split} ids only` : undefined),
  };
  const submission = await openSubmission(submissionPath, expected, classNames, problems);
  const result = await scanMasks(truth, submission, classNames.length, problems, { perImage: opts?.withResamplers });
  problems.throwIfAny();
  return { classNames, truth, result };
}

/** Per-class IoU keyed by class name (null for a class never in truth nor predicted). */
function iouByName(state: ConfusionState, classNames: readonly string[]): Record<string, number | null> {
  const iou = classIou(state);
  return Object.fromEntries(classNames.map((name, c) => [name, iou[c]!]));
}

/** Scores of a multiset of images, from their per-image confusion matrices. */
function resampler(truth: SegmentationTruth, result: ScanResult, classes: number, usage?: number): Resampler {
  const members: Uint32Array[] = [];
  truth.usage.forEach((u, i) => {
    const counts = result.perImage![i];
    if (counts && u !== USAGE_IGNORED && (usage === undefined || u === usage)) members.push(counts);
  });
  return {
    size: members.length,
    score(indices: Uint32Array): Scores {
      const state: ConfusionState = { classes, matrix: new Float64Array(classes * classes) };
      const m = state.matrix;
      for (const index of indices) {
        const counts = members[index]!;
        for (let k = 0; k < counts.length; k++) m[k]! += counts[k]!;
      }
      return confusionScores(state);
    },
  };
}

export const task: Task = {
  name: 'segmentation',
  version: SEGMENTATION_VERSION,
  metrics: () => [...SEGMENTATION_METRICS],
  checkOptions() {},
  async validate(truthPath, submissionPath, opts) {
    await scan(truthPath, submissionPath, opts);
  },
  async evaluate(truthPath, submissionPath, opts): Promise<EvaluateResult> {
    const { classNames, truth, result } = await scan(truthPath, submissionPath, opts);
    const [all, pub, priv] = result.states;
    const out: EvaluateResult = {
      report: {
        task: 'segmentation',
        metrics: confusionScores(all),
        ...(truth.hasUsage && { splits: { public: confusionScores(pub), private: confusionScores(priv) } }),
        iou: iouByName(all, classNames),
        images: result.images,
        classes: classNames.length,
      },
    };
    if (opts?.withResamplers) {
      const C = classNames.length;
      out.resamplers = {
        all: resampler(truth, result, C),
        ...(truth.hasUsage && { public: resampler(truth, result, C, USAGE_PUBLIC), private: resampler(truth, result, C, USAGE_PRIVATE) }),
      };
    }
    return out;
  },
};
