/** The iNat 2018 format of inat2018-mini: COCO-style JSON files and PNG images, read for training. */
import fs from 'node:fs';
import path from 'node:path';
import { putScaled, readRgb } from '../images.js';

interface InatJson {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations?: { image_id: number; category_id: number }[];
  categories: { id: number; name: string }[];
}

export interface ImageSet {
  ids: number[];
  /** Category id per image (-1 for the unlabelled test set). */
  labels: Int32Array;
  /** N x size x size x 3 pixels in [-1, 1]. */
  pixels: Float32Array;
  size: number;
}

export function readInatJson(dataDir: string, file: string): InatJson {
  const p = path.join(dataDir, file);
  if (!fs.existsSync(p)) throw new Error(`${p} not found; run \`podium data make inat2018-mini\``);
  return JSON.parse(fs.readFileSync(p, 'utf8')) as InatJson;
}

/** Loads the images of one or more split files (e.g. train2018.json + val2018.json). */
export function loadImageSet(dataDir: string, files: string[], limit = 0): ImageSet {
  const entries: { id: number; file: string; label: number }[] = [];
  for (const f of files) {
    const json = readInatJson(dataDir, f);
    const labelOf = new Map((json.annotations ?? []).map((a) => [a.image_id, a.category_id]));
    for (const im of json.images) entries.push({ id: im.id, file: im.file_name, label: labelOf.get(im.id) ?? -1 });
  }
  const chosen = limit > 0 ? entries.slice(0, limit) : entries;
  if (chosen.length === 0) throw new Error(`no images in ${files.join(', ')}`);
  const first = readRgb(path.join(dataDir, chosen[0].file));
  const size = first.width;
  const pixels = new Float32Array(chosen.length * size * size * 3);
  chosen.forEach((e, i) => {
    const img = i === 0 ? first : readRgb(path.join(dataDir, e.file));
    if (img.width !== size || img.height !== size) throw new Error(`${e.file}: ${img.width}x${img.height}, expected ${size}x${size}`);
    putScaled(img, pixels, i * size * size * 3);
  });
  return { ids: chosen.map((e) => e.id), labels: Int32Array.from(chosen.map((e) => e.label)), pixels, size };
}

/** Training frequency of each category id, most frequent first (ties: smaller id first). */
export function categoriesByFrequency(labels: Int32Array): { id: number; count: number }[] {
  const counts = new Map<number, number>();
  for (const l of labels) if (l >= 0) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts.entries()].map(([id, count]) => ({ id, count })).sort((a, b) => b.count - a.count || a.id - b.id);
}
