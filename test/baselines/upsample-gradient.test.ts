// The gradient of upsampling by two (upsample-gradient.ts) must give tfjs' wasm kernel's bits:
// both run on the same dy, with -0, NaN, infinities and sums that round, channel counts with and
// without a remainder, one and several images; other sizes still reach tfjs' kernel.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { originalWasmKernel } from '../../src/baselines/wasm-kernel-override.js';

function seededValues(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // Magnitudes spread over 2^-20 .. 2^20 so that the four-term sums round.
    out[i] = (s / 2 ** 32 - 0.5) * scale * 2 ** ((s % 41) - 20);
  }
  return out;
}

const bits = async (t: tf.Tensor) => Array.from(new Uint32Array(((await t.data()) as Float32Array).slice().buffer));

beforeAll(async () => {
  await initRuntime('wasm');
});

describe('wasm upsampling-by-two gradient', () => {
  for (const [batch, height, width, channels] of [[1, 1, 1, 1], [2, 3, 5, 7], [3, 4, 4, 16], [1, 6, 2, 3]]) {
    it(`equals tfjs' kernel bit for bit on ${batch}x${height}x${width}x${channels}`, async () => {
      const images = tf.zeros([batch, height, width, channels]);
      const dyShape = [batch, 2 * height, 2 * width, channels];
      const values = seededValues(dyShape.reduce((a, b) => a * b, 1), 17 + channels, 10);
      // The window of dx[0, 0, 0, 0] all -0 (the sum starts at +0, so it is +0); NaN and infinities near the end.
      for (const i of [0, channels, 2 * width * channels, 2 * width * channels + channels]) values[i] = -0;
      const last = values.length - 1;
      if (last > 8) [values[last], values[last - 2], values[last - 3]] = [Number.NaN, Infinity, -Infinity];
      const dy = tf.tensor(values, dyShape);
      const attrs = { alignCorners: false, halfPixelCenters: false };
      const ours = tf.engine().runKernel('ResizeNearestNeighborGrad', { images, dy }, attrs) as tf.Tensor;
      const info = originalWasmKernel('ResizeNearestNeighborGrad')({ inputs: { images, dy }, backend: tf.backend(), attrs }) as tf.TensorInfo;
      const theirs = tf.engine().makeTensorFromTensorInfo(info);
      expect(ours.shape).toEqual(images.shape);
      expect(await bits(ours)).toEqual(await bits(theirs));
      // The gradient of the layer as tfjs-layers builds it reaches the same kernel.
      const layer = tf.layers.upSampling2d({ size: [2, 2] });
      const grad = tf.grad((x: tf.Tensor) => (layer.apply(x) as tf.Tensor).mul(dy).sum())(images);
      expect(grad.shape).toEqual(images.shape);
    });
  }

  it('leaves other sizes and align_corners to tfjs', async () => {
    const images = tf.zeros([1, 3, 4, 2]);
    const dy = tf.tensor(seededValues(1 * 7 * 9 * 2, 5, 1), [1, 7, 9, 2]);
    for (const alignCorners of [false, true]) {
      const attrs = { alignCorners, halfPixelCenters: false };
      const ours = tf.engine().runKernel('ResizeNearestNeighborGrad', { images, dy }, attrs) as tf.Tensor;
      const theirs = tf.engine().makeTensorFromTensorInfo(originalWasmKernel('ResizeNearestNeighborGrad')({ inputs: { images, dy }, backend: tf.backend(), attrs }) as tf.TensorInfo);
      expect(await bits(ours)).toEqual(await bits(theirs));
    }
  });
});
