// The gradient of non-overlapping max pools (max-pool-gradient.ts) must give tfjs' wasm kernel's
// bits: both run on the same x and dy, with ties (the last equal value wins), windows of zeros
// and negatives (the C++ maximum starts at FLT_MIN, so position 0 wins), NaN, infinities, -0,
// windows clipped at the edges; overlapping and padded pools still reach tfjs' kernel.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { originalWasmKernel } from '../../src/baselines/wasm-kernel-override.js';

/** Values on a coarse grid (many ties), a third of them zero or negative, some edge values. */
function poolInput(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  const edges = [0, -0, Number.NaN, Infinity, -Infinity, 1e-39, -1e-39];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const k = s >>> 24;
    out[i] = k < 12 ? edges[k % edges.length]! : k < 90 ? -((k % 5) / 2) : (k % 7) / 2;
  }
  return out;
}

const bits = async (t: tf.Tensor) => Array.from(new Uint32Array(((await t.data()) as Float32Array).slice().buffer));

beforeAll(async () => {
  await initRuntime('wasm');
});

describe('wasm max-pooling gradient', () => {
  const cases: { x: [number, number, number, number]; size: number; stride: number; pad: 'valid' | 'same'; ours: boolean }[] = [
    { x: [2, 8, 8, 5], size: 2, stride: 2, pad: 'valid', ours: true },
    { x: [3, 7, 9, 4], size: 2, stride: 2, pad: 'valid', ours: true }, // last row and column in no window
    { x: [1, 7, 5, 3], size: 2, stride: 2, pad: 'same', ours: true }, // windows clipped at the bottom and right
    { x: [2, 9, 9, 2], size: 3, stride: 3, pad: 'valid', ours: true },
    { x: [1, 1, 1, 1], size: 1, stride: 1, pad: 'valid', ours: true },
    { x: [2, 9, 9, 3], size: 3, stride: 2, pad: 'valid', ours: false }, // overlapping
    { x: [2, 6, 6, 3], size: 3, stride: 3, pad: 'same', ours: true }, // 'same' with nothing to pad
    { x: [1, 7, 7, 2], size: 3, stride: 3, pad: 'same', ours: false }, // padded at the top and left
  ];
  for (const c of cases) {
    it(`${c.x.join('x')}, pool ${c.size}, stride ${c.stride} ${c.pad} (${c.ours ? 'ours' : "tfjs'"})`, async () => {
      const x = tf.tensor4d(poolInput(c.x.reduce((a, b) => a * b, 1), 11 + c.size), c.x);
      const y = tf.maxPool(x, c.size, c.stride, c.pad);
      const dyValues = poolInput(y.size, 5).map((v, i) => (i % 3 === 0 ? v : i + 0.25));
      const dy = tf.tensor(dyValues, y.shape);
      const attrs = { filterSize: c.size, strides: c.stride, pad: c.pad };
      const info = tf.backend_util.computePool2DInfo(c.x, c.size, c.stride, 1, c.pad);
      expect(info.padInfo.top === 0 && info.padInfo.left === 0 && c.size === c.stride).toBe(c.ours);
      const ours = tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, attrs) as tf.Tensor;
      const theirs = tf.engine().makeTensorFromTensorInfo(originalWasmKernel('MaxPoolGrad')({ inputs: { dy, input: x, output: y }, backend: tf.backend(), attrs }) as tf.TensorInfo);
      expect(await bits(ours)).toEqual(await bits(theirs));
      // What tfjs-core's gradient of maxPool asks for is this kernel.
      const grad = tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, c.size, c.stride, c.pad).mul(dy).sum())(x);
      expect(await bits(grad)).toEqual(await bits(theirs));
    });
  }
});
