// The one-pass ReLU gradient (relu-gradient.ts) must give tfjs-core's formula's bits on wasm:
// both run on the same dy and x, with -0 / +0 / subnormal / ±∞ / NaN payloads (quiet and
// signalling) in x and in dy, element counts with and without a remainder of four lanes; and
// tf.grad of tf.relu reaches it.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { reluGradConfig, tfjsReluGrad } from '../../src/baselines/relu-gradient.js';
import { seededWideValues as seededValues } from './float-bits.js';

const bits = async (t: tf.Tensor) => Array.from(new Uint32Array(((await t.data()) as Float32Array).slice().buffer));

beforeAll(async () => {
  await initRuntime('wasm');
});

describe('wasm ReLU gradient in one pass', () => {
  for (const shape of [[1], [3], [4], [7], [2, 3, 5, 7], [2, 8, 8, 16], [1, 1000]]) {
    it(`equals tfjs-core's dy * step(x) bit for bit on [${shape.join(', ')}]`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = tf.tensor(seededValues(n, 3 + n), shape);
      const dy = tf.tensor(seededValues(n, 91 + n), shape);
      const ours = (reluGradConfig.gradFunc(dy, [x], {}) as { x: () => tf.Tensor }).x();
      expect(ours.shape).toEqual(shape);
      expect(await bits(ours)).toEqual(await bits(tfjsReluGrad(dy, x)));
    });
  }

  it('keeps the payload tfjs keeps when dy and x are both NaN, one element or more', async () => {
    for (const n of [1, 2, 9]) {
      const x = tf.tensor(new Float32Array(new Uint32Array(n).fill(0xffc01234).buffer), [n]);
      const dy = tf.tensor(new Float32Array(new Uint32Array(n).fill(0x7fc0abcd).buffer), [n]);
      const ours = (reluGradConfig.gradFunc(dy, [x], {}) as { x: () => tf.Tensor }).x();
      expect(await bits(ours)).toEqual(await bits(tfjsReluGrad(dy, x)));
    }
  });

  it('is the gradient tf.grad uses for tf.relu', async () => {
    const x = tf.tensor(seededValues(37, 5), [37]);
    const dy = tf.tensor(seededValues(37, 6), [37]);
    const viaGrad = tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy);
    expect(await bits(viaGrad)).toEqual(await bits(tfjsReluGrad(dy, x)));
  });
});
