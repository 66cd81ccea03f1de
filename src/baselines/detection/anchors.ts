/**
 * SSD default boxes (Liu et al., "SSD: Single Shot MultiBox Detector", ECCV 2016, section 2.2)
 * and their matching and box coding:
 * - level k (an f_k x f_k map) has boxes centred at ((i + 0.5) / f_k, (j + 0.5) / f_k) with
 *   scale s_k and aspect ratios a in {1, 2, 1/2} (w = s_k sqrt(a), h = s_k / sqrt(a)), plus a
 *   square box of scale sqrt(s_k s_{k+1});
 * - a default box is positive for the ground truth it overlaps most if that IoU >= 0.5, and
 *   each ground truth also claims its best default box; boxes overlapping a crowd region by
 *   >= 0.5 are ignored (COCO crowd regions are not to be detected, nor penalised);
 * - offsets: ((cx - cx_a) / w_a / 0.1, (cy - cy_a) / h_a / 0.1, log(w / w_a) / 0.2, log(h / h_a) / 0.2).
 * Boxes here are [cx, cy, w, h] relative to the image side.
 */
export const VARIANCE_CENTER = 0.1;
export const VARIANCE_SIZE = 0.2;
export const ANCHORS_PER_CELL = 4;

export interface AnchorSet {
  /** n x 4: cx, cy, w, h. */
  boxes: Float32Array;
  count: number;
}

export function makeAnchors(featureSizes: number[], scales: number[]): AnchorSet {
  const list: number[] = [];
  featureSizes.forEach((f, k) => {
    const s = scales[k];
    const next = scales[k + 1] ?? Math.min(1, s * 1.5);
    for (let i = 0; i < f; i++) {
      for (let j = 0; j < f; j++) {
        const cx = (j + 0.5) / f;
        const cy = (i + 0.5) / f;
        // Order matters: it must match the head's channel layout (anchor-major per cell).
        list.push(cx, cy, s, s);
        list.push(cx, cy, s * Math.SQRT2, s / Math.SQRT2);
        list.push(cx, cy, s / Math.SQRT2, s * Math.SQRT2);
        const e = Math.sqrt(s * next);
        list.push(cx, cy, e, e);
      }
    }
  });
  return { boxes: Float32Array.from(list), count: list.length / 4 };
}

/** IoU of two [cx, cy, w, h] boxes. */
export function iouCenter(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): number {
  const ax0 = a[ai] - a[ai + 2] / 2, ax1 = a[ai] + a[ai + 2] / 2, ay0 = a[ai + 1] - a[ai + 3] / 2, ay1 = a[ai + 1] + a[ai + 3] / 2;
  const bx0 = b[bi] - b[bi + 2] / 2, bx1 = b[bi] + b[bi + 2] / 2, by0 = b[bi + 1] - b[bi + 3] / 2, by1 = b[bi + 1] + b[bi + 3] / 2;
  const iw = Math.min(ax1, bx1) - Math.max(ax0, bx0);
  const ih = Math.min(ay1, by1) - Math.max(ay0, by0);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / (a[ai + 2] * a[ai + 3] + b[bi + 2] * b[bi + 3] - inter);
}

export interface GroundTruth {
  /** [cx, cy, w, h] relative. */
  box: [number, number, number, number];
  /** 0-based class index (background excluded). */
  classIndex: number;
  crowd: boolean;
}

export interface Targets {
  /** Per anchor: class index + 1 for positives, 0 background, -1 ignored. */
  labels: Int32Array;
  /** Per anchor: encoded offsets (only meaningful for positives). */
  offsets: Float32Array;
  positives: number;
}

export function matchAnchors(anchors: AnchorSet, truths: GroundTruth[], threshold = 0.5): Targets {
  const n = anchors.count;
  const labels = new Int32Array(n);
  const offsets = new Float32Array(n * 4);
  const bestTruth = new Int32Array(n).fill(-1);
  const bestIou = new Float32Array(n);
  const regular = truths.filter((t) => !t.crowd);
  regular.forEach((t, g) => {
    let claim = -1;
    let claimIou = -1;
    for (let a = 0; a < n; a++) {
      const iou = iouCenter(anchors.boxes, a * 4, t.box, 0);
      if (iou > bestIou[a]) {
        bestIou[a] = iou;
        bestTruth[a] = g;
      }
      if (iou > claimIou) {
        claimIou = iou;
        claim = a;
      }
    }
    if (claim >= 0) {
      bestIou[claim] = 2; // each ground truth keeps its best default box
      bestTruth[claim] = g;
    }
  });
  let positives = 0;
  for (let a = 0; a < n; a++) {
    if (bestTruth[a] >= 0 && bestIou[a] >= threshold) {
      const t = regular[bestTruth[a]];
      labels[a] = t.classIndex + 1;
      encode(t.box, anchors.boxes, a, offsets);
      positives++;
    } else if (truths.some((t) => t.crowd && iouCenter(anchors.boxes, a * 4, t.box, 0) >= threshold)) {
      labels[a] = -1;
    }
  }
  return { labels, offsets, positives };
}

function encode(box: readonly number[], anchors: Float32Array, a: number, out: Float32Array): void {
  const [cx, cy, w, h] = [anchors[a * 4], anchors[a * 4 + 1], anchors[a * 4 + 2], anchors[a * 4 + 3]];
  out[a * 4] = (box[0] - cx) / w / VARIANCE_CENTER;
  out[a * 4 + 1] = (box[1] - cy) / h / VARIANCE_CENTER;
  out[a * 4 + 2] = Math.log(Math.max(box[2], 1e-6) / w) / VARIANCE_SIZE;
  out[a * 4 + 3] = Math.log(Math.max(box[3], 1e-6) / h) / VARIANCE_SIZE;
}

/** Inverse of the coding: [cx, cy, w, h] relative from offsets of anchor a. */
export function decode(offsets: ArrayLike<number>, oi: number, anchors: Float32Array, a: number): [number, number, number, number] {
  const [cx, cy, w, h] = [anchors[a * 4], anchors[a * 4 + 1], anchors[a * 4 + 2], anchors[a * 4 + 3]];
  return [
    cx + offsets[oi] * VARIANCE_CENTER * w,
    cy + offsets[oi + 1] * VARIANCE_CENTER * h,
    w * Math.exp(Math.min(offsets[oi + 2] * VARIANCE_SIZE, 4)),
    h * Math.exp(Math.min(offsets[oi + 3] * VARIANCE_SIZE, 4)),
  ];
}
