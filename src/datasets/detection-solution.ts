/**
 * The files a COCO-scored detection challenge needs from a labelled hidden set:
 * annotations/instances_test.json (COCO instances), annotations/instances_test.usage.csv (the
 * seeded Public / Private split by image id, src/formats/usage.ts convention) and a sample
 * submission `image_id,category_id,score,x,y,width,height` with one uninformed guess an image: a
 * centred box half the image's size, labelled with the most common training category.
 */
import path from 'node:path';
import { writeCsv, writeJson, writeUsageCsv } from './dataset-files.js';
import { splitUsage } from './usage-split.js';
import type { CocoInstances } from './coco-format.js';
import { readCocoInstances as readTaskCocoInstances } from '../formats/coco-json.js';

export interface DetectionSolution {
  images: number;
  annotations: number;
  crowd: number;
  public: number;
  private: number;
}

export function writeDetectionSolution(dest: string, test: CocoInstances, guessCategory: number, seed: number): DetectionSolution {
  const truth = path.join(dest, 'annotations', 'instances_test.json');
  writeJson(truth, test);
  // The detection task's own reader has the last word: what is written here must score.
  readTaskCocoInstances(truth);
  const usage = splitUsage(test.images.map((im) => String(im.id)), seed);
  writeUsageCsv(path.join(dest, 'annotations', 'instances_test.usage.csv'), usage);
  const rows = test.images.map((im) => {
    const w = Math.round(im.width / 2);
    const h = Math.round(im.height / 2);
    return [im.id, guessCategory, 0.5, Math.round((im.width - w) / 2), Math.round((im.height - h) / 2), w, h];
  });
  writeCsv(path.join(dest, 'sample_submission.csv'), ['image_id', 'category_id', 'score', 'x', 'y', 'width', 'height'], rows);
  const nPublic = [...usage.values()].filter((u) => u === 'Public').length;
  return {
    images: test.images.length,
    annotations: test.annotations.length,
    crowd: test.annotations.filter((a) => a.iscrowd).length,
    public: nPublic,
    private: usage.size - nPublic,
  };
}
