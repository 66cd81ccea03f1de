/** The COCO layout of detection-mini (annotations/instances_<split>.json, images/<split>/), read for training. */
import fs from 'node:fs';
import path from 'node:path';
import { readRgb, type RgbPixels } from '../images.js';

export interface CocoInstances {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { id: number; image_id: number; category_id: number; bbox: [number, number, number, number]; area: number; iscrowd: number }[];
  categories: { id: number; name: string; supercategory?: string }[];
}

export function readInstances(dataDir: string, split: 'train' | 'test'): CocoInstances {
  const file = path.join(dataDir, 'annotations', `instances_${split}.json`);
  if (!fs.existsSync(file)) throw new Error(`${file} not found; run \`podium data make detection-mini\``);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as CocoInstances;
}

export function readImage(dataDir: string, split: 'train' | 'test', fileName: string): RgbPixels {
  const inSplit = path.join(dataDir, 'images', split, fileName);
  return readRgb(fs.existsSync(inSplit) ? inSplit : path.join(dataDir, fileName));
}

/** Box-filter downscale by an integer factor into [-1, 1] floats (the model's input). */
export function downscaleScaled(img: RgbPixels, factor: number, out: Float32Array, offset: number): void {
  const w = Math.floor(img.width / factor);
  const h = Math.floor(img.height / factor);
  const norm = 1 / (factor * factor * 127.5);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) sum += img.rgb[((y * factor + dy) * img.width + x * factor + dx) * 3 + c];
        out[offset + (y * w + x) * 3 + c] = sum * norm - 1;
      }
    }
  }
}
