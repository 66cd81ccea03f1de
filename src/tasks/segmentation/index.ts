/**
 * The segmentation task (PASCAL VOC 2012): a folder of PNG masks or a VOC root as truth
 * (truth.ts); a folder, `.zip` or `id,class,rle` CSV of predicted masks (submission.ts,
 * rle-submission.ts); scored by one confusion matrix over the data set
 * (evaluators/segmentation.ts). A scoring unit is one image: its truth and predicted masks
 * decoded, checked and counted into a classes x classes matrix (units.ts streams them).
 * Options: `classes` (names, label order; VOC's 21 by default), `split` (VOC root list, `val`
 * by default). Nothing is ever written to disk: zips are read in place.
 * Report extras: `iou` (per-class IoU by name, null when a class is never in truth nor
 * predicted), `images` (scored), `classes`.
 */
import {
  classIou,
  segmentationEvaluator,
  SEGMENTATION_METRICS,
  SEGMENTATION_VERSION,
  type ConfusionState,
} from '../../evaluators/segmentation.js';
import type { Scores } from '../../evaluators/evaluator.js';
import { ProblemList, readingHostData } from '../../problems.js';
import { parseOptions } from '../../scoring/options.js';
import type { TaskDefinition } from '../../scoring/task-definition.js';
import { USAGE_IGNORED } from '../../scoring/usage.js';
import { SEGMENTATION_OPTIONS, type SegmentationOptions } from './options.js';
import { openSubmission } from './submission.js';
import { readSegmentationTruth } from './truth.js';
import { expectedIds, produceImages, rememberSubmission, type SegmentationContext } from './units.js';

export type { SegmentationOptions } from './options.js';

export const definition: TaskDefinition<SegmentationOptions, SegmentationContext, ArrayLike<number>, ConfusionState, Scores> = {
  name: 'segmentation',
  version: SEGMENTATION_VERSION,
  parseOptions: (raw) => parseOptions(raw, SEGMENTATION_OPTIONS),
  metrics: () => [...SEGMENTATION_METRICS],
  async open(truthPath, submissionPath, options) {
    const truth = readingHostData(() => readSegmentationTruth(truthPath, options.split));
    const problems = new ProblemList();
    const context: SegmentationContext = {
      truth: { maskDir: truth.maskDir, maskLabel: truth.maskLabel, ids: truth.ids, outsideSplit: [...truth.outsideSplit], split: truth.split },
      submissionPath,
      classNames: options.classes,
      images: truth.usage.filter((u) => u !== USAGE_IGNORED).length,
    };
    const submission = await openSubmission(submissionPath, expectedIds(context), options.classes, problems);
    rememberSubmission(context, submission);
    return { context, usage: truth.usage, hasSplits: truth.hasUsage, problems };
  },
  produce: (context, units, sink) => produceImages(context, units, sink),
  evaluator: (context) => segmentationEvaluator(context.classNames.length),
  scores: (result) => result,
  extras(context, _all, state) {
    const iou = classIou(state);
    return { iou: Object.fromEntries(context.classNames.map((name, c) => [name, iou[c]!])), images: context.images, classes: context.classNames.length };
  },
  // A scoring thread costs its start (an isolate, the task's modules, the zip's directory read
  // again: ~0.3 s of CPU) and images decode slower two at a time on two cores. Measured
  // (bench/segmentation): at VOC val's 1,449 masks two threads were 10-16 % slower in wall time
  // and took ~50 % more CPU than one; at 2,898 they tied; at 4,347 they won 0-15 %; at 8,694
  // 11-26 %. So threads start at 6,000 masks, each given at least 3,000.
  minUnitsForThreads: 6_000,
};
