/**
 * Matrix products on the wasm backend, fast whatever the transposition. tfjs-backend-wasm
 * 4.22's BatchMatMul is about 15 times slower with transposeA or transposeB than without
 * (measured here: a 480x2016 by 2016x96 product, 134 ms against 9 ms), and every gradient of
 * a matrix product or convolution asks for a transposed operand. So transposed operands are
 * first copied transposed (a few ms) and the plain kernel does the product.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
export type WasmBackend = HeapBackend & { disposeData(id: tf.DataId): boolean };

/** dst[b, c, r] = src[b, r, c] for `batches` row-major rows x cols matrices. */
export function transposeInto(src: Float32Array, dst: Float32Array, batches: number, rows: number, cols: number): void {
  const size = rows * cols;
  for (let b = 0; b < batches; b++) {
    const base = b * size;
    for (let r = 0; r < rows; r++) {
      const from = base + r * cols;
      for (let c = 0; c < cols; c++) dst[base + c * rows + r] = src[from + c];
    }
  }
}

let plainBatchMatMul: tf.KernelFunc | undefined;

/** The backend's own BatchMatMul without transposes: [B, M, K] x [B, K, N]. */
export function plainMatMul(a: tf.TensorInfo, b: tf.TensorInfo, backend: tf.KernelBackend): tf.TensorInfo {
  if (!plainBatchMatMul) throw new Error('wasm matmul: the original BatchMatMul kernel was not captured');
  return plainBatchMatMul({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
}

/** A physically transposed copy of the last two axes of a [B, R, C] operand. */
export function transposedCopy(t: tf.TensorInfo, backend: WasmBackend): tf.TensorInfo {
  const [batches, rows, cols] = t.shape;
  const out = backend.makeOutput([batches, cols, rows], 'float32');
  transposeInto(backend.typedArrayFromHeap(t) as Float32Array, backend.typedArrayFromHeap(out) as Float32Array, batches, rows, cols);
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
  if (plainBatchMatMul) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (!original) throw new Error('wasm backend has no BatchMatMul kernel');
  plainBatchMatMul = original.kernelFunc;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: batchMatMul, setupFunc: original.setupFunc, disposeFunc: original.disposeFunc });
}
