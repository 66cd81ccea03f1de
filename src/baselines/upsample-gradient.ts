/**
 * The gradient of a nearest-neighbour upsampling by two (tfjs-layers' UpSampling2D, U-Net's
 * decoder) on the wasm backend. tfjs-backend-wasm 4.22's ResizeNearestNeighborGrad
 * (ResizeNearestNeighborGrad.cc) is the general loop: for every input element it scans a 6 x 6
 * window of dy and recomputes, per candidate, which input pixel it came from, to add the four
 * that did; in U-Net's training step it took as long as a whole convolution's im2col.
 *
 * For dy exactly twice the input's height and width (align_corners false), height_scale =
 * width_scale = 0.5 exactly, so the pixels it finds for input (r, c) are dy rows 2r, 2r+1 and
 * columns 2c, 2c+1, visited row by row; its float32 accumulator starts at 0:
 *   dx[b, r, c, d] = (((0 + dy[2r, 2c]) + dy[2r, 2c+1]) + dy[2r+1, 2c]) + dy[2r+1, 2c+1]
 * Here the same four float32 additions in the same order (a double sum of two float32 values
 * rounded to float32 equals their float32 sum; the first addition, 0 + v, is exact in both and
 * turns -0 into +0 as the C++ loop does). Any other size goes to tfjs' kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';
import { overrideWasmKernel } from './wasm-kernel-override.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
const f = Math.fround;

/** dx [rows, width, channels] from dy [2 rows, 2 width, channels] (rows = batch x height: 2r + 1 stays in the same image). */
export function upsampleByTwoGradient(dy: Float32Array, dx: Float32Array, rows: number, width: number, channels: number): void {
  const dyRow = 2 * width * channels;
  for (let r = 0, o = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) {
      const top = 2 * r * dyRow + 2 * c * channels;
      const bottom = top + dyRow;
      for (let d = 0; d < channels; d++, o++) {
        dx[o] = f(f(f(0 + dy[top + d]!) + dy[top + channels + d]!) + dy[bottom + d]!) + dy[bottom + channels + d]!;
      }
    }
  }
}

function resizeNearestNeighborGrad(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const { images, dy } = args.inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const { alignCorners } = args.attrs as unknown as tf.ResizeNearestNeighborGradAttrs;
  const [batch, height, width, channels] = images.shape as [number, number, number, number];
  const byTwo = dy.shape[0] === batch && dy.shape[1] === 2 * height && dy.shape[2] === 2 * width && dy.shape[3] === channels;
  if (!byTwo || alignCorners || images.dtype !== 'float32' || dy.dtype !== 'float32') return original(args) as tf.TensorInfo;
  const heap = args.backend as unknown as HeapBackend;
  const out = heap.makeOutput(images.shape, 'float32');
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  upsampleByTwoGradient(heap.typedArrayFromHeap(dy) as Float32Array, heap.typedArrayFromHeap(out) as Float32Array, batch * height, width, channels);
  return out;
}

/** Replaces the wasm ResizeNearestNeighborGrad kernel (keeping the original for the other cases). */
export function installUpsampleGradient(): void {
  overrideWasmKernel('ResizeNearestNeighborGrad', (original) => (args) => resizeNearestNeighborGrad(args, original));
}
