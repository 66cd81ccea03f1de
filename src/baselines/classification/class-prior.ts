/**
 * The class-prior reference: every test image gets the three most frequent training classes.
 * Any learned classifier must beat it; on a balanced test set its top-3 error is 1 - 3/C.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Baseline } from '../baseline.js';
import { categoriesByFrequency, readInatJson } from './data.js';

export const classPrior: Baseline = {
  name: 'class-prior',
  challenge: 'inat2018-mini',
  description: 'the three most frequent training classes for every image',
  kind: 'trivial',
  async run(ctx) {
    const train = readInatJson(ctx.dataDir, 'train2018.json');
    const labels = Int32Array.from((train.annotations ?? []).map((a) => a.category_id));
    const top = categoriesByFrequency(labels).slice(0, 3).map((c) => c.id);
    const test = readInatJson(ctx.dataDir, 'test2018.json');
    fs.mkdirSync(ctx.workDir, { recursive: true });
    const file = path.join(ctx.workDir, 'submission.csv');
    const rows = test.images.map((im) => `${im.id},${top.join(' ')}`);
    fs.writeFileSync(file, ['id,predicted', ...rows].join('\n') + '\n');
    ctx.log(`class prior: ${top.join(' ')}`);
    return { submission: file };
  },
};
