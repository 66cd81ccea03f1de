// Every learned baseline's network at tiny settings: output shapes, seeded determinism (same
// seed, same weights after a training step), and a saved model reloading to the same outputs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { buildClassifier } from '../../src/baselines/classification/mobilenet.js';
import { buildDeepLab, maskedCrossEntropy } from '../../src/baselines/segmentation/deeplab.js';
import { buildSsdLite, ssdAnchors, ssdLoss } from '../../src/baselines/detection/ssdlite.js';
import { buildMaskNet, maskLoss } from '../../src/baselines/separation/mask-net.js';
import { BINS } from '../../src/baselines/separation/stft.js';
import { VISUAL_FEATURES } from '../../src/baselines/separation/data.js';
import { loadModel, saveModel } from '../../src/baselines/model-store.js';
import { train, type Batch } from '../../src/baselines/train.js';

let dir: string;
beforeAll(async () => {
  await initRuntime('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-baselines-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
}

interface Case {
  name: string;
  build(seed: number): tf.LayersModel;
  inputs(): tf.Tensor[];
  outputShapes: number[][];
  batch(): Batch;
  loss(pred: tf.Tensor | tf.Tensor[], targets: tf.Tensor | tf.Tensor[]): tf.Scalar;
}

const anchors = ssdAnchors().count;
const FRAMES = 12;

const cases: Case[] = [
  {
    name: 'MobileNetV2 classifier',
    build: (seed) => buildClassifier(32, 7, seed),
    inputs: () => [tf.tensor4d(values(2 * 32 * 32 * 3, 1), [2, 32, 32, 3])],
    outputShapes: [[2, 7]],
    batch: () => ({ inputs: tf.tensor4d(values(2 * 32 * 32 * 3, 1), [2, 32, 32, 3]), targets: tf.oneHot(tf.tensor1d([1, 5], 'int32'), 7) }),
    loss: (p, y) => tf.losses.softmaxCrossEntropy(y as tf.Tensor, p as tf.Tensor) as tf.Scalar,
  },
  {
    name: 'DeepLab-v3+',
    build: (seed) => buildDeepLab(64, 21, seed),
    inputs: () => [tf.tensor4d(values(2 * 64 * 64 * 3, 2), [2, 64, 64, 3])],
    outputShapes: [[2, 64, 64, 21]],
    batch: () => ({
      inputs: tf.tensor4d(values(2 * 64 * 64 * 3, 2), [2, 64, 64, 3]),
      targets: tf.tensor3d(Int32Array.from({ length: 2 * 64 * 64 }, (_, i) => (i % 97 === 0 ? 21 : i % 21)), [2, 64, 64], 'int32'),
    }),
    loss: (p, y) => maskedCrossEntropy(y as tf.Tensor, p as tf.Tensor),
  },
  {
    name: 'SSDLite',
    build: (seed) => buildSsdLite(3, seed),
    inputs: () => [tf.tensor4d(values(2 * 64 * 64 * 3, 3), [2, 64, 64, 3])],
    outputShapes: [[2, anchors, 3 + 1], [2, anchors, 4]], // 3 classes + background; box offsets
    batch: () => ({
      inputs: tf.tensor4d(values(2 * 64 * 64 * 3, 3), [2, 64, 64, 3]),
      targets: [tf.tensor2d(Int32Array.from({ length: 2 * anchors }, (_, i) => (i % 50 === 0 ? 1 + (i % 3) : i % 77 === 0 ? -1 : 0)), [2, anchors], 'int32'), tf.tensor3d(values(2 * anchors * 4, 4), [2, anchors, 4])],
    }),
    loss: (p, t) => ssdLoss(3, p as tf.Tensor[], (t as tf.Tensor[])[0], (t as tf.Tensor[])[1]),
  },
  ...[false, true].map((av): Case => ({
    name: av ? 'audio-visual mask net' : 'audio-only mask net',
    build: (seed) => buildMaskNet(FRAMES, av, seed),
    inputs: () => [tf.tensor3d(values(2 * FRAMES * BINS, 5), [2, FRAMES, BINS]), ...(av ? [tf.tensor3d(values(2 * FRAMES * VISUAL_FEATURES, 6), [2, FRAMES, VISUAL_FEATURES])] : [])],
    outputShapes: [[2, FRAMES, 2, BINS]],
    batch: () => ({
      inputs: [tf.tensor3d(values(2 * FRAMES * BINS, 5), [2, FRAMES, BINS]), ...(av ? [tf.tensor3d(values(2 * FRAMES * VISUAL_FEATURES, 6), [2, FRAMES, VISUAL_FEATURES])] : [])],
      targets: [tf.abs(tf.tensor3d(values(2 * FRAMES * BINS, 7), [2, FRAMES, BINS])), tf.abs(tf.tensor4d(values(2 * 2 * FRAMES * BINS, 8), [2, 2, FRAMES, BINS]))],
    }),
    loss: (p, t) => maskLoss(p as tf.Tensor, (t as tf.Tensor[])[0], (t as tf.Tensor[])[1], !av),
  })),
];

async function outputsOf(model: tf.LayersModel, inputs: tf.Tensor[]): Promise<Float32Array[]> {
  const out = model.predict(inputs.length === 1 ? inputs[0] : inputs) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(out) ? out : [out];
  const data = await Promise.all(list.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(list);
  return data;
}

async function trainOneStep(c: Case, seed: number): Promise<tf.LayersModel> {
  const model = c.build(seed);
  const result = await train({
    label: c.name, model, samples: 2, epochs: 1, batchSize: 2, learningRate: 1e-2, seed, maxSteps: 1,
    makeBatch: () => c.batch(), loss: c.loss,
  });
  expect(result.steps).toBe(1);
  expect(Number.isFinite(result.epochLosses[0])).toBe(true);
  return model;
}

describe.each(cases)('$name', (c) => {
  it('has the expected output shapes', () => {
    const model = c.build(1);
    const shapes = (Array.isArray(model.outputs) ? model.outputs : [model.outputs]).map((o) => o.shape.slice(1));
    expect(shapes).toEqual(c.outputShapes.map((s) => s.slice(1)));
    const out = model.predict(c.inputs().length === 1 ? c.inputs()[0] : c.inputs()) as tf.Tensor | tf.Tensor[];
    expect((Array.isArray(out) ? out : [out]).map((t) => t.shape)).toEqual(c.outputShapes);
  });

  it('trains deterministically for a seed, differently for another', async () => {
    const a = await outputsOf(await trainOneStep(c, 7), c.inputs());
    const b = await outputsOf(await trainOneStep(c, 7), c.inputs());
    const other = await outputsOf(await trainOneStep(c, 8), c.inputs());
    expect(a).toEqual(b);
    expect(a).not.toEqual(other);
  });

  it('reloads from disk to the same outputs', async () => {
    const model = await trainOneStep(c, 3);
    const where = path.join(dir, c.name.replace(/\W+/g, '-'));
    await saveModel(model, where);
    const reloaded = await loadModel(where);
    expect(await outputsOf(reloaded, c.inputs())).toEqual(await outputsOf(model, c.inputs()));
  });
});
