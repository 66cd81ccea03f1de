// The one-pass Square gradient (square-gradient.ts) must give tfjs-core's formula's bits on wasm:
// both run on the same dy and x, with -0 / +0 / subnormal / ±∞ / NaN payloads (quiet and
// signalling) in x and in dy, NaN in both at the same element (whose payload wins depends on the
// operand order), x whose double overflows, element counts with and without a remainder of four
// lanes; and tf.grad of tf.square and the variance of tf.moments reach it.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { squareGradConfig, tfjsSquareGrad } from '../../src/baselines/square-gradient.js';
import { seededWideValues } from './float-bits.js';

const bits = async (t: tf.Tensor) => Array.from(new Uint32Array(((await t.data()) as Float32Array).slice().buffer));

/** dy and x: seeded values, then both NaN (different payloads) at a few elements, and x near the float32 maximum. */
function inputs(n: number): [Float32Array, Float32Array] {
  const dy = seededWideValues(n, 91 + n);
  const x = seededWideValues(n, 3 + n);
  const dyWords = new Uint32Array(dy.buffer);
  const xWords = new Uint32Array(x.buffer);
  for (let i = 0; i < n; i += 11) {
    dyWords[i] = 0x7fc0abcd;
    xWords[i] = 0xffc01234;
  }
  for (let i = 5; i < n; i += 13) x[i] = i % 2 ? 3e38 : -2.5e38;
  return [dy, x];
}

beforeAll(async () => {
  await initRuntime('wasm');
});

describe('wasm Square gradient in one pass', () => {
  for (const shape of [[1], [3], [4], [7], [2, 3, 5, 7], [2, 8, 8, 16], [1, 1000]]) {
    it(`equals tfjs-core's dy * (x * 2) bit for bit on [${shape.join(', ')}]`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const [dyValues, xValues] = inputs(n);
      const x = tf.tensor(xValues, shape);
      const dy = tf.tensor(dyValues, shape);
      const ours = (squareGradConfig.gradFunc(dy, [x], {}) as { x: () => tf.Tensor }).x();
      expect(ours.shape).toEqual(shape);
      expect(await bits(ours)).toEqual(await bits(tfjsSquareGrad(dy, x)));
    });
  }

  it('is the gradient tf.grad uses for tf.square and for the variance of tf.moments', async () => {
    const [dyValues, xValues] = inputs(37);
    const x = tf.tensor(xValues, [37]);
    const dy = tf.tensor(dyValues, [37]);
    expect(await bits(tf.grad((t: tf.Tensor) => tf.square(t))(x, dy))).toEqual(await bits(tfjsSquareGrad(dy, x)));
    const activation = tf.tensor(seededWideValues(2 * 3 * 3 * 8, 17).map((v) => (Number.isFinite(v) ? v : 0.5)), [2, 3, 3, 8]);
    const viaMoments = tf.grad((t: tf.Tensor) => tf.sum(tf.moments(t, [0, 1, 2]).variance))(activation);
    const centred = tf.sub(activation, tf.mean(activation, [0, 1, 2], true));
    const meanGrad = tf.div(tf.onesLike(centred), 18);
    const expected = tf.sub(tfjsSquareGrad(meanGrad, centred), tf.div(tf.sum(tfjsSquareGrad(meanGrad, centred), [0, 1, 2], true), 18));
    expect(viaMoments.shape).toEqual([2, 3, 3, 8]);
    expect(await bits(viaMoments)).toEqual(await bits(expected));
  });
});
