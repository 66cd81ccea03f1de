/**
 * MobileNetV2 classifier for inat2018-mini: the paper's backbone (width multiplier 0.35) on
 * 32x32 images, global average pooling, a linear classifier. The training set is long-tailed
 * and the test set balanced, so predictions use logit adjustment (Menon et al., "Long-tail
 * learning via logit adjustment", ICLR 2021): rank by logit - log(training prior).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Baseline, BaselineContext } from '../baseline.js';
import { trainOrLoad } from '../cache.js';
import { mobileNetV2, Seeds, type MobileNetV2Config } from '../mobilenet-v2.js';
import { modelLatency } from '../model-latency.js';
import { predictInBatches, train } from '../train.js';
import { loadImageSet, readInatJson } from './data.js';

export const CLASSIFIER_BACKBONE: MobileNetV2Config = {
  alpha: 0.35,
  stemStride: 2,
  blocks: [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 2, 2], [6, 64, 2, 1]],
  lastChannels: 256,
};

export function buildClassifier(size: number, classes: number, seed: number, backbone = CLASSIFIER_BACKBONE): tf.LayersModel {
  const seeds = new Seeds(seed);
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  const features = mobileNetV2(input, backbone, seeds).output;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(features) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: classes, kernelInitializer: seeds.glorot(), name: 'logits' }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'mobilenet_v2_classifier' });
}

interface Meta {
  /** Category id of each output unit. */
  categories: number[];
  /** log of the training frequency of each output unit (for logit adjustment). */
  logPrior: number[];
  size: number;
}

const DEFAULT_EPOCHS = 2;
const BATCH = 64;

export const mobilenetClassifier: Baseline = {
  name: 'mobilenet-v2',
  challenge: 'inat2018-mini',
  description: 'MobileNetV2 (width 0.35, 32x32) with logit adjustment, trained on train+val',
  kind: 'model',
  async run(ctx: BaselineContext) {
    const trained = await trainOrLoad<Meta>(ctx, ctx.epochs ?? DEFAULT_EPOCHS, async (epochs) => {
      const data = loadImageSet(ctx.dataDir, ['train2018.json', 'val2018.json'], ctx.limitTrain);
      const categories = readInatJson(ctx.dataDir, 'train2018.json').categories.map((c) => c.id).sort((a, b) => a - b);
      const unit = new Map(categories.map((id, i) => [id, i]));
      const counts = new Float64Array(categories.length);
      const targets = Int32Array.from(data.labels, (l) => unit.get(l) ?? -1);
      for (const t of targets) counts[t]++;
      const model = buildClassifier(data.size, categories.length, ctx.seed);
      const px = data.size * data.size * 3;
      const result = await train({
        label: 'mobilenet-v2', model, samples: data.ids.length, epochs, batchSize: BATCH, learningRate: 2e-3, seed: ctx.seed,
        maxSteps: ctx.maxSteps,
        makeBatch: (idx) => {
          const x = new Float32Array(idx.length * px);
          idx.forEach((s, i) => x.set(data.pixels.subarray(s * px, (s + 1) * px), i * px));
          return {
            inputs: tf.tensor4d(x, [idx.length, data.size, data.size, 3]),
            targets: tf.oneHot(tf.tensor1d(idx.map((s) => targets[s]), 'int32'), categories.length),
          };
        },
        loss: (pred, y) => tf.losses.softmaxCrossEntropy(y as tf.Tensor, pred as tf.Tensor) as tf.Scalar,
      });
      const total = counts.reduce((a, b) => a + b, 0);
      const logPrior = Array.from(counts, (c) => Math.log(Math.max(c, 0.5) / total));
      return { model, meta: { categories, logPrior, size: data.size }, result };
    });

    const { model, meta } = trained;
    const test = loadImageSet(ctx.dataDir, ['test2018.json']);
    const px = test.size * test.size * 3;
    const makeInputs = (start: number, count: number) =>
      tf.tensor4d(test.pixels.slice(start * px, (start + count) * px), [count, test.size, test.size, 3]);
    const logPrior = tf.tensor1d(meta.logPrior);
    const rows: string[] = [];
    await predictInBatches('mobilenet-v2', model, test.ids.length, 128, (idx) => makeInputs(idx[0], idx.length), async (idx, [logits]) => {
      const adjusted = tf.sub(logits, logPrior);
      const { indices } = tf.topk(adjusted, 3);
      const top = (await indices.array()) as number[][];
      tf.dispose([adjusted, indices]);
      idx.forEach((s, i) => rows.push(`${test.ids[s]},${top[i].map((u) => meta.categories[u]).join(' ')}`));
    });
    logPrior.dispose();
    fs.mkdirSync(ctx.workDir, { recursive: true });
    const submission = path.join(ctx.workDir, 'submission.csv');
    fs.writeFileSync(submission, ['id,predicted', ...rows].join('\n') + '\n');
    const latency = ctx.latency
      ? await modelLatency(model, { samples: Math.min(32, test.ids.length), make: makeInputs }, ctx.latency, ctx.runtime)
      : undefined;
    return { submission, latency, trained: trained.trained, loadedFromCache: trained.loadedFromCache };
  },
};
