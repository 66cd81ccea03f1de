/**
 * In Silico Labeling's reference in miniature: a U-Net (Ronneberger et al., MICCAI 2015; ISL
 * itself uses a multi-scale network of the same family) that takes the transmitted-light
 * z-stack as input channels and predicts every label channel at once. Two poolings, 16-32-64
 * filters, two 3x3 convolutions with ReLU at each level, skip connections by concatenation, a
 * 1x1 linear output per label.
 *
 * Loss: mean squared error over the labels that were acquired only (ISL's checkerboard): a
 * missing label is masked out of the loss, never treated as zero:
 *   L = sum_{b,c} m_bc sum_p (yhat_bcp - y_bcp)^2 / (P sum_{b,c} m_bc),   m_bc = 1 if acquired.
 * Trained on random 32 x 32 crops with flips and quarter turns (the task is equivariant to
 * them), predicted on whole images (the network is fully convolutional).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Baseline, BaselineContext } from '../baseline.js';
import { trainOrLoad } from '../cache.js';
import { Seeds } from '../mobilenet-v2.js';
import { modelCost } from '../model-cost.js';
import { modelLatency } from '../model-latency.js';
import { predictInBatches, train } from '../train.js';
import { mulberry32 } from '../../random.js';
import { ISL_CHANNELS } from '../../datasets/isl-generate.js';
import { loadFluorescenceSet, type FluorescenceSet } from './data.js';
import { writePredictionZip, type PredictedExample } from './write-predictions.js';

type ST = tf.SymbolicTensor;

export const UNET_FILTERS = [16, 32, 64] as const;
const CROP = 32;
const BATCH = 16;
const DEFAULT_EPOCHS = 40;

function convBlock(x: ST, filters: number, seeds: Seeds, name: string): ST {
  for (const k of [1, 2]) {
    x = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: seeds.he(), name: `${name}_conv${k}` }).apply(x) as ST;
  }
  return x;
}

/**
 * A U-Net for any square size divisible by 4 (`size` null: one model for crops and whole
 * images; a fixed size only to count multiply-adds).
 */
export function buildUNet(depths: number, channels: number, seed: number, size: number | null = null): tf.LayersModel {
  const seeds = new Seeds(seed);
  const input = tf.input({ shape: [size, size, depths], name: 'z_stack' });
  const skips: ST[] = [];
  let x = input;
  UNET_FILTERS.forEach((f, level) => {
    x = convBlock(x, f, seeds, `down${level}`);
    if (level < UNET_FILTERS.length - 1) {
      skips.push(x);
      x = tf.layers.maxPooling2d({ poolSize: 2, name: `pool${level}` }).apply(x) as ST;
    }
  });
  for (let level = UNET_FILTERS.length - 2; level >= 0; level--) {
    x = tf.layers.upSampling2d({ size: [2, 2], name: `up${level}` }).apply(x) as ST;
    x = tf.layers.concatenate({ name: `skip${level}` }).apply([x, skips[level]!]) as ST;
    x = convBlock(x, UNET_FILTERS[level]!, seeds, `dec${level}`);
  }
  const out = tf.layers.conv2d({ filters: channels, kernelSize: 1, kernelInitializer: seeds.glorot(), name: 'labels' }).apply(x) as ST;
  return tf.model({ inputs: input, outputs: out, name: 'isl_unet' });
}

/** Masked MSE: `targets` packs [label images (B,H,W,C), availability broadcast as (B,1,1,C)]. */
export function maskedMse(pred: tf.Tensor, labels: tf.Tensor, available: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const [, h, w] = pred.shape as number[];
    const err = tf.mul(tf.square(tf.sub(pred, labels)), available);
    const weight = tf.mul(tf.sum(available), h! * w!);
    return tf.div(tf.sum(err), tf.maximum(weight, 1)) as tf.Scalar;
  });
}

/** Copies a crop of example k, flipped / turned by `t` (0-7), into the batch buffers at slot i. */
function cropInto(set: FluorescenceSet, k: number, x0: number, y0: number, t: number, inputs: Float32Array, targets: Float32Array, i: number): void {
  const { size, depths } = set;
  const C = set.channels.length;
  for (let y = 0; y < CROP; y++) {
    for (let x = 0; x < CROP; x++) {
      // (u, v): source coordinates inside the crop after the dihedral transform t
      let u = t & 1 ? CROP - 1 - x : x;
      let v = t & 2 ? CROP - 1 - y : y;
      if (t & 4) [u, v] = [v, u];
      const src = (k * size + (y0 + v)) * size + (x0 + u);
      const dst = (i * CROP + y) * CROP + x;
      inputs.set(set.inputs.subarray(src * depths, (src + 1) * depths), dst * depths);
      targets.set(set.targets.subarray(src * C, (src + 1) * C), dst * C);
    }
  }
}

interface Meta {
  depths: number;
  channels: string[];
}

/** Runs the network over whole images of a set, `batch` at a time; outputs [0,1]-clipped later. */
export async function predictSet(model: tf.LayersModel, set: FluorescenceSet, label: string): Promise<PredictedExample[]> {
  const { size, depths } = set;
  const C = set.channels.length;
  const out: PredictedExample[] = [];
  await predictInBatches(label, model, set.ids.length, 8, (idx) => tf.tensor4d(set.inputs.slice(idx[0]! * size * size * depths, (idx[0]! + idx.length) * size * size * depths), [idx.length, size, size, depths]), async (idx, [pred]) => {
    const data = (await pred!.data()) as Float32Array;
    idx.forEach((k, i) => {
      const channels = new Map<string, Float32Array>();
      set.channels.forEach((name, c) => {
        const img = new Float32Array(size * size);
        for (let p = 0; p < size * size; p++) img[p] = data[(i * size * size + p) * C + c]!;
        channels.set(name, img);
      });
      out.push({ id: set.ids[k]!, width: size, height: size, channels });
    });
  });
  return out;
}

export async function trainedUNet(ctx: BaselineContext) {
  return trainOrLoad<Meta>(ctx, ctx.epochs ?? DEFAULT_EPOCHS, async (epochs) => {
    const set = loadFluorescenceSet(path.join(ctx.dataDir, 'train'), ISL_CHANNELS, ctx.limitTrain);
    const C = set.channels.length;
    const model = buildUNet(set.depths, C, ctx.seed);
    const random = mulberry32(ctx.seed ^ 0x5eed);
    const result = await train({
      label: 'isl-unet', model, samples: set.ids.length, epochs, batchSize: BATCH, learningRate: 2e-3, seed: ctx.seed, maxSteps: ctx.maxSteps,
      makeBatch: (idx) => {
        const inputs = new Float32Array(idx.length * CROP * CROP * set.depths);
        const targets = new Float32Array(idx.length * CROP * CROP * C);
        const available = new Float32Array(idx.length * C);
        idx.forEach((k, i) => {
          const x0 = Math.floor(random() * (set.size - CROP + 1));
          const y0 = Math.floor(random() * (set.size - CROP + 1));
          cropInto(set, k, x0, y0, Math.floor(random() * 8), inputs, targets, i);
          available.set(set.available.subarray(k * C, (k + 1) * C), i * C);
        });
        return {
          inputs: tf.tensor4d(inputs, [idx.length, CROP, CROP, set.depths]),
          targets: [tf.tensor4d(targets, [idx.length, CROP, CROP, C]), tf.tensor4d(available, [idx.length, 1, 1, C])],
        };
      },
      loss: (pred, targets) => {
        const [labels, available] = targets as tf.Tensor[];
        return maskedMse(pred as tf.Tensor, labels!, available!);
      },
    });
    return { model, meta: { depths: set.depths, channels: [...set.channels] }, result };
  });
}

export const islUNet: Baseline = {
  name: 'unet',
  challenge: 'isl-mini',
  description: 'U-Net (16-32-64 filters) on the 13-depth z-stack, loss masked by label availability',
  kind: 'model',
  async run(ctx) {
    const trained = await trainedUNet(ctx);
    const test = loadFluorescenceSet(path.join(ctx.dataDir, 'test'), trained.meta.channels);
    const predictions = await predictSet(trained.model, test, 'isl-unet');
    fs.mkdirSync(ctx.workDir, { recursive: true });
    const submission = path.join(ctx.workDir, 'submission.zip');
    await writePredictionZip(submission, predictions);
    const { size, depths } = test;
    let latency;
    if (ctx.latency) {
      // Multiply-adds need spatial sizes: count them on the same network built for this image size.
      const fixed = buildUNet(depths, trained.meta.channels.length, ctx.seed, size);
      const cost = modelCost(fixed);
      fixed.dispose();
      const make = (start: number, count: number) => tf.tensor4d(test.inputs.slice(start * size * size * depths, (start + count) * size * size * depths), [count, size, size, depths]);
      latency = await modelLatency(trained.model, { samples: Math.min(32, test.ids.length), make }, ctx.latency, ctx.runtime, cost);
    }
    return { submission, latency, trained: trained.trained, loadedFromCache: trained.loadedFromCache };
  },
};
