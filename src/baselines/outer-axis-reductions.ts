/**
 * Sum and Mean over leading axes on the wasm backend. tfjs-backend-wasm reduces only innermost
 * axes, so for a per-channel reduction of an NHWC activation (batch norm's moments and every
 * bias or scale gradient: axes 0, 1, 2) it first transposes the whole tensor to channels-first
 * and then sums each row. Here the rows of the [R, C] matrix are added into C running sums,
 * reading memory in order, without the copy.
 *
 * Same numbers: each channel's sum is accumulated in float32 over rows 0, 1, ..., R-1, the
 * order in which the wasm kernel sums the transposed row (Sum.cc / Mean.cc: `sum += *x` over
 * the row, then `sum / reduce_size` for the mean); a JavaScript float32 store after each
 * double-precision addition or division rounds exactly as float32 arithmetic does. Tested
 * bit for bit against the wasm kernels they replace. The row additions run as WebAssembly SIMD
 * (simd-kernels.ts addRows: float32 lanes, the same additions in the same order).
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';
import { simdKernels } from './simd-kernels.js';
import { overrideWasmKernel } from './wasm-kernel-override.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The number of leading axes reduced when `axis` is exactly 0..k-1 with k < rank; else 0. */
export function leadingAxes(axis: number | number[], rank: number): number {
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= rank) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

function reduceLeading(args: KernelArgs, original: tf.KernelFunc, mean: boolean): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const k = x.dtype === 'float32' ? leadingAxes(axis, x.shape.length) : 0;
  if (k === 0) return original(args) as tf.TensorInfo;
  const rows = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
  const kept = x.shape.slice(k);
  const cols = kept.reduce((a, b) => a * b, 1);
  const heap = args.backend as unknown as HeapBackend;
  const out = heap.makeOutput(keepDims ? [...x.shape.slice(0, k).map(() => 1), ...kept] : kept, 'float32');
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  const sums = heap.typedArrayFromHeap(out) as Float32Array;
  const xv = heap.typedArrayFromHeap(x) as Float32Array;
  sums.fill(0);
  const simd = simdKernels(heap);
  if (simd) simd.addRows(sums.byteOffset, xv.byteOffset, rows, cols);
  else addRowsJs(sums, xv, rows, cols);
  if (mean) for (let c = 0; c < cols; c++) sums[c] /= rows;
  return out;
}

/** sums[c] += x[r * cols + c] for r = 0, 1, ...: the reference of simd-kernels.ts addRows, and its fallback. */
export function addRowsJs(sums: Float32Array, xv: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) sums[c] += xv[base + c]!;
  }
}

/** Replaces the wasm Sum and Mean kernels (keeping the originals for every other case). */
export function installOuterAxisReductions(): void {
  for (const [name, mean] of [['Sum', false], ['Mean', true]] as const) {
    overrideWasmKernel(name, (original) => (args) => reduceLeading(args, original, mean));
  }
}
