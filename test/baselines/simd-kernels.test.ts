// The WebAssembly SIMD loops (simd-kernels.ts) must give the JavaScript loops they replace bit
// for bit: depthwise gradients, the ReLU6 gradient, sums over leading axes, col2im and im2col.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { simdKernels } from '../../src/baselines/simd-kernels.js';
import {
  depthwiseBackpropFilterJs, depthwiseBackpropFilterWasm, depthwiseBackpropInputJs, depthwiseBackpropInputWasm,
} from '../../src/baselines/depthwise-conv2d-gradients.js';
import { relu6GradJs, RELU6_GRAD } from '../../src/baselines/relu6.js';
import { addRowsJs } from '../../src/baselines/outer-axis-reductions.js';
import type { HeapBackend } from '../../src/baselines/conv2d-filter-gradient.js';
import { col2im, col2imSimd } from '../../src/baselines/conv2d-input-gradient.js';
import { im2colTransposed, im2colTransposedSimd } from '../../src/baselines/conv2d-filter-gradient.js';
import type { WasmBackend } from '../../src/baselines/wasm-matmul.js';

function seededValues(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * scale;
  }
  return out;
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

/** Runs a kernel function directly and reads its output. */
function run(kernel: tf.KernelFunc, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): Float32Array {
  const info = kernel({ inputs, backend: tf.backend(), attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
  const t = tf.engine().makeTensorFromTensorInfo(info);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

/**
 * Runs `write` into a fresh float32 tensor of `shape` on the wasm heap (filled with `marker`
 * first, when given) and returns a copy of what it holds after.
 */
function writtenOnHeap(shape: number[], write: (wasm: WasmBackend, out: tf.TensorInfo) => void, marker?: number): Float32Array {
  const wasm = tf.backend() as unknown as WasmBackend;
  const out = wasm.makeOutput(shape, 'float32');
  if (marker !== undefined) (wasm.typedArrayFromHeap(out) as Float32Array).fill(marker);
  write(wasm, out);
  const written = Float32Array.from(wasm.typedArrayFromHeap(out) as Float32Array);
  wasm.disposeData(out.dataId);
  return written;
}

beforeAll(async () => {
  await initRuntime('wasm');
});

describe('WebAssembly SIMD training loops', () => {
  it('are available on the wasm backend', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(simdKernels(tf.backend() as unknown as HeapBackend)).not.toBeNull();
  });

  // Channel counts with and without a remainder of four lanes; strides, padding, dilation.
  const cases: { x: number[]; k: number; stride: number; pad: 'same' | 'valid'; dilation: number }[] = [
    { x: [2, 8, 7, 16], k: 3, stride: 1, pad: 'same', dilation: 1 },
    { x: [2, 9, 8, 7], k: 3, stride: 2, pad: 'same', dilation: 1 },
    { x: [1, 9, 9, 3], k: 5, stride: 2, pad: 'valid', dilation: 1 },
    { x: [3, 11, 10, 12], k: 3, stride: 1, pad: 'same', dilation: 2 },
    { x: [1, 6, 6, 1], k: 2, stride: 1, pad: 'same', dilation: 1 },
  ];
  for (const c of cases) {
    it(`depthwise gradients ${c.x.join('x')}, ${c.k}x${c.k}, stride ${c.stride} ${c.pad}, dilation ${c.dilation}`, () => {
      const filterShape = [c.k, c.k, c.x[3]!, 1];
      const x = tf.tensor(seededValues(size(c.x), 1, 20), c.x);
      const f = tf.tensor(seededValues(size(filterShape), 2, 3), filterShape);
      const y = tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation);
      const dy = tf.tensor(seededValues(y.size, 3, 1e3), y.shape);
      const attrs = { strides: [c.stride, c.stride], pad: c.pad, dilations: [c.dilation, c.dilation] };
      const input = (k: tf.KernelFunc) => run(k, { dy, filter: f }, { ...attrs, inputShape: c.x });
      const filter = (k: tf.KernelFunc) => run(k, { x, dy }, { ...attrs, filterShape });
      expect(bits(input(depthwiseBackpropInputWasm))).toEqual(bits(input(depthwiseBackpropInputJs)));
      expect(bits(filter(depthwiseBackpropFilterWasm))).toEqual(bits(filter(depthwiseBackpropFilterJs)));
      // The SIMD loop adds into a zeroed output: a nonzero sum shows it ran.
      expect(input(depthwiseBackpropInputWasm).some((v) => v !== 0)).toBe(true);
    });
  }

  it('ReLU6 gradient, edges (0, -0, 6, NaN, infinities) and a length not a multiple of four', () => {
    const xs = Float32Array.from([-3, -0, 0, 1e-30, 5.999999, 6, 6.000001, NaN, Infinity, -Infinity, ...seededValues(1001, 41, 20)]);
    const dys = seededValues(xs.length, 42, 10);
    dys[0] = -0;
    dys[3] = Infinity;
    dys[4] = -Infinity;
    const x = tf.tensor1d(xs);
    const dy = tf.tensor1d(dys);
    const ours = tf.engine().runKernel(RELU6_GRAD, { dy, x }) as tf.Tensor;
    expect(bits(ours.dataSync())).toEqual(bits(run(relu6GradJs, { dy, x }, {})));
  });

  it('sums over leading axes, with and without a remainder of four columns', () => {
    for (const [rows, cols] of [[300, 24], [97, 13], [5, 3], [1, 1]] as const) {
      const x = tf.tensor2d(seededValues(rows * cols, 51, 1e4).map((v, i) => (i % 7 === 0 ? v * 1e-6 : v)), [rows, cols]);
      const expected = new Float32Array(cols);
      addRowsJs(expected, x.dataSync() as Float32Array, rows, cols);
      expect(bits(tf.sum(x, 0).dataSync())).toEqual(bits(expected));
    }
  });

  for (const [x, k, stride, pad, dilation] of [
    [[2, 9, 8, 16], 3, 1, 'same', 1], [[2, 9, 8, 5], 3, 2, 'same', 1], [[1, 10, 10, 6], 4, 2, 'valid', 1], [[1, 11, 9, 8], 3, 1, 'same', 2],
  ] as const) {
    it(`col2im ${x.join('x')}, ${k}x${k}, stride ${stride} ${pad}, dilation ${dilation}`, () => {
      const info = tf.backend_util.computeConv2DInfo([...x] as [number, number, number, number], [k, k, x[3], 4], stride, dilation, pad, undefined, false, 'channelsLast');
      const rows = info.batchSize * info.outHeight * info.outWidth;
      const columns = tf.tensor2d(seededValues(rows * k * k * x[3], 61, 100), [rows, k * k * x[3]]);
      const ours = writtenOnHeap([...x], (wasm, out) => col2imSimd(wasm, { dataId: columns.dataId, shape: columns.shape, dtype: 'float32' }, out, info));
      const expected = new Float32Array(ours.length);
      col2im(columns.dataSync() as Float32Array, expected, info);
      expect(bits(ours)).toEqual(bits(expected));
      expect(ours.some((v) => v !== 0)).toBe(true);
    });
  }

  // Column counts below, at and past whole blocks of 16 (the rest in JavaScript), channel counts
  // with and without a remainder of four, padding, strides, dilation, non-square filters.
  for (const [x, kh, kw, stride, pad, dilation] of [
    [[2, 8, 8, 16], 3, 3, 1, 'same', 1], [[2, 9, 7, 5], 3, 3, 2, 'same', 1], [[1, 10, 11, 6], 4, 2, 2, 'valid', 1],
    [[3, 11, 9, 8], 3, 3, 1, 'same', 2], [[1, 3, 5, 1], 3, 3, 1, 'same', 1], [[2, 6, 6, 3], 1, 1, 1, 'valid', 1],
    [[1, 13, 13, 12], 5, 3, 3, 'same', 1], [[4, 4, 8, 7], 2, 3, 1, 'same', 1],
  ] as const) {
    it(`im2col transposed ${x.join('x')}, ${kh}x${kw}, stride ${stride} ${pad}, dilation ${dilation}`, () => {
      const info = tf.backend_util.computeConv2DInfo([...x] as [number, number, number, number], [kh, kw, x[3], 4], stride, dilation, pad, undefined, false, 'channelsLast');
      const values = seededValues(size([...x]), 71, 100);
      values[0] = -0;
      values[values.length - 1] = Number.NaN;
      const input = tf.tensor(values, [...x]);
      const n = info.batchSize * info.outHeight * info.outWidth;
      // Filled with a marker first: an entry the copy skips keeps it and differs from the reference.
      const ours = writtenOnHeap([1, kh * kw * x[3], n], (wasm, out) => im2colTransposedSimd(wasm, { dataId: input.dataId, shape: input.shape, dtype: 'float32' }, out, info), -12345);
      const expected = new Float32Array(ours.length);
      im2colTransposed(input.dataSync() as Float32Array, expected, info);
      expect(bits(ours)).toEqual(bits(expected));
      input.dispose();
    });
  }
});
