/**
 * Box overlap (intersection over union) in the two conventions detection benchmarks use.
 * Each reproduces its reference's floating-point operations in the same order, so the values
 * are bit-identical to the reference's.
 */

/**
 * COCO IoU of a detection and a ground-truth box, both `[x, y, width, height]`, continuous
 * coordinates (no +1). For a crowd ground truth the union is the detection's area alone.
 * Reference: cocoapi `maskApi.c` `bbIou`:
 * `w = min(dx+dw, gx+gw) - max(dx, gx)`, same for h; `i = w*h`; `u = crowd ? dw*dh : dw*dh + gw*gh - i`.
 */
export function cocoIou(
  dx: number, dy: number, dw: number, dh: number,
  gx: number, gy: number, gw: number, gh: number,
  crowd: boolean,
): number {
  const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
  if (w <= 0) return 0;
  const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
  if (h <= 0) return 0;
  const i = w * h;
  const da = dw * dh;
  const u = crowd ? da : da + gw * gh - i;
  return i / u;
}

/**
 * PASCAL VOC overlap of two `[xmin, ymin, xmax, ymax]` boxes in 1-based inclusive pixels (the
 * +1 convention), or -Infinity when they do not intersect (the devkit skips those).
 * Reference: VOC devkit `VOCevaldet.m`: `iw = min(x2) - max(x1) + 1`, `ih` likewise;
 * `ua = (bw+1)(bh+1) + (gw+1)(gh+1) - iw*ih`; `ov = iw*ih/ua`.
 */
export function vocOverlap(
  x1: number, y1: number, x2: number, y2: number,
  gx1: number, gy1: number, gx2: number, gy2: number,
): number {
  const iw = Math.min(x2, gx2) - Math.max(x1, gx1) + 1;
  const ih = Math.min(y2, gy2) - Math.max(y1, gy1) + 1;
  if (!(iw > 0 && ih > 0)) return -Infinity;
  const ua = (x2 - x1 + 1) * (y2 - y1 + 1) + (gx2 - gx1 + 1) * (gy2 - gy1 + 1) - iw * ih;
  return (iw * ih) / ua;
}
