/** The PASCAL VOC devkit layout of voc2012-seg-mini, read for training and prediction. */
import fs from 'node:fs';
import path from 'node:path';
import { decodePng } from '../../formats/png.js';
import { putScaled, readRgb } from '../images.js';

export const VOC_CLASSES = 21;
export const VOID = 255;

export interface SegmentationSet {
  ids: string[];
  size: number;
  /** N x size x size x 3 in [-1, 1]. */
  pixels: Float32Array;
  /** N x size x size class indices (255 = void); empty when masks are not read. */
  masks: Uint8Array;
}

export function splitIds(vocRoot: string, split: string): string[] {
  const file = path.join(vocRoot, 'ImageSets', 'Segmentation', `${split}.txt`);
  if (!fs.existsSync(file)) throw new Error(`${file} not found; run \`podium data make voc2012-seg-mini\``);
  return fs.readFileSync(file, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
}

function imageFile(vocRoot: string, id: string): string {
  const png = path.join(vocRoot, 'JPEGImages', `${id}.png`);
  return fs.existsSync(png) ? png : path.join(vocRoot, 'JPEGImages', `${id}.jpg`);
}

export function loadSegmentationSet(vocRoot: string, split: string, withMasks: boolean, limit = 0): SegmentationSet {
  const all = splitIds(vocRoot, split);
  const ids = limit > 0 ? all.slice(0, limit) : all;
  const first = readRgb(imageFile(vocRoot, ids[0]));
  const size = first.width;
  const pixels = new Float32Array(ids.length * size * size * 3);
  const masks = new Uint8Array(withMasks ? ids.length * size * size : 0);
  ids.forEach((id, i) => {
    const img = i === 0 ? first : readRgb(imageFile(vocRoot, id));
    if (img.width !== size || img.height !== size) throw new Error(`${id}: ${img.width}x${img.height}, expected ${size}x${size}`);
    putScaled(img, pixels, i * size * size * 3);
    if (withMasks) {
      const file = path.join(vocRoot, 'SegmentationClass', `${id}.png`);
      const png = decodePng(fs.readFileSync(file), file);
      masks.set(png.data.subarray(0, size * size), i * size * size);
    }
  });
  return { ids, size, pixels, masks };
}
