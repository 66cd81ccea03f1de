/**
 * PASCAL VOC detection AP as the devkit's `VOCevaldet.m` computes it (run in Octave):
 * `voc07_map` with the VOC2007 11-point rule, `voc_map` with the VOC2010+ area rule (`VOCap.m`),
 * and both per class.
 *
 * Per class: detections sorted by confidence descending (stable, so ties keep submission order);
 * each takes the object of its image with the largest overlap (strict `>`, the first object in
 * the annotation wins ties; +1 pixel convention). `ovmax >= 0.5` (the devkit's `minoverlap`; any
 * other threshold via `iou`, as rafaelpadilla's Object-Detection-Metrics reports 0.1/0.3/0.75): a difficult object makes the
 * detection neither TP nor FP, a free object makes it TP (and used), a used one FP; below 0.5
 * FP. npos = non-difficult objects. `rec = tp/npos`, `prec = tp/(tp+fp)`.
 *
 * Matching only looks at one image's detections in score order, so images are scored
 * independently: the state is a list of per-image chunks that merges exactly and can be
 * accumulated over any multiset of images (splits, bootstrap draws).
 *
 * The devkit keeps a detection that hit a difficult object as tp=fp=0, so leading ones give
 * 0/0 = NaN precision that Octave's `max` skips. Leaving them out gives the same AP (their
 * recall equals the previous entry's); only when every detection of a class hit a difficult
 * object does the 2007 devkit print NaN, and podium gives 0 there (as the 2012 rule does).
 */
import { vocOverlap } from './box-iou.js';
import type { Evaluator, MetricInfo, Scores } from './evaluator.js';
import { groupByImage, groupingCache, type ImageGrouping } from './image-grouping.js';
import { pickedChunksEvaluator, type PickedBatch, type PickedChunks } from './picks.js';
import { orderByGroupThenScore } from './score-order.js';

/** The metrics at an IoU threshold (the devkit's is 0.5). */
export function vocMetrics(iou = DEFAULT_IOU): MetricInfo[] {
  return [
    { name: 'voc07_map', higherIsBetter: true, description: `PASCAL VOC mAP at IoU ${iou}, 11-point interpolated AP (VOC2007 devkit)` },
    { name: 'voc_map', higherIsBetter: true, description: `PASCAL VOC mAP at IoU ${iou}, area under the precision envelope (VOC2010+ devkit)` },
  ];
}

/** The devkit's `minoverlap`. */
export const DEFAULT_IOU = 0.5;
export const VOC_METRICS: readonly MetricInfo[] = vocMetrics();

export const VOC_VERSION = 'voc-det-1';

/** Objects of the annotation files: boxes `[xmin, ymin, xmax, ymax]`, 1-based inclusive pixels. */
export interface VocGroundTruth {
  /** Image ids in test-set order; an object's `image` indexes this list. */
  imageIds: readonly string[];
  classNames: readonly string[];
  count: number;
  image: Uint32Array;
  category: Uint32Array;
  box: Float64Array;
  difficult: Uint8Array;
}

/** Detections in submission order (ties keep it), boxes `[xmin, ymin, xmax, ymax]`. */
export interface VocDetections {
  count: number;
  image: Uint32Array;
  category: Uint32Array;
  score: Float64Array;
  box: Float64Array;
  /** Their grouping by image and class (image-grouping.ts), when the reader's caller made it. */
  byImage?: ImageGrouping;
}

const FP = 0;
const TP = 1;

export interface VocChunk {
  images: Uint32Array;
  recordStart: Uint32Array;
  category: Uint32Array;
  score: Float64Array;
  /** Index of the detection in the submission: the devkit's tie order. */
  sequence: Uint32Array;
  /** 0 false positive, 1 true positive (detections on difficult objects are left out). */
  status: Uint8Array;
  /** Non-difficult objects per image and class: entries `positiveStart[i] .. positiveStart[i+1]`. */
  positiveStart: Uint32Array;
  positiveCategory: Uint32Array;
  positiveCount: Uint32Array;
}

/** Matched images: picks of chunks (picks.ts). */
export type VocState = PickedChunks<VocChunk>;

/** One `add`: detections to match, or positions of a chunk matched earlier (picks.ts). */
export type VocBatch = PickedBatch<VocDetections, VocChunk>;

export interface VocResult {
  metrics: Scores;
  /** Per class name; null for a class without non-difficult objects. */
  ap07: Record<string, number | null>;
  ap: Record<string, number | null>;
}

/** `iou`: a detection matches an object when their overlap is >= iou (0 < iou <= 1). */
export function vocEvaluator(truth: VocGroundTruth, { iou = DEFAULT_IOU }: { iou?: number } = {}): Evaluator<VocState, VocBatch, VocResult> {
  return pickedChunksEvaluator({
    version: VOC_VERSION,
    metrics: vocMetrics(iou),
    matcher: () => vocMatcher(truth, { iou }),
    accumulate: (refs) => accumulate(truth, refs),
  });
}

/** Matches the given truth images (ranks) against detections: one chunk, to be picked from. */
export function vocMatcher(truth: VocGroundTruth, { iou = DEFAULT_IOU }: { iou?: number } = {}): (detections: VocDetections, images: ArrayLike<number>) => VocChunk {
  const K = truth.classNames.length;
  const gt = groupByImage(truth.image, truth.category, truth.count, truth.imageIds.length, K);
  const detGroups = groupingCache(truth.imageIds.length, K);
  return (d, images) => evaluateImages(truth, gt, d, detGroups(d), images, iou);
}

function evaluateImages(
  truth: VocGroundTruth,
  gt: ImageGrouping,
  dets: VocDetections,
  groups: ImageGrouping,
  images: ArrayLike<number>,
  minOverlap: number,
): VocChunk {
  let maxRecords = 0;
  let maxGt = 0;
  for (let i = 0; i < images.length; i++) {
    const img = images[i]!;
    maxRecords += groups.imageStart[img + 1]! - groups.imageStart[img]!;
    maxGt += gt.imageStart[img + 1]! - gt.imageStart[img]!;
  }
  const recordStart = new Uint32Array(images.length + 1);
  const category = new Uint32Array(maxRecords);
  const score = new Float64Array(maxRecords);
  const sequence = new Uint32Array(maxRecords);
  const status = new Uint8Array(maxRecords);
  const positiveStart = new Uint32Array(images.length + 1);
  const positiveCategory = new Uint32Array(maxGt);
  const positiveCount = new Uint32Array(maxGt);
  let n = 0;
  let np = 0;
  let used = new Uint8Array(64);
  for (let i = 0; i < images.length; i++) {
    const img = images[i]!;
    let gi = gt.imageStart[img]!;
    const ge = gt.imageStart[img + 1]!;
    let di = groups.imageStart[img]!;
    const de = groups.imageStart[img + 1]!;
    while (gi < ge || di < de) {
      const gc = gi < ge ? truth.category[gt.order[gi]!]! : Infinity;
      const dc = di < de ? dets.category[groups.order[di]!]! : Infinity;
      const cls = Math.min(gc, dc);
      let gEnd = gi;
      while (gEnd < ge && truth.category[gt.order[gEnd]!] === cls) gEnd++;
      let dEnd = di;
      while (dEnd < de && dets.category[groups.order[dEnd]!] === cls) dEnd++;
      const ng = gEnd - gi;
      if (ng > 0) {
        let positives = 0;
        for (let g = gi; g < gEnd; g++) if (!truth.difficult[gt.order[g]!]) positives++;
        positiveCategory[np] = cls;
        positiveCount[np++] = positives;
      }
      if (ng > used.length) used = new Uint8Array(ng * 2);
      used.fill(0, 0, ng);
      // Detections of this image and class by confidence, descending, ties in submission order.
      const sorted = Array.from(groups.order.subarray(di, dEnd)).sort((x, y) => dets.score[y]! - dets.score[x]! || x - y);
      for (const d of sorted) {
        const b = d * 4;
        const x1 = dets.box[b]!, y1 = dets.box[b + 1]!, x2 = dets.box[b + 2]!, y2 = dets.box[b + 3]!;
        let ovmax = -Infinity;
        let jmax = -1;
        for (let g = 0; g < ng; g++) {
          const o = gt.order[gi + g]! * 4;
          const ov = vocOverlap(x1, y1, x2, y2, truth.box[o]!, truth.box[o + 1]!, truth.box[o + 2]!, truth.box[o + 3]!);
          if (ov > ovmax) {
            ovmax = ov;
            jmax = g;
          }
        }
        let s: number;
        if (ovmax >= minOverlap) {
          if (truth.difficult[gt.order[gi + jmax]!]) continue; // neither TP nor FP
          if (!used[jmax]) {
            used[jmax] = 1;
            s = TP;
          } else s = FP;
        } else s = FP;
        category[n] = cls;
        score[n] = dets.score[d]!;
        sequence[n] = d;
        status[n++] = s;
      }
      gi = gEnd;
      di = dEnd;
    }
    recordStart[i + 1] = n;
    positiveStart[i + 1] = np;
  }
  return {
    images: Uint32Array.from(images),
    recordStart,
    category: category.subarray(0, n),
    score: score.subarray(0, n),
    sequence: sequence.subarray(0, n),
    status: status.subarray(0, n),
    positiveStart,
    positiveCategory: positiveCategory.subarray(0, np),
    positiveCount: positiveCount.subarray(0, np),
  };
}

/** The 11 recall thresholds of the VOC2007 rule: Octave's `0:0.1:1`, i.e. `k*0.1`. */
const ELEVEN_POINTS = Array.from({ length: 11 }, (_, k) => k * 0.1);

/**
 * VOC2007 11-point AP: `ap = sum over t in 0:0.1:1 of max(prec(rec >= t)) / 11` (0 when no
 * entry reaches t), added in order as the devkit's loop does.
 */
export function elevenPointAp(rec: ArrayLike<number>, prec: ArrayLike<number>, n = rec.length): number {
  let ap = 0;
  for (const t of ELEVEN_POINTS) {
    let p = -Infinity;
    for (let i = 0; i < n; i++) if (rec[i]! >= t && prec[i]! > p) p = prec[i]!;
    ap = ap + (p === -Infinity ? 0 : p) / 11;
  }
  return ap;
}

/**
 * VOC2010+ AP (`VOCap.m`): `mrec = [0; rec; 1]`, `mpre = [0; prec; 0]`, precision made
 * monotone from the right, then `sum((mrec(i) - mrec(i-1)) .* mpre(i))` over the points i where
 * recall changes, summed in order.
 */
export function areaAp(rec: ArrayLike<number>, prec: ArrayLike<number>, n = rec.length): number {
  const mrec = new Float64Array(n + 2);
  const mpre = new Float64Array(n + 2);
  for (let i = 0; i < n; i++) {
    mrec[i + 1] = rec[i]!;
    mpre[i + 1] = prec[i]!;
  }
  mrec[n + 1] = 1;
  for (let i = n; i >= 0; i--) mpre[i] = Math.max(mpre[i]!, mpre[i + 1]!);
  let ap = 0;
  for (let i = 1; i < n + 2; i++) if (mrec[i] !== mrec[i - 1]) ap += (mrec[i]! - mrec[i - 1]!) * mpre[i]!;
  return ap;
}

function accumulate(truth: VocGroundTruth, refs: Array<{ chunk: VocChunk; index: number }>): VocResult {
  const K = truth.classNames.length;
  let n = 0;
  for (const { chunk, index } of refs) n += chunk.recordStart[index + 1]! - chunk.recordStart[index]!;
  const category = new Uint32Array(n);
  const score = new Float64Array(n);
  const sequence = new Uint32Array(n);
  const status = new Uint8Array(n);
  const npos = new Float64Array(K);
  let p = 0;
  for (const { chunk, index } of refs) {
    const s = chunk.recordStart[index]!;
    const e = chunk.recordStart[index + 1]!;
    category.set(chunk.category.subarray(s, e), p);
    score.set(chunk.score.subarray(s, e), p);
    sequence.set(chunk.sequence.subarray(s, e), p);
    status.set(chunk.status.subarray(s, e), p);
    p += e - s;
    for (let g = chunk.positiveStart[index]!; g < chunk.positiveStart[index + 1]!; g++) npos[chunk.positiveCategory[g]!] += chunk.positiveCount[g]!;
  }
  const order = orderByGroupThenScore(category, score, n, sequence);
  const ap07: Record<string, number | null> = {};
  const ap: Record<string, number | null> = {};
  let rec = new Float64Array(256);
  let prec = new Float64Array(256);
  let start = 0;
  let sum07 = 0;
  let sum = 0;
  let classes = 0;
  for (let k = 0; k < K; k++) {
    let end = start;
    while (end < n && category[order[end]!] === k) end++;
    const name = truth.classNames[k]!;
    if (npos[k] === 0) {
      ap07[name] = null;
      ap[name] = null;
      start = end;
      continue;
    }
    if (end - start > rec.length) {
      rec = new Float64Array((end - start) * 2);
      prec = new Float64Array((end - start) * 2);
    }
    let tp = 0;
    let fp = 0;
    for (let j = start; j < end; j++) {
      if (status[order[j]!] === TP) tp++;
      else fp++;
      rec[j - start] = tp / npos[k]!;
      prec[j - start] = tp / (fp + tp);
    }
    const a07 = elevenPointAp(rec, prec, end - start);
    const a = areaAp(rec, prec, end - start);
    ap07[name] = a07;
    ap[name] = a;
    sum07 += a07;
    sum += a;
    classes++;
    start = end;
  }
  return {
    metrics: { voc07_map: classes ? sum07 / classes : null, voc_map: classes ? sum / classes : null },
    ap07,
    ap,
  };
}
