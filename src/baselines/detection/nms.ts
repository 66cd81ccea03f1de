/** Greedy non-maximum suppression per class (as SSD's post-processing), on [x0, y0, x1, y1] boxes. */
export interface Detection {
  classIndex: number;
  score: number;
  /** x0, y0, x1, y1 in pixels. */
  box: [number, number, number, number];
}

function iou(a: Detection['box'], b: Detection['box']): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

export function nonMaxSuppression(candidates: Detection[], iouThreshold: number, maxPerImage: number): Detection[] {
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of sorted) {
    if (kept.length >= maxPerImage) break;
    if (kept.some((k) => k.classIndex === d.classIndex && iou(k.box, d.box) > iouThreshold)) continue;
    kept.push(d);
  }
  return kept;
}
