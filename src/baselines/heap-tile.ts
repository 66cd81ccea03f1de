/**
 * Tile on the wasm backend as block copies in the heap. tfjs-backend-wasm 4.22's Tile (Tile.cc)
 * works out each output element's source index one element at a time; `tf.broadcastTo` runs it,
 * so broadcasting a per-channel [1, 1, 1, C] row over a [N, H, W, C] activation cost far more
 * than the multiplication by a tensor of ones it could replace (the Mean gradient,
 * mean-gradient.ts).
 *
 * Here each innermost row of the input is copied once into place, then every axis' finished
 * block is repeated `reps[axis]` times by `copyWithin`, doubling the copied length each time.
 * Both copies move bytes (a same-type TypedArray copy keeps the bit pattern: -0 and NaN payloads
 * stay), so the output is tfjs' element for element. Strings and complex numbers go to tfjs'
 * kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';
import { overrideWasmKernel } from './wasm-kernel-override.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type HeapArray = Float32Array | Int32Array | Uint8Array;

/** out = x tiled `reps` times along each axis (out's shape is x's times reps, both row-major). */
export function tileInto(x: HeapArray, out: HeapArray, shape: number[], reps: number[]): void {
  const rank = shape.length;
  if (rank === 0) {
    out.set(x);
    return;
  }
  const outShape = shape.map((d, i) => d * reps[i]!);
  if (outShape.some((d) => d === 0)) return;
  const xStride = new Array<number>(rank);
  const outStride = new Array<number>(rank);
  xStride[rank - 1] = outStride[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) {
    xStride[i] = xStride[i + 1]! * shape[i + 1]!;
    outStride[i] = outStride[i + 1]! * outShape[i + 1]!;
  }
  // Writes out's block outShape[axis..] at `to` from x's block shape[axis..] at `from`.
  const block = (axis: number, from: number, to: number): void => {
    if (axis === rank - 1) out.set(x.subarray(from, from + shape[axis]!), to);
    else for (let i = 0; i < shape[axis]!; i++) block(axis + 1, from + i * xStride[axis]!, to + i * outStride[axis]!);
    repeat(out, to, shape[axis]! * outStride[axis]!, reps[axis]!);
  };
  block(0, 0, 0);
}

/** Repeats out[at, at + length) `times` times in a row (the first copy is already there). */
function repeat(out: HeapArray, at: number, length: number, times: number): void {
  const total = length * times;
  for (let done = length; done < total; ) {
    const n = Math.min(done, total - done);
    out.copyWithin(at + done, at, at + n);
    done += n;
  }
}

function tile(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { reps } = args.attrs as unknown as tf.TileAttrs;
  if (x.dtype === 'string' || x.dtype === 'complex64') return original(args) as tf.TensorInfo;
  const heap = args.backend as unknown as HeapBackend;
  const out = heap.makeOutput(x.shape.map((d, i) => d * reps[i]!), x.dtype);
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  tileInto(heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(out), x.shape, reps);
  return out;
}

/** Replaces the wasm Tile kernel (keeping the original for strings and complex numbers). */
export function installHeapTile(): void {
  overrideWasmKernel('Tile', (original) => (args) => tile(args, original));
}
