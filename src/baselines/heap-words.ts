/**
 * Tensors in the wasm heap as 32-bit words, for the kernels that only move elements
 * (heap-slice.ts, heap-reverse.ts, heap-space-to-batch.ts): a copy of words is a copy of bits, so
 * -0 and NaN payloads (signalling ones included) come out as they went in. Only 4-byte elements.
 */
import type * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';

/** Whether a tensor's elements are 4 bytes (float32, int32): those the word copies take. */
export const fourByteElements = (dtype: tf.DataType) => dtype === 'float32' || dtype === 'int32';

/** The tensor's elements, where they lie in the heap, as 32-bit words. */
export function heapWords(backend: HeapBackend, t: tf.TensorInfo): Int32Array {
  const v = backend.typedArrayFromHeap(t);
  return new Int32Array(v.buffer, v.byteOffset, v.length);
}
