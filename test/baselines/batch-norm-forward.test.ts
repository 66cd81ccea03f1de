// The forward batch norm with channels in SIMD lanes (batch-norm-forward.ts) must give tfjs'
// wasm kernel bit for bit. tfjs' kernel still runs when x's last axis is not the parameters'
// length; a flat x whose length is a multiple of it wraps the parameters the same way, so it
// computes the same elements with tfjs' loop: the reference.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { simdKernels } from '../../src/baselines/simd-kernels.js';
import type { HeapBackend } from '../../src/baselines/conv2d-filter-gradient.js';

function seededValues(n: number, seed: number, scale: number, shift = 0): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * scale + shift;
  }
  return out;
}

const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

function batchNorm(x: tf.Tensor, p: Record<string, tf.Tensor>, varianceEpsilon: number): tf.Tensor {
  return tf.engine().runKernel('FusedBatchNorm', { x, ...p }, { varianceEpsilon } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

beforeAll(async () => {
  await initRuntime('wasm');
});

describe('FusedBatchNorm on wasm with SIMD lanes', () => {
  it('runs the SIMD loop here (else the cases below would compare tfjs with itself)', () => {
    expect(simdKernels(tf.backend() as unknown as HeapBackend)).not.toBeNull();
  });

  const cases = [
    { shape: [2, 5, 7, 16], eps: 1e-3 }, { shape: [3, 4, 4, 3], eps: 1e-3 }, { shape: [1, 6, 5, 5], eps: 1e-5 },
    { shape: [4, 8], eps: 1e-3 }, { shape: [2, 3, 3, 17], eps: 0.1 }, { shape: [5, 1], eps: 1e-3 }, { shape: [2, 2, 2, 32], eps: 1e-3 },
  ];
  for (const c of cases) {
    it(`equals tfjs' kernel for x ${c.shape.join('x')}, epsilon ${c.eps}`, () => {
      const channels = c.shape[c.shape.length - 1]!;
      const n = c.shape.reduce((a, b) => a * b, 1);
      const xs = seededValues(n, 1, 40, 3);
      xs[0] = -0;
      if (n > 8) [xs[3], xs[5], xs[7]] = [NaN, Infinity, -Infinity];
      const p = {
        mean: tf.tensor1d(seededValues(channels, 2, 10)),
        variance: tf.tensor1d(seededValues(channels, 3, 8, 4.01)), // in (0.01, 8.01): near epsilon too
        offset: tf.tensor1d(seededValues(channels, 4, 2)),
        scale: tf.tensor1d(seededValues(channels, 5, 3)),
      };
      const x = tf.tensor(xs, c.shape);
      const flat = tf.reshape(x, [n]);
      const mine = batchNorm(x, p, c.eps);
      const reference = batchNorm(flat, p, c.eps);
      expect(mine.shape).toEqual(c.shape);
      expect(bits(mine)).toEqual(bits(reference));
      // and not trivially: the output is not the input
      expect(bits(mine)).not.toEqual(bits(x));
      tf.dispose([x, flat, mine, reference, ...Object.values(p)]);
    });
  }

  it('leaves other shapes to tfjs (parameters broadcast over another axis)', () => {
    const x = tf.tensor(seededValues(24, 6, 5), [2, 3, 4]);
    const p = { mean: tf.tensor1d([1, 2]), variance: tf.tensor1d([1, 4]), offset: tf.tensor1d([0, 1]), scale: tf.tensor1d([2, 3]) };
    const out = batchNorm(x, p, 1e-3).dataSync();
    const xv = x.dataSync();
    for (let i = 0; i < 24; i++) {
      const c = i % 2;
      const f = Math.fround(Math.sqrt(Math.fround([1, 4][c]! + Math.fround(1e-3))));
      const expected = Math.fround([0, 1][c]! + Math.fround(Math.fround(xv[i]! - [1, 2][c]!) * [2, 3][c]!) / f); // double division and sum
      expect(out[i]).toBe(expected);
    }
    tf.dispose([x, ...Object.values(p)]);
  });
});
