/** The all-background reference: every pixel of every val image is class 0. */
import fs from 'node:fs';
import path from 'node:path';
import type { Baseline } from '../baseline.js';
import { readRgb } from '../images.js';
import { splitIds } from './data.js';
import { writeMaskZip } from './write-masks.js';

export const allBackground: Baseline = {
  name: 'all-background',
  challenge: 'voc2012-seg-mini',
  description: 'class 0 (background) for every pixel',
  kind: 'trivial',
  async run(ctx) {
    const voc = path.join(ctx.dataDir, 'VOC2012');
    const masks = splitIds(voc, 'val').map((id) => {
      const png = path.join(voc, 'JPEGImages', `${id}.png`);
      const { width, height } = readRgb(fs.existsSync(png) ? png : path.join(voc, 'JPEGImages', `${id}.jpg`));
      return { id, width, height, classes: new Uint8Array(width * height) };
    });
    fs.mkdirSync(ctx.workDir, { recursive: true });
    const submission = path.join(ctx.workDir, 'submission.zip');
    await writeMaskZip(submission, masks);
    return { submission };
  },
};
