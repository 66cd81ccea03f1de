/**
 * The detection task: COCO's 12 numbers (pycocotools) for a COCO instances truth, PASCAL VOC
 * mAP (devkit) for a VOC folder. Which one comes from the truth path: a `.json` file is COCO,
 * a folder with `Annotations/` is VOC. `options.protocol` ('coco' | 'voc') says which metric
 * names a challenge reports; it must agree with the truth. `options.iou` is VOC's match threshold
 * (the devkit's 0.5 by default; refused for a COCO truth, which scores .50:.05:.95). A scoring unit is one truth image:
 * its detections matched against its ground truth once (a chunk of images at a time); the
 * states keep picks of matched images, so splits and bootstrap draws never match again.
 * Report extras: `protocol`; COCO `per_category`, `curves`; VOC `iou`, `ap07`, `ap` per class.
 */
import path from 'node:path';
import { COCO_METRICS, COCO_VERSION, cocoEvaluator, cocoMatcher, type CocoDetections, type CocoGroundTruth, type CocoResult } from '../../evaluators/coco.js';
import type { Evaluator, Scores } from '../../evaluators/evaluator.js';
import { groupByImage } from '../../evaluators/image-grouping.js';
import type { PickedChunks } from '../../evaluators/picks.js';
import { DEFAULT_IOU, vocMetrics, VOC_VERSION, vocEvaluator, vocMatcher, type VocDetections, type VocGroundTruth, type VocResult } from '../../evaluators/voc-detection.js';
import { readingHostData, UsageError } from '../../problems.js';
import { parseOptions } from '../../scoring/options.js';
import { DETECTION_OPTIONS, type DetectionOptions } from './options.js';
import type { TaskDefinition } from '../../scoring/task-definition.js';
import { imageUsage, loadCocoTruth, loadVocTruth, readCocoSubmission, readVocSubmission, truthProtocol, type Protocol } from './read.js';

export type { DetectionOptions } from './options.js';

/** Plain data (typed arrays): crosses to a scoring thread as it is. */
export type DetectionContext =
  | { protocol: 'coco'; truth: CocoGroundTruth; detections: CocoDetections }
  | { protocol: 'voc'; truth: VocGroundTruth; detections: VocDetections; iou: number };

type Chunk = { images: Uint32Array };
type Item = { chunk: Chunk; positions: ArrayLike<number> };
type State = PickedChunks<Chunk>;
type Result = CocoResult | VocResult;

/**
 * The detection arrays only (no builder internals), so the context stays plain, with their
 * grouping by image made here once: every scoring thread then reads it instead of making its own.
 */
const grouped = (d: CocoDetections, images: number, categories: number): CocoDetections => ({
  count: d.count,
  image: d.image,
  category: d.category,
  score: d.score,
  box: d.box,
  byImage: groupByImage(d.image, d.category, d.count, images, categories),
});

function evaluatorOf(context: DetectionContext): Evaluator<State, Item, Result> {
  return (context.protocol === 'coco' ? cocoEvaluator(context.truth) : vocEvaluator(context.truth, { iou: context.iou })) as unknown as Evaluator<State, Item, Result>;
}

export const definition: TaskDefinition<DetectionOptions, DetectionContext, Item, State, Result> = {
  name: 'detection',
  version: `${COCO_VERSION}+${VOC_VERSION}`,
  parseOptions: (raw) => parseOptions(raw, DETECTION_OPTIONS),
  metrics: (options) => [...(options.protocol === 'voc' ? vocMetrics(options.iou ?? DEFAULT_IOU) : COCO_METRICS)],
  async open(truthPath, submissionPath, options) {
    const found = readingHostData(() => truthProtocol(truthPath));
    if (options.protocol && options.protocol !== found) {
      throw new UsageError(`detection: options.protocol is "${options.protocol}" but the truth ${path.basename(truthPath)} is a ${found === 'coco' ? 'COCO instances file' : 'VOC folder'}`);
    }
    if (found === 'coco' && options.iou !== undefined) {
      throw new UsageError('detection: option "iou" applies to a VOC truth; COCO scores its 10 thresholds .50:.05:.95');
    }
    if (found === 'coco') {
      const ids = readingHostData(() => loadCocoTruth(truthPath));
      const { usage, hasSplits } = readingHostData(() => imageUsage(truthPath, ids.truth.imageIds));
      const detections = grouped(await readCocoSubmission(submissionPath, ids), ids.truth.imageIds.length, ids.truth.categoryIds.length);
      return { context: { protocol: 'coco', truth: ids.truth, detections }, usage, hasSplits };
    }
    const ids = readingHostData(() => loadVocTruth(truthPath));
    const { usage, hasSplits } = readingHostData(() => imageUsage(truthPath, ids.truth.imageIds));
    const detections = grouped(await readVocSubmission(submissionPath, ids), ids.truth.imageIds.length, ids.truth.classNames.length);
    return { context: { protocol: 'voc', truth: ids.truth, detections, iou: options.iou ?? DEFAULT_IOU }, usage, hasSplits };
  },
  async produce(context, units, sink) {
    // Everything was checked while reading; matching finds nothing more to refuse.
    if (sink.checkOnly) return;
    const chunk: Chunk =
      context.protocol === 'coco' ? cocoMatcher(context.truth)(context.detections, units) : vocMatcher(context.truth, { iou: context.iou })(context.detections, units);
    for (let k = 0; k < units.length; k++) sink.item(units[k]!, { chunk, positions: [k] });
  },
  evaluator: evaluatorOf,
  scores: (result) => result.metrics as Scores,
  extras(context, all) {
    if (context.protocol === 'coco') {
      const r = all as CocoResult;
      return { protocol: 'coco', per_category: r.perCategory, curves: r.curves };
    }
    const r = all as VocResult;
    return { protocol: 'voc', iou: context.iou, ap07: r.ap07, ap: r.ap };
  },
  // The work is the detections (an image may hold 0 or 10,000). Matching, the only part that
  // threads share, takes ~0.6 us a detection, while a thread costs ~0.1-0.2 s of CPU to start:
  // at COCO val's 500k detections a second thread saved no wall time and cost ~15 % more CPU
  // (bench/detection), so threads start at 2M detections, 1M a thread.
  workOf: (context) => context.detections.count,
  minUnitsForThreads: 2_000_000,
};
