/**
 * COCO bounding-box evaluation, number for number as pycocotools `COCOeval` (iouType 'bbox',
 * cocoapi 8c9bcc3): the same thresholds, tie order, crowd rule, area buckets, maxDets and
 * summation order, so the 12 summary numbers are the ones pycocotools prints.
 *
 * Layout (the speed comes from here, the numbers do not change):
 * - per image, ground truth and detections grouped by category once; per (image, category)
 *   one IoU matrix serves all 10 thresholds and all 4 area ranges;
 * - per kept detection one record: category, rank in its (image, category), score and a
 *   status word per area range holding TP / FP / ignored for the 10 IoU thresholds (2 bits each);
 * - accumulation sorts all records once by (category, score descending) — a stable radix sort
 *   whose input order is (image, rank), which is pycocotools' tie order — and reads recall at
 *   1 and 10 detections from the ranks instead of sorting again. Precision at a recall point
 *   only ever lands on a true positive, so only the false-positive count at each true positive
 *   is kept; a word that is all FP or all ignored (most detections) costs one comparison.
 *
 * The state is a list of per-image chunks, so images scored in separate shards (threads,
 * machines) merge exactly, and any multiset of images (splits, bootstrap draws) can be
 * accumulated without matching again.
 *
 * Not copied from pycocotools: its matching stores annotation ids and tests them for zero, so
 * a ground truth with id 0 is never a true positive. Here matches are kept by index.
 */
import { cocoIou } from './box-iou.js';
import { groupByImage, groupingCache, type ImageGrouping } from './image-grouping.js';
import type { Evaluator, MetricInfo, Scores } from './evaluator.js';
import { numpyMean } from './numpy-mean.js';
import { pickedChunksEvaluator, type PickedBatch, type PickedChunks } from './picks.js';
import { orderByGroupThenScore } from './score-order.js';

/** `np.linspace(start, stop, num)`: `i*step + start`, the last value set to `stop`. */
function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

/** `np.linspace(.5, 0.95, 10)`; element 8 is 0.8999999999999999. */
export const IOU_THRESHOLDS = linspace(0.5, 0.95, 10);
/** `np.linspace(.0, 1.00, 101)`. */
export const RECALL_THRESHOLDS = linspace(0, 1, 101);
/** all, small, medium, large; bounds inclusive on both ends, applied to the `area` field. */
export const AREA_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0 ** 2, 1e5 ** 2],
  [0 ** 2, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e5 ** 2],
];
const AREA_LO = Float64Array.from(AREA_RANGES, (r) => r[0]);
const AREA_HI = Float64Array.from(AREA_RANGES, (r) => r[1]);
export const AREA_LABELS = ['all', 'small', 'medium', 'large'] as const;
export const MAX_DETS = [1, 10, 100] as const;

const T = IOU_THRESHOLDS.length;
const R = RECALL_THRESHOLDS.length;
const A = AREA_RANGES.length;
const M = MAX_DETS.length;
const MAX_DET = MAX_DETS[M - 1];
/** Below this IoU a detection matches nothing at any threshold. */
const LOWEST_THRESHOLD = Math.min(...IOU_THRESHOLDS);
/** `np.spacing(1)`. */
const EPS = Number.EPSILON;

const FP = 0;
const TP = 1;
const IGNORED = 2;
/** A status word whose 10 thresholds are all FP / all ignored (2 = ignored). */
const ALL_FP = 0;
const ALL_IGNORED = 0xaaaaa;

export const COCO_METRICS: readonly MetricInfo[] = [
  { name: 'AP', higherIsBetter: true, description: 'AP at IoU=.50:.05:.95, all areas, 100 detections (COCO primary)' },
  { name: 'AP50', higherIsBetter: true, description: 'AP at IoU=.50 (PASCAL-like)' },
  { name: 'AP75', higherIsBetter: true, description: 'AP at IoU=.75 (strict)' },
  { name: 'APs', higherIsBetter: true, description: 'AP for small objects: area < 32^2' },
  { name: 'APm', higherIsBetter: true, description: 'AP for medium objects: 32^2 < area < 96^2' },
  { name: 'APl', higherIsBetter: true, description: 'AP for large objects: area > 96^2' },
  { name: 'AR1', higherIsBetter: true, description: 'AR given 1 detection per image and category' },
  { name: 'AR10', higherIsBetter: true, description: 'AR given 10 detections per image and category' },
  { name: 'AR100', higherIsBetter: true, description: 'AR given 100 detections per image and category' },
  { name: 'ARs', higherIsBetter: true, description: 'AR for small objects (100 detections)' },
  { name: 'ARm', higherIsBetter: true, description: 'AR for medium objects (100 detections)' },
  { name: 'ARl', higherIsBetter: true, description: 'AR for large objects (100 detections)' },
];

/** Ground truth: annotations as parallel arrays; images and categories by rank (ids ascending). */
export interface CocoGroundTruth {
  /**
   * Image ids ascending (numbers, or strings in code point order as pycocotools sorts them); an
   * annotation's `image` is an index into this list.
   */
  imageIds: readonly number[] | readonly string[];
  /** Category ids ascending; an annotation's `category` is an index into this list. */
  categoryIds: readonly number[];
  categoryNames: readonly string[];
  count: number;
  image: Uint32Array;
  category: Uint32Array;
  /** `[x, y, width, height]` per annotation. */
  box: Float64Array;
  /** The annotation's `area` field (not width*height): it decides the size bucket. */
  area: Float64Array;
  crowd: Uint8Array;
}

/** Detections in submission order, images and categories as ranks of the ground truth. */
export interface CocoDetections {
  count: number;
  image: Uint32Array;
  category: Uint32Array;
  score: Float64Array;
  /** `[x, y, width, height]` per detection. */
  box: Float64Array;
  /** Their grouping by image and category (image-grouping.ts), when the reader's caller made it. */
  byImage?: ImageGrouping;
}

/** Matching results of some images: the unit of the mergeable state. */
export interface CocoChunk {
  /** Image ranks, in the order they were evaluated. */
  images: Uint32Array;
  /** Records of `images[i]`: `recordStart[i] .. recordStart[i+1]`. */
  recordStart: Uint32Array;
  category: Uint32Array;
  /** Rank of the detection within its (image, category) after the score sort: 0..99. */
  rank: Uint8Array;
  score: Float64Array;
  /**
   * `status[record*4 + area] >>> (2*threshold) & 3`: 0 false positive, 1 true positive,
   * 2 ignored.
   */
  status: Uint32Array;
  /** Non-ignored ground-truth counts of `images[i]`: entries `gtStart[i] .. gtStart[i+1]`. */
  gtStart: Uint32Array;
  gtCategory: Uint32Array;
  /** 4 counts per entry, one per area range. */
  gtCounts: Uint32Array;
}

/** Matched images: picks of chunks (picks.ts). */
export type CocoState = PickedChunks<CocoChunk>;

/** One `add`: detections to match, or positions of a chunk matched earlier (picks.ts). */
export type CocoBatch = PickedBatch<CocoDetections, CocoChunk>;

export interface CocoCategoryResult {
  id: number;
  name: string;
  AP: number | null;
  AP50: number | null;
  AP75: number | null;
  AR100: number | null;
}

export interface CocoResult {
  /**
   * The 12 numbers of `COCOeval.summarize()`; null where pycocotools prints its -1 sentinel
   * (no category has non-ignored ground truth in that area range), so no caller can store or
   * rank -1 as a score.
   */
  metrics: Scores;
  /** Per category (ids ascending); null where the category has no non-crowd ground truth. */
  perCategory: CocoCategoryResult[];
  /**
   * Interpolated precision at the 101 recall points (area all, 100 detections), averaged over
   * the categories that have ground truth: at IoU .50, .75 and over .50:.95.
   */
  curves: { recall: number[]; precision: { 'iou0.50': number[]; 'iou0.75': number[]; 'iou0.50:0.95': number[] } };
  /** `precision[((t*101 + r)*K + k)*4 + a]` at 100 detections, -1 where undefined (pycocotools layout minus maxDets). */
  precision: Float64Array;
  /** `recall[((t*K + k)*4 + a)*3 + m]`, -1 where undefined. */
  recall: Float64Array;
}

/** Per-truth scratch space and index shared by every `add`. */
interface Scorer {
  truth: CocoGroundTruth;
  gtGroups: ImageGrouping;
  detGroups: (d: CocoDetections) => ImageGrouping;
}

export const COCO_VERSION = 'coco-bbox-2';

/** A mergeable COCO evaluator bound to one ground truth. */
export function cocoEvaluator(truth: CocoGroundTruth): Evaluator<CocoState, CocoBatch, CocoResult> {
  return pickedChunksEvaluator({
    version: COCO_VERSION,
    metrics: COCO_METRICS,
    matcher: () => cocoMatcher(truth),
    accumulate: (refs) => accumulate(truth, refs),
  });
}

/** Matches the given truth images (ranks) against detections: one chunk, to be picked from. */
export function cocoMatcher(truth: CocoGroundTruth): (detections: CocoDetections, images: ArrayLike<number>) => CocoChunk {
  const scorer: Scorer = {
    truth,
    gtGroups: groupByImage(truth.image, truth.category, truth.count, truth.imageIds.length, truth.categoryIds.length),
    detGroups: groupingCache(truth.imageIds.length, truth.categoryIds.length),
  };
  return (d, images) => evaluateImages(scorer, d, scorer.detGroups(d), images);
}

type ImageRef = { chunk: CocoChunk; index: number };

/** Scratch buffers for one (image, category) group, grown as needed. */
class GroupScratch {
  dets = new Uint32Array(128);
  best = new Float64Array(128);
  candidates = new Uint32Array(128);
  detArea = new Float64Array(128);
  crowd = new Uint8Array(64);
  ious = new Float64Array(1024);
  gtIgnore = new Uint8Array(64);
  gtOrder = new Uint32Array(64);
  matched = new Uint8Array(64);
  ensure(nd: number, ng: number): void {
    if (nd > this.dets.length) {
      this.dets = new Uint32Array(nd * 2);
      this.best = new Float64Array(nd * 2);
      this.candidates = new Uint32Array(nd * 2);
      this.detArea = new Float64Array(nd * 2);
    }
    if (nd * ng > this.ious.length) this.ious = new Float64Array(nd * ng * 2);
    if (ng > this.gtIgnore.length) {
      this.gtIgnore = new Uint8Array(ng * 2);
      this.gtOrder = new Uint32Array(ng * 2);
      this.matched = new Uint8Array(ng * 2);
      this.crowd = new Uint8Array(ng * 2);
    }
  }
}

/**
 * pycocotools `evaluateImg` for every category of the given images. Per (image, category):
 * detections sorted by score (stable) and cut to 100; for each area range the ground truth is
 * reordered so ignored boxes come last (stable), then for each IoU threshold each detection
 * takes the best still-free ground truth with IoU >= threshold (later wins ties; a crowd box
 * can be taken again; after a regular match, ignored boxes are not considered).
 */
function evaluateImages(scorer: Scorer, dets: CocoDetections, detGroups: ImageGrouping, images: ArrayLike<number>): CocoChunk {
  const { truth, gtGroups } = scorer;
  let maxRecords = 0;
  let maxGt = 0;
  for (let i = 0; i < images.length; i++) {
    const img = images[i]!;
    maxRecords += detGroups.imageStart[img + 1]! - detGroups.imageStart[img]!;
    maxGt += gtGroups.imageStart[img + 1]! - gtGroups.imageStart[img]!;
  }
  const chunkImages = Uint32Array.from(images);
  const recordStart = new Uint32Array(images.length + 1);
  const category = new Uint32Array(maxRecords);
  const rank = new Uint8Array(maxRecords);
  const score = new Float64Array(maxRecords);
  const status = new Uint32Array(maxRecords * A);
  const gtStart = new Uint32Array(images.length + 1);
  const gtCategory = new Uint32Array(maxGt);
  const gtCounts = new Uint32Array(maxGt * A);
  let nRecords = 0;
  let nGt = 0;
  const scratch = new GroupScratch();
  const gtOrderAll = gtGroups.order;
  const detOrderAll = detGroups.order;

  for (let i = 0; i < images.length; i++) {
    const img = images[i]!;
    let gi = gtGroups.imageStart[img]!;
    const ge = gtGroups.imageStart[img + 1]!;
    let di = detGroups.imageStart[img]!;
    const de = detGroups.imageStart[img + 1]!;
    while (gi < ge || di < de) {
      const gc = gi < ge ? truth.category[gtOrderAll[gi]!]! : Infinity;
      const dc = di < de ? dets.category[detOrderAll[di]!]! : Infinity;
      const cat = Math.min(gc, dc);
      let gEnd = gi;
      while (gEnd < ge && truth.category[gtOrderAll[gEnd]!] === cat) gEnd++;
      let dEnd = di;
      while (dEnd < de && dets.category[detOrderAll[dEnd]!] === cat) dEnd++;
      const ng = gEnd - gi;
      const nAll = dEnd - di;
      const nd = Math.min(nAll, MAX_DET);
      scratch.ensure(nAll, ng);
      const sorted = scratch.dets;
      sortByScoreDescending(detOrderAll, di, dEnd, dets.score, sorted);

      for (let d = 0; d < nd; d++) {
        const r = nRecords + d;
        category[r] = cat;
        rank[r] = d;
        score[r] = dets.score[sorted[d]!]!;
      }

      // A detection that matches nothing is a false positive where its own area (w*h) is in
      // range, else ignored; that word serves every detection that overlaps no box enough.
      const detArea = scratch.detArea;
      for (let d = 0; d < nd; d++) {
        const db = sorted[d]! * 4;
        const area = dets.box[db + 2]! * dets.box[db + 3]!;
        detArea[d] = area;
        const base = (nRecords + d) * A;
        for (let a = 0; a < A; a++) status[base + a] = area < AREA_LO[a]! || area > AREA_HI[a]! ? ALL_IGNORED : ALL_FP;
      }

      if (ng > 0) {
        gtCategory[nGt] = cat;
        // IoU matrix, detections x ground truth in file order. Detections whose best IoU is
        // below the lowest threshold match nothing anywhere; the others are the candidates,
        // and below a threshold a candidate's scan is skipped too.
        const ious = scratch.ious;
        const best = scratch.best;
        const candidates = scratch.candidates;
        const crowd = scratch.crowd;
        for (let g = 0; g < ng; g++) crowd[g] = truth.crowd[gtOrderAll[gi + g]!]!;
        let nCandidates = 0;
        for (let d = 0; d < nd; d++) {
          const db = sorted[d]! * 4;
          const dx = dets.box[db]!, dy = dets.box[db + 1]!, dw = dets.box[db + 2]!, dh = dets.box[db + 3]!;
          let rowBest = 0;
          for (let g = 0; g < ng; g++) {
            const a = gtOrderAll[gi + g]!;
            const gb = a * 4;
            const v = cocoIou(dx, dy, dw, dh, truth.box[gb]!, truth.box[gb + 1]!, truth.box[gb + 2]!, truth.box[gb + 3]!, truth.crowd[a] !== 0);
            ious[d * ng + g] = v;
            if (v > rowBest) rowBest = v;
          }
          best[d] = rowBest;
          if (rowBest >= LOWEST_THRESHOLD) candidates[nCandidates++] = d;
        }

        for (let a = 0; a < A; a++) {
          const lo = AREA_LO[a]!;
          const hi = AREA_HI[a]!;
          const gtIgnore = scratch.gtIgnore;
          const gtOrder = scratch.gtOrder;
          // Ground truth reordered: regular first, ignored last, each in file order.
          let regular = 0;
          for (let g = 0; g < ng; g++) {
            const ann = gtOrderAll[gi + g]!;
            const area = truth.area[ann]!;
            gtIgnore[g] = truth.crowd[ann] !== 0 || area < lo || area > hi ? 1 : 0;
            if (!gtIgnore[g]) gtOrder[regular++] = g;
          }
          let k = regular;
          for (let g = 0; g < ng; g++) if (gtIgnore[g]) gtOrder[k++] = g;
          gtCounts[nGt * A + a] = regular;
          if (nCandidates === 0) continue;

          for (let c = 0; c < nCandidates; c++) status[(nRecords + candidates[c]!) * A + a] = 0;
          for (let t = 0; t < T; t++) {
            const matched = scratch.matched;
            matched.fill(0, 0, ng);
            const threshold = Math.min(IOU_THRESHOLDS[t]!, 1 - 1e-10);
            for (let c = 0; c < nCandidates; c++) {
              const d = candidates[c]!;
              let m = -1;
              if (best[d]! >= threshold) {
                let iou = threshold;
                const row = d * ng;
                for (let j = 0; j < ng; j++) {
                  const g = gtOrder[j]!;
                  if (matched[g] && !crowd[g]) continue;
                  if (m > -1 && !gtIgnore[m] && gtIgnore[g]) break;
                  const v = ious[row + g]!;
                  if (v < iou) continue;
                  iou = v;
                  m = g;
                }
              }
              let s: number;
              if (m === -1) {
                const area = detArea[d]!;
                s = area < lo || area > hi ? IGNORED : FP;
              } else {
                matched[m] = 1;
                s = gtIgnore[m] ? IGNORED : TP;
              }
              status[(nRecords + d) * A + a] |= s << (2 * t);
            }
          }
        }
        nGt++;
      }
      nRecords += nd;
      gi = gEnd;
      di = dEnd;
    }
    recordStart[i + 1] = nRecords;
    gtStart[i + 1] = nGt;
  }
  return {
    images: chunkImages,
    recordStart,
    category: category.subarray(0, nRecords),
    rank: rank.subarray(0, nRecords),
    score: score.subarray(0, nRecords),
    status: status.subarray(0, nRecords * A),
    gtStart,
    gtCategory: gtCategory.subarray(0, nGt),
    gtCounts: gtCounts.subarray(0, nGt * A),
  };
}

/** `np.argsort(-score, kind='mergesort')` of `order[start, end)` into `out`: stable, descending. */
function sortByScoreDescending(order: Uint32Array, start: number, end: number, score: Float64Array, out: Uint32Array): void {
  const n = end - start;
  if (n > 64) {
    const idx = Array.from(order.subarray(start, end));
    idx.sort((x, y) => score[y]! - score[x]!); // Array.prototype.sort is stable
    out.set(idx);
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = order[start + i]!;
    const s = score[v]!;
    let j = i;
    while (j > 0 && score[out[j - 1]!]! < s) {
      out[j] = out[j - 1]!;
      j--;
    }
    out[j] = v;
  }
}

/**
 * pycocotools `accumulate` + `summarize` over the given images (in this order). Precision at
 * recall r: the first position where recall >= r (left binary search), of the precision made
 * monotone from the right; 0 past the end. Means as `np.mean` over entries > -1.
 */
function accumulate(truth: CocoGroundTruth, refs: ImageRef[]): CocoResult {
  const K = truth.categoryIds.length;
  let n = 0;
  for (const { chunk, index } of refs) n += chunk.recordStart[index + 1]! - chunk.recordStart[index]!;
  const category = new Uint32Array(n);
  const score = new Float64Array(n);
  const rank = new Uint8Array(n);
  const status = new Uint32Array(n * A);
  const npig = new Uint32Array(K * A);
  let p = 0;
  for (const { chunk, index } of refs) {
    const s = chunk.recordStart[index]!;
    const e = chunk.recordStart[index + 1]!;
    category.set(chunk.category.subarray(s, e), p);
    score.set(chunk.score.subarray(s, e), p);
    rank.set(chunk.rank.subarray(s, e), p);
    status.set(chunk.status.subarray(s * A, e * A), p * A);
    p += e - s;
    for (let g = chunk.gtStart[index]!; g < chunk.gtStart[index + 1]!; g++) {
      const k = chunk.gtCategory[g]!;
      for (let a = 0; a < A; a++) npig[k * A + a] += chunk.gtCounts[g * A + a]!;
    }
  }
  // Records are in (image, category, rank) order; a stable sort by (category, -score) gives
  // pycocotools' order: score descending, ties by image, then by rank in the image.
  const order = orderByGroupThenScore(category, score, n);
  // Status words in sorted order, one plane per area range, so the passes read in sequence.
  const planes = new Uint32Array(A * n);
  const sortedRank = new Uint8Array(n);
  const categoryEnd = new Uint32Array(K);
  for (let j = 0; j < n; j++) {
    const r = order[j]!;
    for (let a = 0; a < A; a++) planes[a * n + j] = status[r * A + a]!;
    sortedRank[j] = rank[r]!;
    categoryEnd[category[r]!] = j + 1;
  }
  let mostPositives = 1;
  for (let i = 0; i < K * A; i++) mostPositives = Math.max(mostPositives, npig[i]!);

  const precision = new Float64Array(T * R * K * A).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  // Per threshold: false positives before each true positive (at most npig true positives).
  const fpAtTp = new Float64Array(T * mostPositives);
  const envelope = new Float64Array(mostPositives);
  const tps = new Uint32Array(T);
  const tps1 = new Uint32Array(T);
  const tps10 = new Uint32Array(T);
  const fpExtra = new Uint32Array(T);
  const ignoredExtra = new Uint32Array(T);
  let start = 0;
  for (let k = 0; k < K; k++) {
    const end = Math.max(start, categoryEnd[k]!);
    for (let a = 0; a < A; a++) {
      const positives = npig[k * A + a]!;
      if (positives === 0) continue;
      const plane = a * n;
      tps.fill(0);
      tps1.fill(0);
      tps10.fill(0);
      fpExtra.fill(0);
      ignoredExtra.fill(0);
      let allFp = 0;
      let mixed = 0;
      for (let j = start; j < end; j++) {
        const w = planes[plane + j]!;
        if (w === ALL_FP) {
          allFp++;
          continue;
        }
        if (w === ALL_IGNORED) continue;
        mixed++;
        const rk = sortedRank[j]!;
        for (let t = 0; t < T; t++) {
          const s = (w >>> (2 * t)) & 3;
          if (s === FP) fpExtra[t]++;
          else if (s === TP) {
            fpAtTp[t * mostPositives + tps[t]!] = allFp + fpExtra[t]!;
            tps[t]++;
            if (rk < MAX_DETS[0]) tps1[t]++;
            if (rk < MAX_DETS[1]) tps10[t]++;
          } else ignoredExtra[t]++;
        }
      }
      for (let t = 0; t < T; t++) {
        const tp = tps[t]!;
        // Detections not ignored at this threshold (pycocotools' entries that move tp or fp).
        const counted = allFp + mixed - ignoredExtra[t]!;
        // Precision at each true positive, tp / (fp + tp + eps), made monotone from the right.
        const fpBase = t * mostPositives;
        for (let i = tp - 1; i >= 0; i--) {
          const p = (i + 1) / (fpAtTp[fpBase + i]! + (i + 1) + EPS);
          envelope[i] = i === tp - 1 || p > envelope[i + 1]! ? p : envelope[i + 1]!;
        }
        // The first entry with recall >= r is a true positive, or for r = 0 the first entry,
        // whose envelope is the maximum over the true positives (false positives never raise it).
        let q = 0;
        for (let ri = 0; ri < R; ri++) {
          const target = RECALL_THRESHOLDS[ri]!;
          let value: number;
          if (target <= 0) value = counted > 0 && tp > 0 ? envelope[0]! : 0;
          else {
            while (q < tp && (q + 1) / positives < target) q++;
            value = q < tp ? envelope[q]! : 0;
          }
          precision[((t * R + ri) * K + k) * A + a] = value;
        }
        const base = ((t * K + k) * A + a) * M;
        recall[base] = tps1[t]! / positives;
        recall[base + 1] = tps10[t]! / positives;
        recall[base + 2] = tp / positives;
      }
    }
    start = end;
  }
  return summarize(truth, precision, recall);
}

const T50 = IOU_THRESHOLDS.indexOf(0.5);
const T75 = IOU_THRESHOLDS.indexOf(0.75);

function summarize(truth: CocoGroundTruth, precision: Float64Array, recall: Float64Array): CocoResult {
  const K = truth.categoryIds.length;
  const buffer = new Float64Array(Math.max(T * R * K, 1));
  const allT = Array.from({ length: T }, (_, t) => t);
  const allK = Array.from({ length: K }, (_, k) => k);

  /** Mean of precision entries > -1 in numpy's C order (t, r, k); null when none (pycocotools: -1). */
  const meanPrecision = (ts: number[], ks: number[], a: number): number | null => {
    let n = 0;
    for (const t of ts) {
      for (let r = 0; r < R; r++) {
        for (const k of ks) {
          const v = precision[((t * R + r) * K + k) * A + a]!;
          if (v > -1) buffer[n++] = v;
        }
      }
    }
    return n === 0 ? null : numpyMean(buffer, n);
  };
  /** Mean of recall entries > -1 in order (t, k); null when none (pycocotools: -1). */
  const meanRecall = (ks: number[], a: number, m: number): number | null => {
    let n = 0;
    for (let t = 0; t < T; t++) {
      for (const k of ks) {
        const v = recall[((t * K + k) * A + a) * M + m]!;
        if (v > -1) buffer[n++] = v;
      }
    }
    return n === 0 ? null : numpyMean(buffer, n);
  };

  const metrics: Scores = {
    AP: meanPrecision(allT, allK, 0),
    AP50: meanPrecision([T50], allK, 0),
    AP75: meanPrecision([T75], allK, 0),
    APs: meanPrecision(allT, allK, 1),
    APm: meanPrecision(allT, allK, 2),
    APl: meanPrecision(allT, allK, 3),
    AR1: meanRecall(allK, 0, 0),
    AR10: meanRecall(allK, 0, 1),
    AR100: meanRecall(allK, 0, 2),
    ARs: meanRecall(allK, 1, 2),
    ARm: meanRecall(allK, 2, 2),
    ARl: meanRecall(allK, 3, 2),
  };

  const perCategory = allK.map((k) => ({
    id: truth.categoryIds[k]!,
    name: truth.categoryNames[k]!,
    AP: meanPrecision(allT, [k], 0),
    AP50: meanPrecision([T50], [k], 0),
    AP75: meanPrecision([T75], [k], 0),
    AR100: meanRecall([k], 0, 2),
  }));

  const curve = (ts: number[]): number[] => {
    const out: number[] = [];
    for (let r = 0; r < R; r++) {
      let n = 0;
      for (const t of ts) {
        for (let k = 0; k < K; k++) {
          const v = precision[((t * R + r) * K + k) * A]!;
          if (v > -1) buffer[n++] = v;
        }
      }
      out.push(n === 0 ? 0 : numpyMean(buffer, n));
    }
    return out;
  };
  return {
    metrics,
    perCategory,
    curves: {
      recall: Array.from(RECALL_THRESHOLDS),
      precision: { 'iou0.50': curve([T50]), 'iou0.75': curve([T75]), 'iou0.50:0.95': curve(allT) },
    },
    precision,
    recall,
  };
}
