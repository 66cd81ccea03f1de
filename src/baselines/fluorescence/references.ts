/**
 * The two trivial references of the isl-mini board:
 * - `channel-mean`: every test example gets, per label, the mean training image of that label
 *   (over the examples where it was acquired). A constant image would have no Pearson r at
 *   all (zero variance); the mean image is the best guess that ignores the input, and scores
 *   r near 0.
 * - `linear-z-mean`: per label, the least-squares line y = a m + b on the pixels of the
 *   training examples where the label was acquired, m being the z-stack's mean image
 *   (standardised per example, as the network sees it). Pooled r is that of m itself (up to
 *   sign); the fit sets the scale for the MAE.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Baseline, BaselineContext } from '../baseline.js';
import { ISL_CHANNELS } from '../../datasets/isl-generate.js';
import { loadFluorescenceSet, type FluorescenceSet } from './data.js';
import { writePredictionZip } from './write-predictions.js';

function stackMean(set: FluorescenceSet, k: number): Float64Array {
  const { size, depths } = set;
  const m = new Float64Array(size * size);
  for (let p = 0; p < m.length; p++) {
    let s = 0;
    for (let z = 0; z < depths; z++) s += set.inputs[(k * size * size + p) * depths + z]!;
    m[p] = s / depths;
  }
  return m;
}

async function writeFor(ctx: BaselineContext, predict: (test: FluorescenceSet, k: number, c: number) => Float64Array, channels: readonly string[]): Promise<string> {
  const test = loadFluorescenceSet(path.join(ctx.dataDir, 'test'), channels);
  fs.mkdirSync(ctx.workDir, { recursive: true });
  const submission = path.join(ctx.workDir, 'submission.zip');
  await writePredictionZip(submission, test.ids.map((id, k) => ({ id, width: test.size, height: test.size, channels: new Map(channels.map((name, c) => [name, predict(test, k, c)])) })));
  return submission;
}

export const channelMean: Baseline = {
  name: 'channel-mean',
  challenge: 'isl-mini',
  description: "each label's mean training image, whatever the input",
  kind: 'trivial',
  async run(ctx) {
    const train = loadFluorescenceSet(path.join(ctx.dataDir, 'train'), ISL_CHANNELS, ctx.limitTrain);
    const C = ISL_CHANNELS.length;
    const P = train.size * train.size;
    const means = ISL_CHANNELS.map((_, c) => {
      const sum = new Float64Array(P);
      let count = 0;
      train.ids.forEach((_, k) => {
        if (!train.available[k * C + c]) return;
        count++;
        for (let p = 0; p < P; p++) sum[p]! += train.targets[(k * P + p) * C + c]!;
      });
      return sum.map((v) => v / Math.max(1, count));
    });
    return { submission: await writeFor(ctx, (_, __, c) => means[c]!, ISL_CHANNELS) };
  },
};

export const linearZMean: Baseline = {
  name: 'linear-z-mean',
  challenge: 'isl-mini',
  description: "least-squares line from the z-stack's mean image to each label",
  kind: 'trivial',
  async run(ctx) {
    const train = loadFluorescenceSet(path.join(ctx.dataDir, 'train'), ISL_CHANNELS, ctx.limitTrain);
    const C = ISL_CHANNELS.length;
    const P = train.size * train.size;
    const lines = ISL_CHANNELS.map((_, c) => {
      // sums for y = a m + b over acquired pixels
      let n = 0, sm = 0, sy = 0, smm = 0, smy = 0;
      train.ids.forEach((_, k) => {
        if (!train.available[k * C + c]) return;
        const m = stackMean(train, k);
        for (let p = 0; p < P; p++) {
          const y = train.targets[(k * P + p) * C + c]!;
          n++;
          sm += m[p]!;
          sy += y;
          smm += m[p]! * m[p]!;
          smy += m[p]! * y;
        }
      });
      const a = n > 0 ? (smy - (sm * sy) / n) / Math.max(1e-12, smm - (sm * sm) / n) : 0;
      return { a, b: n > 0 ? (sy - a * sm) / n : 0 };
    });
    return {
      submission: await writeFor(ctx, (test, k, c) => {
        const m = stackMean(test, k);
        return m.map((v) => lines[c]!.a * v + lines[c]!.b);
      }, ISL_CHANNELS),
    };
  },
};
