/**
 * SSDLite on MobileNetV2 (Sandler et al. 2018, section 6.2): SSD's multi-scale default boxes
 * with every head convolution replaced by a separable one (3x3 depthwise + 1x1), on a
 * MobileNetV2 backbone (width 0.35); extra stride-2 separable blocks add the coarse levels.
 * detection-mini's 128 px images are box-filtered to 64 px for the demo's time budget; boxes
 * are predicted relative to the image and written back in the original pixels.
 * Classification loss: softmax focal loss (Lin et al. 2017, gamma 2) over all non-ignored
 * default boxes instead of SSD's 3:1 hard negative mining (same purpose, no sorting in the
 * graph); box loss: smooth L1 on positives; both divided by the number of positives.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Baseline, BaselineContext } from '../baseline.js';
import { trainOrLoad } from '../cache.js';
import { convBnRelu6, mobileNetV2, relu6, Seeds, type MobileNetV2Config } from '../mobilenet-v2.js';
import { modelLatency } from '../model-latency.js';
import { predictInBatches, train } from '../train.js';
import { ANCHORS_PER_CELL, decode, makeAnchors, matchAnchors, type AnchorSet, type GroundTruth } from './anchors.js';
import { downscaleScaled, readImage, readInstances } from './data.js';
import { nonMaxSuppression, type Detection } from './nms.js';
import { writeDetectionsCsv, type CocoDetection } from './write-detections.js';

export const SSD_BACKBONE: MobileNetV2Config = {
  alpha: 0.35,
  stemStride: 2,
  blocks: [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 2, 2], [6, 64, 2, 2], [6, 96, 1, 1]],
  lastChannels: 0,
};
/** Side of the network's input (detection-mini's 128 px images are box-filtered to it). */
export const SSD_INPUT = 64;
const INPUT = SSD_INPUT;
/** Output strides of the levels the heads read, and SSD scales s_k for each. */
const LEVEL_STRIDES = [8, 16, 32, 64];
const LEVEL_SCALES = [0.1, 0.25, 0.5, 0.8];
const EXTRA_CHANNELS = 64;

type ST = tf.SymbolicTensor;

function separableHead(x: ST, outputs: number, seeds: Seeds, name: string): ST {
  let y = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: seeds.he(), name: `${name}_dw` }).apply(x) as ST;
  y = tf.layers.batchNormalization({ momentum: 0.9, name: `${name}_dw_bn` }).apply(y) as ST;
  y = relu6(`${name}_dw_relu6`).apply(y) as ST;
  return tf.layers.conv2d({ filters: outputs, kernelSize: 1, kernelInitializer: seeds.glorot(), name: `${name}_pw` }).apply(y) as ST;
}

export function buildSsdLite(classes: number, seed: number): tf.LayersModel {
  const seeds = new Seeds(seed);
  const input = tf.input({ shape: [INPUT, INPUT, 3], name: 'image' });
  const backbone = mobileNetV2(input, SSD_BACKBONE, seeds);
  const levels: ST[] = [];
  let last = backbone.output;
  let stride = [...backbone.byStride.keys()].pop()!;
  for (const s of LEVEL_STRIDES) {
    while (stride < s) {
      // SSDLite extra layer: 1x1 then a stride-2 separable 3x3.
      let y = convBnRelu6(last, EXTRA_CHANNELS / 2, 1, 1, seeds, `extra${stride}_reduce`);
      y = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', useBias: false, depthwiseInitializer: seeds.he(), name: `extra${stride}_dw` }).apply(y) as ST;
      y = tf.layers.batchNormalization({ momentum: 0.9, name: `extra${stride}_dw_bn` }).apply(y) as ST;
      last = convBnRelu6(y, EXTRA_CHANNELS, 1, 1, seeds, `extra${stride}_expand`);
      stride *= 2;
      backbone.byStride.set(stride, last);
    }
    levels.push(backbone.byStride.get(s)!);
  }
  const classOut: ST[] = [];
  const boxOut: ST[] = [];
  levels.forEach((f, k) => {
    const cells = (f.shape[1] as number) * (f.shape[2] as number);
    const c = separableHead(f, ANCHORS_PER_CELL * (classes + 1), seeds, `head${k}_class`);
    const b = separableHead(f, ANCHORS_PER_CELL * 4, seeds, `head${k}_box`);
    classOut.push(tf.layers.reshape({ targetShape: [cells * ANCHORS_PER_CELL, classes + 1], name: `head${k}_class_flat` }).apply(c) as ST);
    boxOut.push(tf.layers.reshape({ targetShape: [cells * ANCHORS_PER_CELL, 4], name: `head${k}_box_flat` }).apply(b) as ST);
  });
  const logits = tf.layers.concatenate({ axis: 1, name: 'class_logits' }).apply(classOut) as ST;
  const boxes = tf.layers.concatenate({ axis: 1, name: 'box_offsets' }).apply(boxOut) as ST;
  return tf.model({ inputs: input, outputs: [logits, boxes], name: 'ssdlite_mobilenet_v2' });
}

export function ssdAnchors(): AnchorSet {
  return makeAnchors(LEVEL_STRIDES.map((s) => INPUT / s), LEVEL_SCALES);
}

/** Focal softmax loss on non-ignored boxes + smooth L1 on positives, over the number of positives. */
export function ssdLoss(classes: number, predictions: tf.Tensor[], labels: tf.Tensor, offsets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const [logits, boxes] = predictions;
    const valid = tf.cast(tf.greaterEqual(labels, 0), 'float32');
    const positive = tf.cast(tf.greater(labels, 0), 'float32');
    const oneHot = tf.oneHot(tf.cast(tf.maximum(labels, 0), 'int32'), classes + 1);
    const logP = tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), -1);
    const modulation = tf.square(tf.sub(1, tf.exp(logP)));
    const classLoss = tf.sum(tf.mul(tf.mul(modulation, tf.neg(logP)), valid));
    const diff = tf.abs(tf.sub(boxes, offsets));
    // 0.5 d^2 below 1, d - 0.5 above, written without a comparison (which has no gradient).
    const clipped = tf.minimum(diff, 1);
    const smoothL1 = tf.add(tf.mul(0.5, tf.square(clipped)), tf.sub(diff, clipped));
    const boxLoss = tf.sum(tf.mul(tf.sum(smoothL1, -1), positive));
    return tf.div(tf.add(classLoss, boxLoss), tf.maximum(tf.sum(positive), 1)) as tf.Scalar;
  });
}

interface Meta {
  /** COCO category id of each class index. */
  categories: number[];
}

const DEFAULT_EPOCHS = 10;
const BATCH = 32;
const SCORE_THRESHOLD = 0.05;
const MAX_DETECTIONS = 100;

export const ssdlite: Baseline = {
  name: 'ssdlite-mobilenet-v2',
  challenge: 'detection-mini',
  description: 'SSDLite head on MobileNetV2 (width 0.35), 64x64 input',
  kind: 'model',
  async run(ctx: BaselineContext) {
    const anchors = ssdAnchors();
    const factor = (w: number) => w / INPUT;
    const trained = await trainOrLoad<Meta>(ctx, ctx.epochs ?? DEFAULT_EPOCHS, async (epochs) => {
      const coco = readInstances(ctx.dataDir, 'train');
      const categories = coco.categories.map((c) => c.id).sort((a, b) => a - b);
      const classOf = new Map(categories.map((id, i) => [id, i]));
      const images = ctx.limitTrain ? coco.images.slice(0, ctx.limitTrain) : coco.images;
      const px = INPUT * INPUT * 3;
      const pixels = new Float32Array(images.length * px);
      const labels = new Int32Array(images.length * anchors.count);
      const offsets = new Float32Array(images.length * anchors.count * 4);
      const byImage = new Map<number, GroundTruth[]>();
      for (const a of coco.annotations) {
        const im = coco.images.find((i) => i.id === a.image_id);
        if (!im) continue;
        const [x, y, w, h] = a.bbox;
        const gt: GroundTruth = { box: [(x + w / 2) / im.width, (y + h / 2) / im.height, w / im.width, h / im.height], classIndex: classOf.get(a.category_id) ?? 0, crowd: a.iscrowd === 1 };
        byImage.set(a.image_id, [...(byImage.get(a.image_id) ?? []), gt]);
      }
      images.forEach((im, i) => {
        downscaleScaled(readImage(ctx.dataDir, 'train', im.file_name), factor(im.width), pixels, i * px);
        const t = matchAnchors(anchors, byImage.get(im.id) ?? []);
        labels.set(t.labels, i * anchors.count);
        offsets.set(t.offsets, i * anchors.count * 4);
      });
      const model = buildSsdLite(categories.length, ctx.seed);
      const n = anchors.count;
      const result = await train({
        label: 'ssdlite', model, samples: images.length, epochs, batchSize: BATCH, learningRate: 3e-3, seed: ctx.seed,
        maxSteps: ctx.maxSteps,
        makeBatch: (idx) => {
          const x = new Float32Array(idx.length * px);
          const l = new Int32Array(idx.length * n);
          const o = new Float32Array(idx.length * n * 4);
          idx.forEach((k, i) => {
            x.set(pixels.subarray(k * px, (k + 1) * px), i * px);
            l.set(labels.subarray(k * n, (k + 1) * n), i * n);
            o.set(offsets.subarray(k * n * 4, (k + 1) * n * 4), i * n * 4);
          });
          return {
            inputs: tf.tensor4d(x, [idx.length, INPUT, INPUT, 3]),
            targets: [tf.tensor2d(l, [idx.length, n], 'int32'), tf.tensor3d(o, [idx.length, n, 4])],
          };
        },
        loss: (pred, t) => ssdLoss(categories.length, pred as tf.Tensor[], (t as tf.Tensor[])[0], (t as tf.Tensor[])[1]),
      });
      return { model, meta: { categories }, result };
    });

    const { model, meta } = trained;
    const test = readInstances(ctx.dataDir, 'test');
    const px = INPUT * INPUT * 3;
    const pixels = new Float32Array(test.images.length * px);
    test.images.forEach((im, i) => downscaleScaled(readImage(ctx.dataDir, 'test', im.file_name), factor(im.width), pixels, i * px));
    const makeInputs = (start: number, count: number) => tf.tensor4d(pixels.slice(start * px, (start + count) * px), [count, INPUT, INPUT, 3]);
    const detections: CocoDetection[] = [];
    const classes = meta.categories.length;
    await predictInBatches('ssdlite', model, test.images.length, 32, (idx) => makeInputs(idx[0], idx.length), async (idx, [logits, boxes]) => {
      const probs = tf.softmax(logits);
      const p = (await probs.data()) as Float32Array;
      const b = (await boxes.data()) as Float32Array;
      probs.dispose();
      idx.forEach((k, i) => {
        const im = test.images[k];
        const candidates: Detection[] = [];
        for (let a = 0; a < anchors.count; a++) {
          const base = (i * anchors.count + a) * (classes + 1);
          let box: [number, number, number, number] | undefined;
          for (let c = 0; c < classes; c++) {
            const score = p[base + c + 1];
            if (score < SCORE_THRESHOLD) continue;
            box ??= decode(b, (i * anchors.count + a) * 4, anchors.boxes, a);
            const [cx, cy, w, h] = box;
            candidates.push({ classIndex: c, score, box: [(cx - w / 2) * im.width, (cy - h / 2) * im.height, (cx + w / 2) * im.width, (cy + h / 2) * im.height] });
          }
        }
        for (const d of nonMaxSuppression(candidates, 0.5, MAX_DETECTIONS)) {
          const x0 = Math.max(0, d.box[0]), y0 = Math.max(0, d.box[1]);
          const x1 = Math.min(im.width, d.box[2]), y1 = Math.min(im.height, d.box[3]);
          if (x1 <= x0 || y1 <= y0) continue;
          detections.push({ imageId: im.id, categoryId: meta.categories[d.classIndex], score: d.score, bbox: [x0, y0, x1 - x0, y1 - y0] });
        }
      });
    });
    fs.mkdirSync(ctx.workDir, { recursive: true });
    const submission = path.join(ctx.workDir, 'submission.csv');
    writeDetectionsCsv(submission, detections);
    const latency = ctx.latency
      ? await modelLatency(model, { samples: Math.min(32, test.images.length), make: makeInputs }, ctx.latency, ctx.runtime)
      : undefined;
    return { submission, latency, trained: trained.trained, loadedFromCache: trained.loadedFromCache };
  },
};
