// The batch norm gradient's two per-channel sums in one pass (batch-norm-gradient.ts) must give
// the bits of the ops they replace on wasm (Sum of g; Sum of Multiply(g, Sub(x, mean))): both run
// on the same g, x and mean, with -0 / ±∞ / NaN payloads (NaN in g and x at the same element,
// whose payload wins depends on the operand order), channel counts with and without a remainder
// of four lanes and under four (tfjs' Sub then runs XNNPACK's own broadcast), ranks 2 to 4, a
// channel of -0 gradients; and tf.grads of tf.batchNorm reaches it.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { BATCH_NORM_GRAD_SUMS, gradSumsByOps } from '../../src/baselines/batch-norm-gradient.js';
import { seededWideValues } from './float-bits.js';

const bits = async (t: tf.Tensor) => Array.from(new Uint32Array(((await t.data()) as Float32Array).slice().buffer));

/** Seeded values with NaNs of different payloads in both a and b at every 7th element. */
function pair(n: number, seed: number): [Float32Array, Float32Array] {
  const a = seededWideValues(n, seed);
  const b = seededWideValues(n, seed + 100);
  const [aw, bw] = [new Uint32Array(a.buffer), new Uint32Array(b.buffer)];
  for (let i = 3; i < n; i += 7) {
    aw[i] = 0x7fc0abcd;
    bw[i] = 0xffc01234;
  }
  return [a, b];
}

beforeAll(async () => {
  await initRuntime('wasm');
});

describe('wasm batch norm gradient sums in one pass', () => {
  for (const shape of [[2, 3, 4, 8], [2, 5, 5, 7], [3, 3, 16, 33], [4, 9, 1], [6, 2], [5, 3], [2, 3, 3, 1], [1, 4], [2, 1, 1, 64]]) {
    it(`equals Sum(g) and Sum(g * (x - mean)) bit for bit on [${shape.join(', ')}]`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const channels = shape[shape.length - 1]!;
      const [gValues, xValues] = pair(n, 7 + n);
      const g = tf.tensor(gValues, shape);
      const x = tf.tensor(xValues, shape);
      const meanValues = seededWideValues(channels, 3 + channels);
      if (channels > 2) new Uint32Array(meanValues.buffer)[2] = 0x7fa00001; // a third NaN payload
      const mean = tf.tensor1d(meanValues);
      const axes = shape.slice(0, -1).map((_, i) => i);
      const ours = tf.engine().runKernel(BATCH_NORM_GRAD_SUMS, { dy: g, x, mean }) as unknown as tf.Tensor[];
      const theirs = gradSumsByOps(g, x, mean, axes);
      for (let k = 0; k < 2; k++) {
        expect(ours[k]!.shape).toEqual([channels]);
        expect(await bits(ours[k]!)).toEqual(await bits(theirs[k]!));
      }
    });
  }

  it('starts each sum from +0 as tfjs\' Sum does (a channel of -0 gradients sums to +0)', async () => {
    const g = tf.tensor2d([1, 2, -0, 3, -1, 0.5, -0, 2, 4, -0, -0, 5], [3, 4]); // channel 2 all -0
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [3, 4]);
    const mean = tf.tensor1d([1, 2, 3, 4]);
    const ours = tf.engine().runKernel(BATCH_NORM_GRAD_SUMS, { dy: g, x, mean }) as unknown as tf.Tensor[];
    const theirs = gradSumsByOps(g, x, mean, [0]);
    for (let k = 0; k < 2; k++) expect(await bits(ours[k]!)).toEqual(await bits(theirs[k]!));
  });

  it('is what tf.grads of tf.batchNorm uses for the offset and scale derivatives', async () => {
    const shape: [number, number, number, number] = [2, 4, 3, 6];
    const n = 2 * 4 * 3 * 6;
    const x = tf.tensor4d(seededWideValues(n, 41).map((v) => (Number.isFinite(v) ? v : 0.25)), shape);
    const mean = tf.tensor1d([0.5, -1, 2, 0, 3, -0.25]);
    const variance = tf.tensor1d([1, 2, 0.5, 4, 1.5, 3]);
    const scale = tf.tensor1d([1.5, -2, 0.75, 1, 2, -1]);
    const offset = tf.tensor1d([0, 1, -1, 0.5, 2, 0.125]);
    const weights = tf.tensor4d(seededWideValues(n, 43).map((v) => (Number.isFinite(v) ? v : -0.5)), shape);
    const [, , , dScale, dOffset] = tf.grads((a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) =>
      tf.sum(tf.mul(tf.batchNorm(a as tf.Tensor4D, m as tf.Tensor1D, v as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, 1e-3), weights)),
    )([x, mean, variance, scale, offset]);
    const [sumG, sumGxm] = gradSumsByOps(weights, x, mean, [0, 1, 2]);
    expect(await bits(dOffset!)).toEqual(await bits(sumG));
    expect(await bits(dScale!)).toEqual(await bits(tf.mul(tf.rsqrt(tf.add(variance, tf.scalar(1e-3))), sumGxm)));
  });
});
