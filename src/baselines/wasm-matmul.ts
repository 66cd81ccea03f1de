/**
 * Matrix products on the wasm backend, fast whatever the transposition. tfjs-backend-wasm
 * 4.22's BatchMatMul is about 15 times slower with transposeA or transposeB than without
 * (measured here: a 480x2016 by 2016x96 product, 134 ms against 9 ms), and every gradient of
 * a matrix product or convolution asks for a transposed operand. So transposed operands are
 * first copied transposed (a few ms) and the plain kernel does the product.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';
import { simdKernels, TRANSPOSE_ROWS } from './simd-kernels.js';
import { overrideWasmKernel } from './wasm-kernel-override.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
export type WasmBackend = HeapBackend & { disposeData(id: tf.DataId): boolean };

/**
 * dst[b, c, r] = src[b, r, c] for `batches` row-major rows x cols matrices, tile by tile: a
 * tile of 16 rows by 64 columns is read once into cache and written one whole 16-float line of
 * dst at a time. Written column after column instead, the rows of dst are `rows` floats apart,
 * which for the power-of-two sizes of training batches (16,384 positions = 64 KB) all fall into
 * the same cache set and evict each other: U-Net's filter-gradient copies ran at a tenth of
 * memory speed. Only the order of the copies differs; the values are the same.
 */
export function transposeInto(src: Float32Array, dst: Float32Array, batches: number, rows: number, cols: number): void {
  for (let b = 0; b < batches; b++) transposeRect(src, dst, b * rows * cols, rows, cols, 0, rows, 0, cols);
}

/** transposeInto's loop for one matrix at `base`, over rows rowFrom..rowTo-1 and columns colFrom..colTo-1 only. */
function transposeRect(
  src: Float32Array, dst: Float32Array, base: number, rows: number, cols: number, rowFrom: number, rowTo: number, colFrom: number, colTo: number,
): void {
  for (let r0 = rowFrom; r0 < rowTo; r0 += TILE_ROWS) {
    const r1 = Math.min(rowTo, r0 + TILE_ROWS);
    for (let c0 = colFrom; c0 < colTo; c0 += TILE_COLS) {
      const c1 = Math.min(colTo, c0 + TILE_COLS);
      for (let c = c0; c < c1; c++) {
        const to = base + c * rows;
        for (let r = r0; r < r1; r++) dst[to + r] = src[base + r * cols + c];
      }
    }
  }
}

/** One 64-byte cache line of float32 along the written axis; 64 columns of reads per tile. */
export const TILE_ROWS = 16;
const TILE_COLS = 64;

let plainBatchMatMul: tf.KernelFunc | undefined;

/** The backend's own BatchMatMul without transposes: [B, M, K] x [B, K, N]. */
export function plainMatMul(a: tf.TensorInfo, b: tf.TensorInfo, backend: tf.KernelBackend): tf.TensorInfo {
  if (!plainBatchMatMul) throw new Error('wasm matmul: the original BatchMatMul kernel was not captured');
  return plainBatchMatMul({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
}

/**
 * A physically transposed copy of the last two axes of a [B, R, C] operand: whole tiles of 16
 * rows by 4 columns by the WebAssembly SIMD loop (simd-kernels.ts transposeBlocks; 0.07 against
 * 0.51 ms for [2016, 126], 0.70 against 1.1 ms for [16384, 32], measured against the JavaScript
 * loop), the remaining rows and columns by transposeInto's loop; all of it in JavaScript where
 * SIMD is not available. A copy either way.
 */
export function transposedCopy(t: tf.TensorInfo, backend: WasmBackend): tf.TensorInfo {
  const [batches, rows, cols] = t.shape as [number, number, number];
  const out = backend.makeOutput([batches, cols, rows], 'float32');
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  const [src, dst] = [backend.typedArrayFromHeap(t) as Float32Array, backend.typedArrayFromHeap(out) as Float32Array];
  const simd = simdKernels(backend);
  const [rowsEnd, colsEnd] = simd ? [rows - (rows % TRANSPOSE_ROWS), cols - (cols % 4)] : [0, 0];
  for (let b = 0; b < batches; b++) {
    const base = b * rows * cols;
    if (simd && rowsEnd > 0 && colsEnd > 0) simd.transposeBlocks(src.byteOffset + base * 4, dst.byteOffset + base * 4, rows, cols, rowsEnd, colsEnd);
    transposeRect(src, dst, base, rows, cols, rowsEnd, rows, 0, cols);
    transposeRect(src, dst, base, rows, cols, 0, rowsEnd, colsEnd, cols);
  }
  return out;
}

function batchMatMul({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const wasm = backend as unknown as WasmBackend;
  const as3d = (t: tf.TensorInfo): tf.TensorInfo => {
    const r = t.shape.length;
    const batches = t.shape.slice(0, r - 2).reduce((x, y) => x * y, 1);
    return { dataId: t.dataId, shape: [batches, t.shape[r - 2], t.shape[r - 1]], dtype: t.dtype };
  };
  // Only float32 and equal batch dimensions take the copy route; anything else keeps tfjs' path.
  const sameBatches = a.shape.slice(0, -2).join() === b.shape.slice(0, -2).join();
  if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32' || !sameBatches) {
    return plainBatchMatMul!({ inputs, backend, attrs }) as tf.TensorInfo;
  }
  const temps: tf.TensorInfo[] = [];
  const left = transposeA ? transposedCopy(as3d(a), wasm) : as3d(a);
  if (transposeA) temps.push(left);
  const right = transposeB ? transposedCopy(as3d(b), wasm) : as3d(b);
  if (transposeB) temps.push(right);
  try {
    const product = plainMatMul(left, right, backend as tf.KernelBackend);
    const outShape = [...a.shape.slice(0, -2), left.shape[1], right.shape[2]];
    return { dataId: product.dataId, shape: outShape, dtype: 'float32' };
  } finally {
    for (const t of temps) wasm.disposeData(t.dataId);
  }
}

/** Replaces the wasm BatchMatMul with the transposing one (keeping the original for plain products). */
export function installWasmMatMul(): void {
  plainBatchMatMul ??= overrideWasmKernel('BatchMatMul', () => batchMatMul);
}
