// The one-pass ReLU gradient (relu-gradient.ts) must give tfjs-core's formula's bits on wasm:
// both run on the same dy and x, with -0 / +0 / subnormal / ±∞ / NaN payloads (quiet and
// signalling) in x and in dy, element counts with and without a remainder of four lanes; and
// tf.grad of tf.relu reaches it.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { reluGradConfig, tfjsReluGrad } from '../../src/baselines/relu-gradient.js';

/** Values over 2^-140 .. 2^40 with specials (-0, +0, NaN payloads, ±∞, subnormals) spread through. */
function seededValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  const words = new Uint32Array(out.buffer);
  const specials = [0x80000000, 0x00000000, 0x7fc00001, 0xffc12345, 0x7f800001, 0x7f800000, 0xff800000, 0x00000003, 0x80000005];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 ** ((s % 181) - 140);
    if (s % 5 === 0) words[i] = specials[(s >>> 8) % specials.length]!;
  }
  return out;
}

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

  it('is the gradient tf.grad uses for tf.relu', async () => {
    const x = tf.tensor(seededValues(37, 5), [37]);
    const dy = tf.tensor(seededValues(37, 6), [37]);
    const viaGrad = tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy);
    expect(await bits(viaGrad)).toEqual(await bits(tfjsReluGrad(dy, x)));
  });
});
