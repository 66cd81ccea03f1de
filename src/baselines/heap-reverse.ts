/**
 * Reverse on the wasm backend as block copies in the heap. tfjs-backend-wasm 4.22's Reverse
 * (Reverse.cc) works out each output element's source index one element at a time, allocating
 * and freeing index vectors as it goes; the permutation-invariant loss of the audio-only mask
 * net (separation/mask-net.ts: the targets with the two speakers swapped, `tf.reverse(targets,
 * 1)` on [16, 2, T, F]) spent ~14 % of its training step there.
 *
 * Here the axes after the last reversed one are whole runs of contiguous elements: each run is
 * copied once with `set` from its mirrored place. When the last axis itself is reversed, its
 * elements are copied one by one as 32-bit integers. Both are copies of bits (no float
 * conversion: -0 and NaN payloads, signalling ones included, stay), so the output is tfjs'
 * element for element. Only float32 and int32 are taken: tfjs' kernel moves 4-byte elements
 * (on a bool tensor it reads past the input), so other dtypes keep going to it.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';
import { fourByteElements, heapWords } from './heap-words.js';
import { overrideWasmKernel } from './wasm-kernel-override.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** out = x with the axes in `axes` reversed (both row-major of `shape`, as 32-bit words). */
export function reverseInto(x: Int32Array, out: Int32Array, shape: number[], axes: number[]): void {
  const rank = shape.length;
  const reversed = shape.map((_, i) => axes.includes(i));
  // Axes tail..rank-1 are not reversed: one contiguous run of `run` elements per index of the others.
  let tail = rank;
  while (tail > 0 && !reversed[tail - 1]) tail--;
  if (tail === 0 || shape.some((d) => d === 0)) {
    out.set(x);
    return;
  }
  const stride = new Array<number>(rank);
  stride[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) stride[i] = stride[i + 1]! * shape[i + 1]!;
  const run = tail === rank ? 1 : stride[tail - 1]!;
  const copy = (axis: number, from: number, to: number): void => {
    const n = shape[axis]!;
    if (axis === tail - 1 && run === 1) {
      for (let i = 0; i < n; i++) out[to + i] = x[from + n - 1 - i]!;
    } else if (axis === tail - 1) {
      for (let i = 0; i < n; i++) out.set(x.subarray(from + (n - 1 - i) * run, from + (n - i) * run), to + i * run);
    } else {
      const s = stride[axis]!;
      for (let i = 0; i < n; i++) copy(axis + 1, from + (reversed[axis] ? n - 1 - i : i) * s, to + i * s);
    }
  };
  copy(0, 0, 0);
}

function reverse(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { dims } = args.attrs as unknown as tf.ReverseAttrs;
  if (!fourByteElements(x.dtype) || x.shape.length === 0) return original(args) as tf.TensorInfo;
  const heap = args.backend as unknown as HeapBackend;
  const out = heap.makeOutput(x.shape, x.dtype);
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  reverseInto(heapWords(heap, x), heapWords(heap, out), x.shape, tf.util.parseAxisParam(dims, x.shape));
  return out;
}

/** Replaces the wasm Reverse kernel (keeping the original for rank 0 and dtypes other than float32, int32). */
export function installHeapReverse(): void {
  overrideWasmKernel('Reverse', (original) => (args) => reverse(args, original));
}
