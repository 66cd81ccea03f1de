// layers-to-onnx.ts on small tfjs models built here: the ONNX file, run in onnxruntime-node,
// gives tfjs's outputs (1e-5) for max pooling (valid and same, odd sizes, overlapping windows)
// and for a fully convolutional model whose spatial size is left open (the U-Net's shape:
// convolutions, max pooling, upsampling, concatenation), fed two sizes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { layersToOnnx } from '../../src/baselines/layers-to-onnx.js';
import { loadOnnx } from '../../src/models/onnx-runtime.js';
import { mulberry32 } from '../../src/random.js';

let dir: string;
beforeAll(async () => {
  await initRuntime('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-layers-onnx-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type ST = tf.SymbolicTensor;

/** Largest |ONNX - tfjs| over the model's single output, for inputs of the given NHWC shapes. */
async function largestDifference(model: tf.LayersModel, shapes: number[][]): Promise<number> {
  const { graph, inputs, outputs } = layersToOnnx(model, ['y']);
  graph.node('Identity', [outputs[0]!.name], ['y']);
  const file = path.join(dir, `${model.name}.onnx`);
  fs.writeFileSync(file, graph.encode(model.name, inputs, [{ name: 'y', dims: outputs[0]!.dims }]));
  const session = await loadOnnx({ format: 'onnx', path: file, threads: 1, maxModelBytes: Number.MAX_SAFE_INTEGER });
  const random = mulberry32(7);
  let worst = 0;
  try {
    for (const shape of shapes) {
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random() * 2 - 1);
      const want = tf.tidy(() => (model.predict(tf.tensor(data, shape)) as tf.Tensor).dataSync() as Float32Array);
      const got = await session.run({ [inputs[0]!.name]: { dtype: 'float32', dims: shape, data } });
      const y = got.y!;
      expect(y.data.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i]! - Number(y.data[i])));
    }
  } finally {
    await session.dispose();
  }
  return worst;
}

describe('MaxPooling2D', () => {
  it.each([
    ['valid', 2, 2, 9],
    ['valid', 3, 2, 10],
    ['same', 2, 2, 9],
    ['same', 3, 2, 10],
    ['same', 3, 1, 7],
  ] as const)('%s padding, pool %d, stride %d, %d px: as tfjs', async (padding, pool, stride, size) => {
    const input = tf.input({ shape: [size, size, 3], name: 'x' });
    // A convolution first, so the pooling reads a channels-first tensor as in the baselines.
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as ST;
    const pooled = tf.layers.maxPooling2d({ poolSize: pool, strides: stride, padding }).apply(conv) as ST;
    const model = tf.model({ inputs: input, outputs: pooled, name: `pool_${padding}_${pool}_${stride}_${size}` });
    const [, h] = model.outputs[0]!.shape as number[];
    expect(h).toBe(padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - pool) / stride) + 1);
    expect(await largestDifference(model, [[2, size, size, 3]])).toBeLessThanOrEqual(1e-5);
    model.dispose();
  });
});

describe('a fully convolutional model with open spatial sizes', () => {
  it('runs at any size the tfjs model takes (convolutions, pooling, upsampling, concatenation)', async () => {
    const init = (seed: number) => tf.initializers.heNormal({ seed });
    const input = tf.input({ shape: [null, null, 5], name: 'stack' });
    const skip = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }).apply(input) as ST;
    let x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(skip) as ST;
    x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(2) }).apply(x) as ST;
    x = tf.layers.upSampling2d({ size: [2, 2] }).apply(x) as ST;
    x = tf.layers.concatenate().apply([x, skip]) as ST;
    const out = tf.layers.conv2d({ filters: 2, kernelSize: 1, kernelInitializer: init(3) }).apply(x) as ST;
    const model = tf.model({ inputs: input, outputs: out, name: 'open_size' });
    expect(await largestDifference(model, [[1, 8, 8, 5], [2, 12, 16, 5]])).toBeLessThanOrEqual(1e-5);
    model.dispose();
  });

  it('refuses "same" padding at a stride above 1 when the size is open (the pads depend on it)', () => {
    const input = tf.input({ shape: [null, null, 2], name: 'x' });
    const out = tf.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }).apply(input) as ST;
    const model = tf.model({ inputs: input, outputs: out, name: 'strided_open' });
    expect(() => layersToOnnx(model)).toThrow(/"same" padding at stride 2 over an unknown size/);
    model.dispose();
  });
});
