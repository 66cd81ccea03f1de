/**
 * Slice and SplitV on the wasm backend, reading the input where it lies in the heap.
 * tfjs-backend-wasm 4.22's Slice (kernels/Slice.ts, which SplitV calls once per part) first
 * copies the whole input out of the heap (`backend.readSync`) and then copies the slice out of
 * that copy one innermost row at a time. The gradient of a channel concatenation (U-Net's skip
 * connections: `tf.concat` backward is SplitV along the last axis) thus copied a [16, 32, 32, 32]
 * activation twice in full to hand back 16 channels of each pixel; in U-Net's training that
 * was ~10 % of a step.
 *
 * Here, when the slice cuts one axis only (every other axis whole), it is `outer` runs of
 * `run` elements, `stride` apart: copied straight from the heap as 32-bit words (a copy of bits:
 * no float conversion, so NaN payloads and -0 are kept). Other slices, strings, and element
 * sizes other than 4 bytes go to tfjs' kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';
import { fourByteElements, heapWords } from './heap-words.js';
import { overrideWasmKernel } from './wasm-kernel-override.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The runs of a slice that cuts one axis: `outer` runs of `run` elements, `stride` apart, from `first`. */
export interface SliceRuns {
  outer: number;
  run: number;
  stride: number;
  first: number;
}

/** The slice of `shape` at `begin` of `size` as runs, or null when it cuts more than one axis. */
export function sliceRuns(shape: number[], begin: number[], size: number[]): SliceRuns | null {
  if (shape.length === 0) return null;
  const cut = shape.map((d, i) => size[i] !== d).reduce((n, c) => n + (c ? 1 : 0), 0);
  if (cut > 1) return null;
  const axis = cut === 0 ? 0 : shape.findIndex((d, i) => size[i] !== d);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return {
    outer: shape.slice(0, axis).reduce((a, b) => a * b, 1),
    run: size[axis]! * inner,
    stride: shape[axis]! * inner,
    first: begin[axis]! * inner,
  };
}

/** out[o * run + i] = x[first + o * stride + i]: the runs copied as 32-bit words. */
export function copyRuns(x: Int32Array, out: Int32Array, { outer, run, stride, first }: SliceRuns): void {
  for (let o = 0, to = 0, from = first; o < outer; o++, from += stride) {
    for (let i = 0; i < run; i++, to++) out[to] = x[from + i]!;
  }
}

/** One slice from the heap, or null when tfjs' kernel must do it. */
function sliceFromHeap(backend: HeapBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo | null {
  const runs = fourByteElements(x.dtype) ? sliceRuns(x.shape, begin, size) : null;
  if (!runs) return null;
  const out = backend.makeOutput(size, x.dtype);
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  copyRuns(heapWords(backend, x), heapWords(backend, out), runs);
  return out;
}

function slice(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
  const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, size);
  return sliceFromHeap(args.backend as unknown as HeapBackend, x, begin_, size_) ?? (original(args) as tf.TensorInfo);
}

function splitV(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
  if (!fourByteElements(x.dtype)) return original(args) as tf.TensorInfo[];
  const a = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.TensorInfo as tf.Tensor, numOrSizeSplits, a);
  const begin = x.shape.map(() => 0);
  return sizes.map((s) => {
    const size = x.shape.map((d, i) => (i === a ? s : d));
    const part = sliceFromHeap(args.backend as unknown as HeapBackend, x, begin, size)!;
    begin[a] += s;
    return part;
  });
}

/** Replaces the wasm Slice and SplitV kernels (keeping the originals for the other cases). */
export function installHeapSlice(): void {
  for (const [name, kernel] of [['Slice', slice], ['SplitV', splitV]] as const) {
    overrideWasmKernel(name, (original) => (args) => kernel(args, original));
  }
}
