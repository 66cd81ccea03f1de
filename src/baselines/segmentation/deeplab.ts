/**
 * DeepLab-v3+-style segmenter (Chen et al., "Encoder-Decoder with Atrous Separable Convolution
 * for Semantic Image Segmentation", ECCV 2018) on a MobileNetV2 encoder (width 0.35):
 * - encoder to output stride 8;
 * - ASPP: a 1x1 branch, atrous separable 3x3 branches (rates 2 and 4 on the 8x8 map of a 64 px
 *   image, the paper's 6/12/18 scaled to the feature size), and image-level pooling;
 *   concatenated and projected by a 1x1 convolution;
 * - decoder: upsample x2, concatenate the stride-4 low-level features reduced by 1x1, a
 *   separable 3x3 convolution, the 21-class 1x1 classifier, bilinear upsampling to the input.
 * Loss: softmax cross-entropy over non-void pixels (VOC's 255 border is ignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { AtrousDepthwiseConv2D } from '../atrous-depthwise.js';
import type { Baseline, BaselineContext } from '../baseline.js';
import { trainOrLoad } from '../cache.js';
import { convBnRelu6, mobileNetV2, Seeds, type MobileNetV2Config } from '../mobilenet-v2.js';
import { modelLatency } from '../model-latency.js';
import { predictInBatches, train } from '../train.js';
import { loadSegmentationSet, VOC_CLASSES, VOID } from './data.js';
import { writeMaskZip } from './write-masks.js';

export const DEEPLAB_BACKBONE: MobileNetV2Config = {
  alpha: 0.35,
  stemStride: 2,
  blocks: [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 2, 2], [6, 64, 2, 1], [6, 96, 1, 1]],
  lastChannels: 0,
};

const ASPP_CHANNELS = 48;
const LOW_LEVEL_CHANNELS = 16;

type ST = tf.SymbolicTensor;

function separable(x: ST, filters: number, rate: number, seeds: Seeds, name: string): ST {
  let y = rate === 1
    ? (tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: seeds.he(), name: `${name}_dw` }).apply(x) as ST)
    : (new AtrousDepthwiseConv2D({ rate, seed: seeds.take(), name: `${name}_atrous_dw` }).apply(x) as ST);
  y = tf.layers.batchNormalization({ momentum: 0.9, name: `${name}_dw_bn` }).apply(y) as ST;
  y = tf.layers.reLU({ name: `${name}_dw_relu` }).apply(y) as ST;
  return convBnRelu6(y, filters, 1, 1, seeds, `${name}_pw`);
}

export function buildDeepLab(size: number, classes: number, seed: number): tf.LayersModel {
  const seeds = new Seeds(seed);
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  const backbone = mobileNetV2(input, DEEPLAB_BACKBONE, seeds);
  const high = backbone.byStride.get(8)!;
  const low = backbone.byStride.get(4)!;
  const featureSize = size / 8;

  // ASPP
  const branches: ST[] = [convBnRelu6(high, ASPP_CHANNELS, 1, 1, seeds, 'aspp_1x1')];
  for (const rate of [2, 4]) branches.push(separable(high, ASPP_CHANNELS, rate, seeds, `aspp_rate${rate}`));
  let pooled = tf.layers.globalAveragePooling2d({ name: 'aspp_pool' }).apply(high) as ST;
  pooled = tf.layers.reshape({ targetShape: [1, 1, high.shape[3] as number], name: 'aspp_pool_reshape' }).apply(pooled) as ST;
  pooled = convBnRelu6(pooled, ASPP_CHANNELS, 1, 1, seeds, 'aspp_pool_proj');
  branches.push(tf.layers.upSampling2d({ size: [featureSize, featureSize], name: 'aspp_pool_up' }).apply(pooled) as ST);
  let x = tf.layers.concatenate({ name: 'aspp_concat' }).apply(branches) as ST;
  x = convBnRelu6(x, ASPP_CHANNELS, 1, 1, seeds, 'aspp_proj');

  // Decoder
  x = tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name: 'decoder_up2' }).apply(x) as ST;
  const lowReduced = convBnRelu6(low, LOW_LEVEL_CHANNELS, 1, 1, seeds, 'decoder_low');
  x = tf.layers.concatenate({ name: 'decoder_concat' }).apply([x, lowReduced]) as ST;
  x = separable(x, ASPP_CHANNELS, 1, seeds, 'decoder_sep');
  x = tf.layers.conv2d({ filters: classes, kernelSize: 1, kernelInitializer: seeds.glorot(), name: 'classifier' }).apply(x) as ST;
  const logits = tf.layers.upSampling2d({ size: [4, 4], interpolation: 'bilinear', name: 'decoder_up4' }).apply(x) as ST;
  return tf.model({ inputs: input, outputs: logits, name: 'deeplab_v3plus_mobilenet_v2' });
}

/** Mean softmax cross-entropy over pixels whose label is not void (one-hot of 255 is all zeros). */
export function maskedCrossEntropy(labels: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), VOC_CLASSES);
    const valid = tf.sum(oneHot);
    const nll = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits))));
    return tf.div(nll, tf.maximum(valid, 1)) as tf.Scalar;
  });
}

interface Meta {
  size: number;
}

const DEFAULT_EPOCHS = 6;
const BATCH = 16;

export const deeplab: Baseline = {
  name: 'deeplab-v3plus',
  challenge: 'voc2012-seg-mini',
  description: 'DeepLab-v3+ (MobileNetV2 width 0.35 encoder, atrous separable ASPP, decoder), 64x64',
  kind: 'model',
  async run(ctx: BaselineContext) {
    const voc = path.join(ctx.dataDir, 'VOC2012');
    const trained = await trainOrLoad<Meta>(ctx, ctx.epochs ?? DEFAULT_EPOCHS, async (epochs) => {
      const data = loadSegmentationSet(voc, 'train', true, ctx.limitTrain);
      const model = buildDeepLab(data.size, VOC_CLASSES, ctx.seed);
      const s = data.size;
      const result = await train({
        label: 'deeplab-v3plus', model, samples: data.ids.length, epochs, batchSize: BATCH, learningRate: 3e-3, seed: ctx.seed,
        maxSteps: ctx.maxSteps,
        makeBatch: (idx) => {
          const x = new Float32Array(idx.length * s * s * 3);
          const y = new Int32Array(idx.length * s * s);
          idx.forEach((k, i) => {
            x.set(data.pixels.subarray(k * s * s * 3, (k + 1) * s * s * 3), i * s * s * 3);
            const m = data.masks.subarray(k * s * s, (k + 1) * s * s);
            for (let p = 0; p < m.length; p++) y[i * s * s + p] = m[p] === VOID ? VOC_CLASSES : m[p];
          });
          return { inputs: tf.tensor4d(x, [idx.length, s, s, 3]), targets: tf.tensor3d(y, [idx.length, s, s], 'int32') };
        },
        loss: (pred, labels) => maskedCrossEntropy(labels as tf.Tensor, pred as tf.Tensor),
      });
      return { model, meta: { size: s }, result };
    });

    const val = loadSegmentationSet(voc, 'val', false);
    const s = val.size;
    const makeInputs = (start: number, count: number) =>
      tf.tensor4d(val.pixels.slice(start * s * s * 3, (start + count) * s * s * 3), [count, s, s, 3]);
    const masks: { id: string; width: number; height: number; classes: Uint8Array }[] = [];
    await predictInBatches('deeplab-v3plus', trained.model, val.ids.length, 32, (idx) => makeInputs(idx[0], idx.length), async (idx, [logits]) => {
      const classes = tf.argMax(logits, -1);
      const data = (await classes.data()) as Int32Array;
      classes.dispose();
      idx.forEach((k, i) => masks.push({ id: val.ids[k], width: s, height: s, classes: Uint8Array.from(data.subarray(i * s * s, (i + 1) * s * s)) }));
    });
    fs.mkdirSync(ctx.workDir, { recursive: true });
    const submission = path.join(ctx.workDir, 'submission.zip');
    await writeMaskZip(submission, masks);
    const latency = ctx.latency
      ? await modelLatency(trained.model, { samples: Math.min(32, val.ids.length), make: makeInputs }, ctx.latency, ctx.runtime)
      : undefined;
    return { submission, latency, trained: trained.trained, loadedFromCache: trained.loadedFromCache };
  },
};
