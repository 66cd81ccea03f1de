/**
 * voc2012-seg-mini: semantic segmentation in the PASCAL VOC 2012 devkit layout (data/README.md).
 * Each of VOC's 20 classes is drawn as its own combination of shape, hue and texture on a
 * cluttered background; objects may overlap (the later one hides the earlier), masks use the
 * VOC palette with a 1-pixel void (255) band around every object, as VOC's hand-drawn borders.
 * Besides SegmentationClass the devkit's SegmentationObject, Annotations (boxes) and
 * ImageSets/{Segmentation,Main} are written, so the VOC importers read the set like the real one.
 * Images are PNG (JPEGImages/<id>.png): lossless, and no JPEG encoder is needed.
 */
import path from 'node:path';
import { encodePng, VOC_PALETTE } from '../formats/png.js';
import { writeZip } from '../formats/zip.js';
import { progress } from '../progress.js';
import { Rng } from './rng.js';
import { writeFile, writeUsageCsv } from './dataset-files.js';
import { splitUsage } from './usage-split.js';
import { VOC_CLASSES, vocAnnotationXml, type VocObject } from './voc-format.js';
import {
  addNoise, forEachCoveredPixel, ellipse, hsv, labelImage, minus, paint, paintBackground, rect, rgbImage, scaleRgb, star, union, voidBorders,
  type LabelImage, type Rgb, type RgbImage, type Shape,
} from './draw.js';

export interface VocSegMiniSizes {
  trainImages: number;
  valImages: number;
  /** Side of the square images in pixels. */
  size: number;
}

export const VOC_SEG_MINI_SIZES: VocSegMiniSizes = { trainImages: 300, valImages: 100, size: 64 };

export const VOID = 255;
const VOID_BORDER = 1;

type Kind = (cx: number, cy: number, r: number, a: number) => Shape;
const KINDS: Kind[] = [
  (cx, cy, r) => ellipse(cx, cy, r, r),
  (cx, cy, r, a) => rect(cx, cy, r * 1.6, r * 1.6, a),
  (cx, cy, r, a) => star(cx, cy, r, r, 3, a),
  (cx, cy, r, a) => star(cx, cy, r, r * 0.5, 5, a),
  (cx, cy, r, a) => ellipse(cx, cy, r, r * 0.5, a),
  (cx, cy, r, a) => union(rect(cx, cy, r * 2, r * 0.6, a), rect(cx, cy, r * 0.6, r * 2, a)),
  (cx, cy, r) => minus(ellipse(cx, cy, r, r), ellipse(cx, cy, r * 0.5, r * 0.5)),
  (cx, cy, r, a) => star(cx, cy, r, r, 6, a),
  (cx, cy, r, a) => rect(cx, cy, r * 2, r, a),
  (cx, cy, r, a) => star(cx, cy, r, r * 0.6, 4, a),
];

type Texture = 'plain' | 'stripes' | 'checks' | 'dots';
const TEXTURES: Texture[] = ['plain', 'stripes', 'checks', 'dots'];

interface ClassLook {
  index: number;
  name: string;
  kind: Kind;
  hue: number;
  texture: Texture;
}

/** Class c (1..20): shape c mod 10, hue spread around the wheel, texture c mod 4. */
const LOOKS: ClassLook[] = VOC_CLASSES.map((name, i) => ({
  index: i + 1,
  name,
  kind: KINDS[i % KINDS.length]!,
  hue: (i * 137.5) % 360,
  texture: TEXTURES[(i + Math.floor(i / 10)) % TEXTURES.length]!,
}));

function textured(look: ClassLook, base: Rgb): (x: number, y: number) => Rgb {
  const dark = scaleRgb(base, 0.6);
  switch (look.texture) {
    case 'plain': return () => base;
    case 'stripes': return (x, y) => ((x + y) % 6 < 3 ? base : dark);
    case 'checks': return (x, y) => (((x >> 2) + (y >> 2)) % 2 ? base : dark);
    case 'dots': return (x, y) => (x % 5 < 2 && y % 5 < 2 ? dark : base);
  }
}

interface Scene {
  img: RgbImage;
  cls: LabelImage;
  obj: LabelImage;
  objects: VocObject[];
}

function renderScene(rng: Rng, size: number): Scene {
  const img = rgbImage(size, size);
  const base = hsv(rng.uniform(0, 360), rng.uniform(0.05, 0.3), rng.uniform(0.3, 0.8));
  paintBackground(img, rng, base, scaleRgb(base, rng.uniform(0.7, 1.2)), 5);
  for (let i = rng.int(0, 3); i > 0; i--) {
    paint(img, ellipse(rng.uniform(0, size), rng.uniform(0, size), rng.uniform(3, 12), rng.uniform(2, 6), rng.uniform(0, Math.PI)), scaleRgb(base, rng.uniform(0.75, 1.3)));
  }
  const cls = labelImage(size, size, 0);
  const obj = labelImage(size, size, 0);
  const placed: ClassLook[] = [];
  const nObjects = rng.int(1, 3);
  for (let k = 1; k <= nObjects; k++) {
    const look = rng.pick(LOOKS);
    const r = rng.uniform(size * 0.12, size * 0.32);
    const shape = look.kind(rng.uniform(r * 0.5, size - r * 0.5), rng.uniform(r * 0.5, size - r * 0.5), r, rng.uniform(0, Math.PI * 2));
    const colour = scaleRgb(hsv(look.hue + rng.uniform(-8, 8), rng.uniform(0.6, 0.85), 0.9), rng.uniform(0.75, 1.1));
    paint(img, shape, textured(look, colour));
    forEachCoveredPixel(shape, size, size, (x, y) => {
      cls.data[y * size + x] = look.index;
      obj.data[y * size + x] = k;
    });
    placed.push(look);
  }
  addNoise(img, rng, 3);

  // Boxes from the visible pixels of each instance (before the void band is drawn).
  const objects: VocObject[] = [];
  placed.forEach((look, i) => {
    const k = i + 1;
    let x0 = size, y0 = size, x1 = -1, y1 = -1;
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
      if (obj.data[y * size + x] !== k) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    if (x1 < 0) return; // hidden by later objects
    objects.push({
      name: look.name, pose: 'Unspecified', truncated: x0 === 0 || y0 === 0 || x1 === size - 1 || y1 === size - 1,
      difficult: false, xmin: x0 + 1, ymin: y0 + 1, xmax: x1 + 1, ymax: y1 + 1,
    });
  });
  voidBorders(cls, VOID_BORDER, VOID, 0);
  voidBorders(obj, VOID_BORDER, VOID, 0);
  return { img, cls, obj, objects };
}

export interface VocSegMiniSummary {
  train: number;
  val: number;
  public: number;
  private: number;
  objects: number;
}

const palettePng = (m: LabelImage) => encodePng({ width: m.width, height: m.height, colorType: 'palette', palette: VOC_PALETTE, data: m.data });

export async function generateVocSegMini(dest: string, opts: { seed: number; sizes?: Partial<VocSegMiniSizes> }): Promise<VocSegMiniSummary> {
  const sizes = { ...VOC_SEG_MINI_SIZES, ...opts.sizes };
  const root = new Rng(opts.seed).fork('voc2012-seg-mini');
  const voc = path.join(dest, 'VOC2012');
  const scenes = root.fork('scenes');
  const ids = { train: [] as string[], val: [] as string[] };
  const bar = progress('voc2012-seg-mini images', sizes.trainImages + sizes.valImages);
  let n = 0;
  let objectCount = 0;
  for (const split of ['train', 'val'] as const) {
    const count = split === 'train' ? sizes.trainImages : sizes.valImages;
    for (let i = 0; i < count; i++) {
      const id = `2012_${String(++n).padStart(6, '0')}`;
      const s = renderScene(scenes, sizes.size);
      writeFile(path.join(voc, 'JPEGImages', `${id}.png`), encodePng({ width: s.img.width, height: s.img.height, colorType: 'rgb', data: s.img.data }));
      writeFile(path.join(voc, 'SegmentationClass', `${id}.png`), palettePng(s.cls));
      writeFile(path.join(voc, 'SegmentationObject', `${id}.png`), palettePng(s.obj));
      writeFile(path.join(voc, 'Annotations', `${id}.xml`), vocAnnotationXml({
        filename: `${id}.png`, width: sizes.size, height: sizes.size, depth: 3, segmented: true, objects: s.objects,
      }));
      objectCount += s.objects.length;
      ids[split].push(id);
      bar.tick();
    }
  }
  bar.stop();
  const list = (xs: string[]) => xs.join('\n') + '\n';
  for (const set of ['Segmentation', 'Main']) {
    writeFile(path.join(voc, 'ImageSets', set, 'train.txt'), list(ids.train));
    writeFile(path.join(voc, 'ImageSets', set, 'val.txt'), list(ids.val));
    writeFile(path.join(voc, 'ImageSets', set, 'trainval.txt'), list([...ids.train, ...ids.val]));
  }
  const usage = splitUsage(ids.val, opts.seed);
  writeUsageCsv(path.join(voc, 'usage.csv'), usage);
  await writeBackgroundSubmission(path.join(dest, 'sample_submission.zip'), ids.val.map((id) => ({ id, width: sizes.size, height: sizes.size })));
  const nPublic = [...usage.values()].filter((u) => u === 'Public').length;
  return { train: ids.train.length, val: ids.val.length, public: nPublic, private: ids.val.length - nPublic, objects: objectCount };
}

/** Sample submission: every pixel background, one palette PNG a val image, in a zip. */
export async function writeBackgroundSubmission(file: string, images: { id: string; width: number; height: number }[]): Promise<void> {
  const entries = images.map(({ id, width, height }) => ({
    name: `${id}.png`,
    data: palettePng(labelImage(width, height, 0)),
    compress: false,
  }));
  writeFile(file, new Uint8Array(0));
  await writeZip(file, entries);
}
