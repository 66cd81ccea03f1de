/**
 * The trivial detection reference: for every test image and every category, one box — that
 * category's mean training box (centre and size relative to the image) — scored by the
 * category's share of the training objects. It knows where objects tend to be and how common
 * each class is, nothing about the image.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Baseline } from '../baseline.js';
import { readInstances } from './data.js';
import { writeDetectionsCsv, type CocoDetection } from './write-detections.js';

export const priorBox: Baseline = {
  name: 'prior-box',
  challenge: 'detection-mini',
  description: "each category's mean training box on every image, scored by the category's frequency",
  kind: 'trivial',
  async run(ctx) {
    const train = readInstances(ctx.dataDir, 'train');
    const size = new Map(train.images.map((im) => [im.id, im]));
    const sums = new Map<number, { n: number; cx: number; cy: number; w: number; h: number }>();
    let objects = 0;
    for (const a of train.annotations) {
      const im = size.get(a.image_id);
      if (!im || a.iscrowd) continue;
      const [x, y, w, h] = a.bbox;
      const s = sums.get(a.category_id) ?? { n: 0, cx: 0, cy: 0, w: 0, h: 0 };
      s.n++;
      s.cx += (x + w / 2) / im.width;
      s.cy += (y + h / 2) / im.height;
      s.w += w / im.width;
      s.h += h / im.height;
      sums.set(a.category_id, s);
      objects++;
    }
    const test = readInstances(ctx.dataDir, 'test');
    const detections: CocoDetection[] = [];
    for (const im of test.images) {
      for (const [categoryId, s] of sums) {
        const [cx, cy, w, h] = [s.cx / s.n, s.cy / s.n, s.w / s.n, s.h / s.n];
        detections.push({ imageId: im.id, categoryId, score: s.n / objects, bbox: [(cx - w / 2) * im.width, (cy - h / 2) * im.height, w * im.width, h * im.height] });
      }
    }
    fs.mkdirSync(ctx.workDir, { recursive: true });
    const submission = path.join(ctx.workDir, 'submission.csv');
    writeDetectionsCsv(submission, detections);
    return { submission };
  },
};
