// The wasm training kernels podium supplies (Conv2D filter gradient, depthwise gradients) must
// give the cpu backend's gradients: tfjs-core's gradient functions on both, compared elementwise.
import { describe, expect, it, beforeAll } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';

interface Case { x: number[]; f: number[]; stride: number; pad: 'same' | 'valid'; depthwise?: boolean }

const cases: Case[] = [
  { x: [2, 7, 6, 3], f: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 7, 6, 3], f: [3, 3, 3, 4], stride: 2, pad: 'same' },
  { x: [1, 9, 8, 2], f: [3, 2, 2, 5], stride: 2, pad: 'valid' },
  { x: [3, 5, 5, 6], f: [1, 1, 6, 7], stride: 1, pad: 'same' }, // the matmul fast path
  { x: [3, 5, 5, 6], f: [1, 1, 6, 7], stride: 2, pad: 'valid' },
  { x: [2, 1, 9, 6], f: [1, 5, 6, 4], stride: 1, pad: 'same' }, // conv1d as tfjs runs it
  { x: [2, 6, 6, 5], f: [2, 2, 5, 3], stride: 2, pad: 'same' }, // even kernel: asymmetric padding
  { x: [2, 8, 7, 4], f: [3, 3, 4, 1], stride: 1, pad: 'same', depthwise: true },
  { x: [2, 8, 7, 4], f: [3, 3, 4, 1], stride: 2, pad: 'same', depthwise: true },
  { x: [1, 9, 9, 3], f: [5, 5, 3, 2], stride: 2, pad: 'valid', depthwise: true }, // channel multiplier 2
];

function seededValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

async function gradients(c: Case): Promise<{ dx: Float32Array; df: Float32Array; fused: Float32Array }> {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const x = tf.tensor4d(seededValues(size(c.x), 1), c.x as [number, number, number, number]);
  const f = tf.tensor4d(seededValues(size(c.f), 2), c.f as [number, number, number, number]);
  const conv = (a: tf.Tensor4D, b: tf.Tensor4D) =>
    c.depthwise ? tf.depthwiseConv2d(a, b, c.stride, c.pad) : tf.conv2d(a, b, c.stride, c.pad);
  // A non-uniform upstream gradient: weight the outputs before summing.
  const loss = (a: tf.Tensor, b: tf.Tensor) => {
    const y = conv(a as tf.Tensor4D, b as tf.Tensor4D);
    return y.mul(tf.tensor(seededValues(y.size, 3), y.shape)).sum();
  };
  const [dx, df] = tf.grads(loss)([x, f]);
  let fused: Float32Array = new Float32Array(0);
  if (!c.depthwise) {
    const bias = tf.tensor1d(seededValues(c.f[3], 4));
    const fusedLoss = (b: tf.Tensor) => tf.fused.conv2d({ x, filter: b as tf.Tensor4D, strides: c.stride, pad: c.pad, bias, activation: 'relu' }).sum();
    fused = (await tf.grad(fusedLoss)(f).data()) as Float32Array;
  }
  return { dx: (await dx.data()) as Float32Array, df: (await df.data()) as Float32Array, fused };
}

function expectClose(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  expect(worst).toBeLessThan(1e-5);
}

async function matMulGradients(shapeA: number[], shapeB: number[], transposeA: boolean, transposeB: boolean) {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const a = tf.tensor(seededValues(size(shapeA), 5), shapeA);
  const b = tf.tensor(seededValues(size(shapeB), 6), shapeB);
  const loss = (x: tf.Tensor, y: tf.Tensor) => {
    const p = tf.matMul(x, y, transposeA, transposeB);
    return p.mul(tf.tensor(seededValues(p.size, 7), p.shape)).sum();
  };
  const product = (await tf.matMul(a, b, transposeA, transposeB).data()) as Float32Array;
  const [da, db] = tf.grads(loss)([a, b]);
  return { product, da: (await da.data()) as Float32Array, db: (await db.data()) as Float32Array };
}

describe('wasm matrix products with transposed operands against the cpu backend', () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[2, 7, 5], [2, 3, 7], true, true],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    it(`${sa.join('x')} ${ta ? 'T' : ''} by ${sb.join('x')} ${tb ? 'T' : ''}`, async () => {
      await initRuntime('wasm');
      const wasm = await matMulGradients(sa, sb, ta, tb);
      await initRuntime('cpu');
      const cpu = await matMulGradients(sa, sb, ta, tb);
      await initRuntime('wasm');
      expectClose(wasm.product, cpu.product);
      expectClose(wasm.da, cpu.da);
      expectClose(wasm.db, cpu.db);
    });
  }
});

describe('wasm training kernels against the cpu backend', () => {
  beforeAll(async () => {
    await initRuntime('wasm');
  });

  it('runs on the wasm backend it asked for', async () => {
    const info = await initRuntime('wasm');
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  for (const c of cases) {
    const name = `${c.depthwise ? 'depthwise' : 'conv2d'} x${c.x.join('x')} f${c.f.join('x')} stride ${c.stride} ${c.pad}`;
    it(name, async () => {
      await initRuntime('wasm');
      const wasm = await gradients(c);
      await initRuntime('cpu');
      const cpu = await gradients(c);
      await initRuntime('wasm');
      expectClose(wasm.dx, cpu.dx);
      expectClose(wasm.df, cpu.df);
      expectClose(wasm.fused, cpu.fused);
      expect(wasm.df.some((v) => v !== 0)).toBe(true);
    });
  }
});

describe('batch norm gradient (reduce first) against tfjs-core on the cpu backend', () => {
  it('gives the same derivatives for x, mean, variance, scale and offset', async () => {
    // tfjs-core's own gradient on the cpu backend, computed before podium's is registered, is
    // not reachable once registered; so compare against the closed form on the cpu backend.
    await initRuntime('cpu');
    const shape = [2, 3, 4, 5];
    const size = 2 * 3 * 4 * 5;
    const x = tf.tensor4d(seededValues(size, 11), shape as [number, number, number, number]);
    const mean = tf.tensor1d(seededValues(5, 12));
    const variance = tf.tensor1d(seededValues(5, 13).map((v) => v + 1));
    const scale = tf.tensor1d(seededValues(5, 14));
    const offset = tf.tensor1d(seededValues(5, 15));
    const weights = tf.tensor4d(seededValues(size, 16), shape as [number, number, number, number]);
    const viaKernel = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) =>
      tf.batchNorm(a as tf.Tensor4D, m as tf.Tensor1D, v as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, 1e-3).mul(weights).sum();
    const viaOps = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) =>
      a.sub(m).mul(tf.rsqrt(v.add(1e-3))).mul(s).add(o).mul(weights).sum();
    const inputs = [x, mean, variance, scale, offset];
    const ours = await Promise.all(tf.grads(viaKernel)(inputs).map(async (t) => (await t.data()) as Float32Array));
    const reference = await Promise.all(tf.grads(viaOps)(inputs).map(async (t) => (await t.data()) as Float32Array));
    for (let i = 0; i < inputs.length; i++) expectClose(ours[i], reference[i]);
    await initRuntime('wasm');
    const onWasm = await Promise.all(tf.grads(viaKernel)(inputs).map(async (t) => (await t.data()) as Float32Array));
    for (let i = 0; i < inputs.length; i++) expectClose(onWasm[i], reference[i]);
  });
});

describe('cache-blocked copies give the plain definitions', () => {
  it('transposeInto on sizes that are not multiples of the tile', async () => {
    const { transposeInto } = await import('../../src/baselines/wasm-matmul.js');
    const [batches, rows, cols] = [2, 37, 70];
    const src = seededValues(batches * rows * cols, 21);
    const dst = new Float32Array(src.length);
    transposeInto(src, dst, batches, rows, cols);
    for (let b = 0; b < batches; b++) {
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) expect(dst[(b * cols + c) * rows + r]).toBe(src[(b * rows + r) * cols + c]);
      }
    }
  });

  for (const [stride, pad] of [[1, 'same'], [2, 'same'], [2, 'valid']] as const) {
    it(`im2colTransposed, stride ${stride} ${pad}`, async () => {
      const { im2colTransposed } = await import('../../src/baselines/conv2d-filter-gradient.js');
      const shape: [number, number, number, number] = [2, 9, 10, 3];
      const info = tf.backend_util.computeConv2DInfo(shape, [3, 3, 3, 4], stride, 1, pad, undefined, false, 'channelsLast');
      const x = seededValues(2 * 9 * 10 * 3, 22);
      const n = info.batchSize * info.outHeight * info.outWidth;
      const k = 9 * 3;
      const patchesT = new Float32Array(k * n).fill(Number.NaN);
      im2colTransposed(x, patchesT, info);
      let col = 0;
      for (let b = 0; b < 2; b++) {
        for (let oh = 0; oh < info.outHeight; oh++) {
          for (let ow = 0; ow < info.outWidth; ow++, col++) {
            for (let fh = 0; fh < 3; fh++) {
              for (let fw = 0; fw < 3; fw++) {
                const ih = oh * stride - info.padInfo.top + fh;
                const iw = ow * stride - info.padInfo.left + fw;
                for (let c = 0; c < 3; c++) {
                  const inside = ih >= 0 && ih < 9 && iw >= 0 && iw < 10;
                  expect(patchesT[((fh * 3 + fw) * 3 + c) * n + col]).toBe(inside ? x[((b * 9 + ih) * 10 + iw) * 3 + c] : 0);
                }
              }
            }
          }
        }
      }
    });
  }
});

describe('wasm sums and means over leading axes, bit for bit', () => {
  it('equal the wasm kernels they replace (which reduce a transposed copy row by row)', async () => {
    await initRuntime('wasm');
    const shape = [3, 17, 19, 24];
    const x = tf.tensor4d(seededValues(3 * 17 * 19 * 24, 31).map((v) => v * 1000 + 3), shape as [number, number, number, number]);
    const channelsFirst = tf.transpose(x, [3, 0, 1, 2]); // innermost axes: the original kernels run
    const pairs: [tf.Tensor, tf.Tensor][] = [
      [tf.sum(x, [0, 1, 2]), tf.sum(channelsFirst, [1, 2, 3])],
      [tf.mean(x, [0, 1, 2]), tf.mean(channelsFirst, [1, 2, 3])],
      [tf.sum(x, 0), tf.sum(tf.transpose(x, [1, 2, 3, 0]), 3)],
      [tf.mean(x, [1, 0], true).reshape([19, 24]), tf.mean(tf.transpose(x, [2, 3, 0, 1]), [2, 3])],
    ];
    for (const [ours, theirs] of pairs) {
      expect(ours.shape).toEqual(theirs.shape);
      expect(Array.from(await ours.data())).toEqual(Array.from(await theirs.data()));
    }
    expect(tf.mean(x, [0, 1, 2], true).shape).toEqual([1, 1, 1, 24]);
    // Anything else keeps the original kernels: innermost axes, everything, int32.
    expect(Array.from(await tf.sum(tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32'), 0).data())).toEqual([4, 6]);
    expect(Array.from(await tf.sum(x).data())).toEqual(Array.from(await tf.sum(tf.reshape(x, [-1])).data()));
  });
});

describe('ReLU6 as one op', () => {
  it("gives tfjs-layers' minimum(6, relu(x)) values and gradients bit for bit", async () => {
    const { Relu6 } = await import('../../src/baselines/relu6.js');
    const values = Float32Array.from([-3, -0, 0, 1e-30, 0.5, 5.999999, 6, 6.000001, 9, ...seededValues(300, 41).map((v) => v * 20)]);
    for (const backend of ['wasm', 'cpu'] as const) {
      await initRuntime(backend);
      const layer = tf.layers.activation({ activation: 'relu6' });
      const x = tf.tensor1d(values);
      const dy = tf.tensor1d(seededValues(values.length, 42));
      const ours = (t: tf.Tensor) => (layer.apply(t) as tf.Tensor).mul(dy).sum();
      const reference = (t: tf.Tensor) => tf.minimum(6, tf.relu(t)).mul(dy).sum();
      expect(Array.from(await (layer.apply(x) as tf.Tensor).data())).toEqual(Array.from(await tf.minimum(6, tf.relu(x)).data()));
      expect(Array.from(await tf.grad(ours)(x).data())).toEqual(Array.from(await tf.grad(reference)(x).data()));
      expect((layer as unknown as { activation: unknown }).activation).toBeInstanceOf(Relu6);
    }
    await initRuntime('wasm');
  });
});

describe('wasm Identity and same-type Cast share data', () => {
  it('keep the values after the original is disposed, without a copy', async () => {
    await initRuntime('wasm');
    const backend = tf.engine().backend;
    const x = tf.tensor2d([[1, -2], [3.5, 0]]);
    const before = backend.numDataIds();
    const y = tf.clone(x);
    const z = tf.cast(x, 'float32');
    expect(backend.numDataIds()).toBe(before);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, -2, 3.5, 0]);
    expect(Array.from(await z.data())).toEqual([1, -2, 3.5, 0]);
    y.dispose();
    expect(Array.from(await z.data())).toEqual([1, -2, 3.5, 0]);
    z.dispose();
    expect(backend.numDataIds()).toBe(before - 1);
    // A real cast still converts.
    const i = tf.cast(tf.tensor1d([1.7, -1.2]), 'int32');
    expect(i.dtype).toBe('int32');
    expect(Array.from(await i.data())).toEqual([1, -1]);
  });
});

describe('fused Adam', () => {
  it("updates weights and moments bit for bit as tfjs' AdamOptimizer on wasm", async () => {
    const { FusedAdamOptimizer } = await import('../../src/baselines/fused-adam.js');
    await initRuntime('wasm');
    const run = async (optimizer: tf.Optimizer) => {
      const w = tf.variable(tf.tensor2d(seededValues(6 * 5, 51), [6, 5]));
      const b = tf.variable(tf.tensor1d(seededValues(5, 52)));
      const x = tf.tensor2d(seededValues(7 * 6, 53).map((v) => v * 3), [7, 6]);
      const y = tf.tensor2d(seededValues(7 * 5, 54), [7, 5]);
      for (let step = 0; step < 5; step++) optimizer.minimize(() => tf.losses.meanSquaredError(y, tf.relu6(tf.add(tf.matMul(x, w), b).mul(4))) as tf.Scalar);
      const out = [Array.from(await w.data()), Array.from(await b.data()), ...(await Promise.all((await optimizer.getWeights()).slice(1).map(async (t) => Array.from(await t.tensor.data()))))];
      tf.dispose([w, b, x, y]);
      optimizer.dispose();
      return out;
    };
    const reference = await run(tf.train.adam(0.01));
    const fused = await run(new FusedAdamOptimizer(0.01, 0.9, 0.999));
    expect(fused.length).toBe(6); // w, b and their first and second moments
    expect(fused).toEqual(reference);
    expect(fused[0]).not.toEqual(Array.from(seededValues(6 * 5, 51))); // the weights moved
  });
});
