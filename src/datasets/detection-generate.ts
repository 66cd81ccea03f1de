/**
 * detection-mini: object detection in the COCO format (data/README.md). Eight categories of
 * coloured shapes on cluttered backgrounds, at COCO's three scales (small: area < 32^2, medium:
 * < 96^2, large: above), with some crowd regions: a cluster of small objects of one category
 * annotated once with iscrowd 1 and an RLE mask, as COCO does for crowds. Category ids are not
 * contiguous, as in COCO (1..90 with gaps), so nothing may assume id = index.
 * Boxes are tight around the visible pixels; `area` counts them.
 */
import path from 'node:path';
import { encodePng } from '../formats/png.js';
import { progress } from '../progress.js';
import { Rng } from './rng.js';
import { writeFile, writeJson } from './dataset-files.js';
import { encodeRle, instancesPerCategory, type CocoAnnotation, type CocoCategory, type CocoInstances } from './coco-format.js';
import { writeDetectionSolution, type DetectionSolution } from './detection-solution.js';
import { mostFrequent } from './inat2018-format.js';
import { addNoise, forEachCoveredPixel, ellipse, hsv, minus, paint, paintBackground, rect, rgbImage, scaleRgb, star, union, type Rgb, type RgbImage, type Shape } from './draw.js';

export interface DetectionMiniSizes {
  trainImages: number;
  testImages: number;
  /** Side of the square images in pixels. */
  size: number;
}

export const DETECTION_MINI_SIZES: DetectionMiniSizes = { trainImages: 600, testImages: 150, size: 128 };

interface CategoryLook {
  category: CocoCategory;
  hue: number;
  /** The shape of an object of this category with centre (cx, cy) and half-size r. */
  shape(cx: number, cy: number, r: number, angle: number): Shape;
}

const LOOKS: CategoryLook[] = [
  { category: { id: 1, name: 'disc', supercategory: 'round' }, hue: 0, shape: (cx, cy, r) => ellipse(cx, cy, r, r) },
  { category: { id: 2, name: 'ring', supercategory: 'round' }, hue: 200, shape: (cx, cy, r) => minus(ellipse(cx, cy, r, r), ellipse(cx, cy, r * 0.55, r * 0.55)) },
  { category: { id: 3, name: 'oval', supercategory: 'round' }, hue: 50, shape: (cx, cy, r, a) => ellipse(cx, cy, r, r * 0.55, a) },
  { category: { id: 5, name: 'square', supercategory: 'angular' }, hue: 120, shape: (cx, cy, r, a) => rect(cx, cy, r * 1.5, r * 1.5, a * 0.3) },
  { category: { id: 7, name: 'triangle', supercategory: 'angular' }, hue: 280, shape: (cx, cy, r, a) => star(cx, cy, r, r, 3, a * 0.3) },
  { category: { id: 8, name: 'star', supercategory: 'angular' }, hue: 30, shape: (cx, cy, r, a) => star(cx, cy, r, r * 0.45, 5, a) },
  { category: { id: 11, name: 'cross', supercategory: 'angular' }, hue: 330, shape: (cx, cy, r, a) => union(rect(cx, cy, r * 2, r * 0.6, a * 0.3), rect(cx, cy, r * 0.6, r * 2, a * 0.3)) },
  { category: { id: 13, name: 'bar', supercategory: 'angular' }, hue: 170, shape: (cx, cy, r, a) => rect(cx, cy, r * 2, r * 0.7, a) },
];

type Scale = 'small' | 'medium' | 'large';

/** Half-size ranges giving COCO areas mostly inside each scale's bounds (exact area is measured). */
const HALF_SIZE: Record<Scale, [number, number]> = { small: [4, 13], medium: [19, 40], large: [55, 62] };

interface Placed {
  look: CategoryLook;
  shape: Shape;
  colour: Rgb;
  crowd: boolean;
}

/** Draws one image and returns it with its COCO annotations (ids to be filled by the caller). */
function renderScene(rng: Rng, size: number): { img: RgbImage; annotations: Omit<CocoAnnotation, 'id' | 'image_id'>[] } {
  const img = rgbImage(size, size);
  const base = hsv(rng.uniform(0, 360), rng.uniform(0.05, 0.25), rng.uniform(0.35, 0.75));
  paintBackground(img, rng, base, scaleRgb(base, rng.uniform(0.7, 1.1)), 5);
  // Clutter: faint blobs that belong to no category.
  for (let i = rng.int(0, 4); i > 0; i--) {
    const c = scaleRgb(base, rng.uniform(0.8, 1.25));
    paint(img, ellipse(rng.uniform(0, size), rng.uniform(0, size), rng.uniform(5, 25), rng.uniform(3, 12), rng.uniform(0, Math.PI)), c);
  }

  const placed: Placed[] = [];
  const boxes: [number, number, number, number][] = [];
  const fits = (b: [number, number, number, number]) => boxes.every((o) => boxIou(o, b) < 0.15);
  const place = (look: CategoryLook, scale: Scale, crowd: boolean, near?: [number, number, number]) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const [lo, hi] = HALF_SIZE[scale];
      let r = rng.uniform(lo, hi);
      const large = scale === 'large';
      const spread = (v: number) => (large ? size / 2 + rng.uniform(-8, 8) : rng.uniform(v * 0.6, size - v * 0.6));
      const cx = near ? near[0] + rng.uniform(-near[2], near[2]) : spread(r);
      const cy = near ? near[1] + rng.uniform(-near[2], near[2]) : spread(r);
      const angle = rng.uniform(0, Math.PI * 2);
      // Thin shapes need a larger extent to reach COCO's large area (96^2).
      while (large && r < 100 && countPixels(look.shape(cx, cy, r, angle), size) < 96 * 96 * 1.05) r *= 1.08;
      const b: [number, number, number, number] = [cx - r, cy - r, cx + r, cy + r];
      if (!near && !fits(b)) continue;
      if (!near) boxes.push(b);
      const colour = hsv(look.hue + rng.uniform(-15, 15), rng.uniform(0.6, 0.9), rng.uniform(0.6, 0.95));
      placed.push({ look, shape: look.shape(cx, cy, r, angle), colour, crowd });
      return true;
    }
    return false;
  };

  if (rng.chance(0.15)) {
    // A crowd: 6-12 small objects of one category packed into one region.
    const look = rng.pick(LOOKS);
    const cx = rng.uniform(24, size - 24);
    const cy = rng.uniform(24, size - 24);
    boxes.push([cx - 26, cy - 26, cx + 26, cy + 26]);
    for (let i = rng.int(6, 12); i > 0; i--) place(look, 'small', true, [cx, cy, 18]);
  }
  if (rng.chance(0.25)) place(rng.pick(LOOKS), 'large', false);
  for (let i = rng.int(1, 5); i > 0; i--) place(rng.pick(LOOKS), rng.chance(0.5) ? 'small' : 'medium', false);

  // Paint in order; a later object hides an earlier one, so boxes come from the visible pixels.
  const owner = new Int16Array(size * size).fill(-1);
  placed.forEach((p, k) => {
    const shade = p.colour;
    paint(img, p.shape, (x, y) => scaleRgb(shade, 0.85 + 0.15 * Math.sin((x + y) * 0.4)));
    forEachCoveredPixel(p.shape, size, size, (x, y) => (owner[y * size + x] = k));
  });
  addNoise(img, rng, 3);

  const annotations: Omit<CocoAnnotation, 'id' | 'image_id'>[] = [];
  const crowdMask = new Uint8Array(size * size);
  let crowdCategory: number | undefined;
  placed.forEach((p, k) => {
    if (p.crowd) {
      crowdCategory = p.look.category.id;
      for (let i = 0; i < owner.length; i++) if (owner[i] === k) crowdMask[i] = 1;
      return;
    }
    const box = visibleBox(owner, size, k);
    if (!box || box.area < 16) return; // hidden almost entirely: not annotated, as in COCO
    const [x, y, w, h] = box.bbox;
    annotations.push({
      category_id: p.look.category.id, bbox: box.bbox, area: box.area, iscrowd: 0,
      segmentation: [[x, y, x + w, y, x + w, y + h, x, y + h]],
    });
  });
  if (crowdCategory !== undefined) {
    const box = visibleBox(crowdMask, size, 1);
    if (box) annotations.push({ category_id: crowdCategory, bbox: box.bbox, area: box.area, iscrowd: 1, segmentation: encodeRle(crowdMask, size, size) });
  }
  return { img, annotations };
}

function visibleBox(labels: ArrayLike<number>, size: number, k: number): { bbox: [number, number, number, number]; area: number } | undefined {
  let x0 = size, y0 = size, x1 = -1, y1 = -1, area = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (labels[y * size + x] !== k) continue;
      area++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return area ? { bbox: [x0, y0, x1 - x0 + 1, y1 - y0 + 1], area } : undefined;
}

function countPixels(shape: Shape, size: number): number {
  let n = 0;
  forEachCoveredPixel(shape, size, size, () => n++);
  return n;
}

function boxIou(a: number[], b: number[]): number {
  const iw = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
  const ih = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
  const inter = iw * ih;
  const union = (a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter;
  return union > 0 ? inter / union : 0;
}

export interface DetectionMiniSummary extends DetectionSolution {
  trainImages: number;
  trainAnnotations: number;
  small: number;
  medium: number;
  large: number;
}

export function generateDetectionMini(dest: string, opts: { seed: number; sizes?: Partial<DetectionMiniSizes> }): DetectionMiniSummary {
  const sizes = { ...DETECTION_MINI_SIZES, ...opts.sizes };
  const root = new Rng(opts.seed).fork('detection-mini');
  const categories = LOOKS.map((l) => l.category);
  const info = { description: 'podium detection-mini: synthetic, COCO instances format', version: 'mini', year: 2026, seed: opts.seed };
  const sets: Record<'train' | 'test', CocoInstances> = {
    train: { info, licenses: [], images: [], annotations: [], categories },
    test: { info, licenses: [], images: [], annotations: [], categories },
  };
  const bar = progress('detection-mini images', sizes.trainImages + sizes.testImages);
  const scenes = root.fork('scenes');
  let imageId = 0;
  let annotationId = 0;
  const scaleCount = { small: 0, medium: 0, large: 0 };
  for (const split of ['train', 'test'] as const) {
    const n = split === 'train' ? sizes.trainImages : sizes.testImages;
    for (let i = 0; i < n; i++) {
      const id = ++imageId;
      const file_name = `${String(id).padStart(12, '0')}.png`;
      const { img, annotations } = renderScene(scenes, sizes.size);
      writeFile(path.join(dest, 'images', split, file_name), encodePng({ width: img.width, height: img.height, colorType: 'rgb', data: img.data }));
      sets[split].images.push({ id, file_name, width: sizes.size, height: sizes.size });
      for (const a of annotations) {
        sets[split].annotations.push({ id: ++annotationId, image_id: id, ...a });
        if (!a.iscrowd) scaleCount[a.area < 32 * 32 ? 'small' : a.area < 96 * 96 ? 'medium' : 'large']++;
      }
      bar.tick();
    }
  }
  bar.stop();
  writeJson(path.join(dest, 'annotations', 'instances_train.json'), sets.train);
  const guess = mostFrequent(instancesPerCategory(sets.train), 1)[0] ?? categories[0]!.id;
  const solution = writeDetectionSolution(dest, sets.test, guess, opts.seed);
  return {
    ...solution,
    trainImages: sets.train.images.length,
    trainAnnotations: sets.train.annotations.length,
    ...scaleCount,
  };
}
