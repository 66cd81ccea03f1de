// The Mean gradient without a tensor of ones (mean-gradient.ts) must give tfjs-core's own Mean
// gradient's bits, on the wasm and the cpu backends: both run on the same dy, with -0, NaN
// payloads, ±∞, subnormals and quotients that round (element counts that are not powers of
// two), for per-channel means of activations (batch norm's moments), inner axes, negative
// axes, every axis, and odd channel counts. tf.grad of tf.mean and tf.moments reaches it.
import { afterAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { meanGradConfig, tfjsMeanGradient } from '../../src/baselines/mean-gradient.js';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Values over 2^-140 .. 2^40 (subnormals included) with -0, two NaN payloads and ±∞ at the start. */
function seededValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 ** ((s % 181) - 140);
  }
  const words = new Uint32Array(out.buffer);
  [0x80000000, 0x7fc00001, 0xffc12345, 0x7f800000, 0xff800000].forEach((w, k) => {
    if (k < n) words[k] = w;
  });
  return out;
}

const bits = async (t: tf.Tensor) => Array.from(new Uint32Array(((await t.data()) as Float32Array).slice().buffer));

/** Both gradients of mean(x, axis) for the same dy (of the mean's shape). */
function bothGradients(shape: number[], axis: number | number[]) {
  const x = tf.zeros(shape);
  const outShape = tf.mean(x, axis).shape;
  const dy = tf.tensor(seededValues(size(outShape), 3 + size(shape)), outShape);
  const attrs = { axis, keepDims: false } as unknown as tf.NamedAttrMap;
  return {
    ours: meanGradConfig.gradFunc(dy, [x], attrs) as { x: () => tf.Tensor },
    theirs: tfjsMeanGradient().gradFunc(dy, [x], attrs) as { x: () => tf.Tensor },
  };
}

afterAll(async () => {
  await initRuntime('wasm');
});

const cases: [number[], number | number[]][] = [
  [[3, 4, 5, 7], [0, 1, 2]], // per channel, 60 values a mean, 7 channels
  [[2, 8, 8, 16], [0, 1, 2]],
  [[4, 6], 1],
  [[4, 6, 5], -1],
  [[3, 5, 2], [0, 2]],
  [[3, 5, 2], [0, 1, 2]], // a mean of everything: dy is a scalar
  [[9], 0],
];

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`Mean gradient on ${backend}`, () => {
    for (const [shape, axis] of cases) {
      it(`equals tfjs-core's gradient bit for bit for [${shape.join(', ')}] over ${JSON.stringify(axis)}`, async () => {
        await initRuntime(backend);
        const { ours, theirs } = bothGradients(shape, axis);
        const dx = ours.x();
        expect(dx.shape).toEqual(shape);
        expect(await bits(dx)).toEqual(await bits(theirs.x()));
      });
    }

    it('is the gradient tf.grad uses for tf.mean and tf.moments', async () => {
      await initRuntime(backend);
      const shape = [2, 3, 3, 5];
      const x = tf.tensor(seededValues(size(shape), 9).map((v) => (Number.isFinite(v) ? v : 1)), shape);
      const weights = tf.tensor(seededValues(5, 21).map((v, i) => (Number.isFinite(v) ? v : i + 0.3)), [5]);
      const viaMean = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, [0, 1, 2]), weights)))(x);
      const dy = weights;
      const expected = tfjsMeanGradient().gradFunc(dy, [x], { axis: [0, 1, 2], keepDims: false } as unknown as tf.NamedAttrMap) as { x: () => tf.Tensor };
      expect(await bits(viaMean)).toEqual(await bits(expected.x()));
      const viaMoments = tf.grad((t: tf.Tensor) => tf.sum(tf.moments(t, [0, 1, 2]).variance))(x);
      expect(viaMoments.shape).toEqual(shape);
    });
  });
}
