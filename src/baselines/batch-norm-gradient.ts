/**
 * tfjs-core's FusedBatchNorm gradient (tfjs 4.22, gradients/FusedBatchNorm_grad), rewritten to
 * reduce before multiplying. With g = dy, r = 1/sqrt(variance + eps), s = scale, xm = x - mean,
 * and per-channel sums over every axis but the last:
 *   dx = g * (r s)                       d offset = sum(g)
 *   d scale = r * sum(g xm)              d mean = -r s * sum(g)
 *   d variance = -1/2 r^3 s * sum(g xm)
 * tfjs computes the same with the per-channel factors multiplied into full-size tensors first
 * and the x-derivative through a `tile` to the activation's shape: nine full-size
 * elementwise ops and four reductions where three and two suffice. On the wasm backend those
 * were the most expensive ops of a MobileNetV2 training step. Registered once, for all
 * backends, through tfjs' public `registerGradient`; tested against the cpu backend.
 *
 * On wasm the two sums are one pass (simd-kernels.ts gradSums) instead of Sub, Multiply and two
 * Sums with two full-size temporaries: per channel, rows in order, sum(g) += g and sum(g xm) +=
 * g * (x - mean), the float32 operations and operand orders of those kernels (Sub: x - mean;
 * Multiply: g first; Sum: running sum first, from +0, rows 0, 1, ...: outer-axis-reductions.ts),
 * so the same bits (tested against them).
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';
import { simdKernels } from './simd-kernels.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The sums kernel's name (podium's own; no tfjs kernel has it). */
export const BATCH_NORM_GRAD_SUMS = 'PodiumBatchNormGradSums';

/** [sum(g), sum(g (x - mean))] per channel of the last axis, one pass over g and x. */
function gradSumsWasm({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const heap = backend as unknown as HeapBackend;
  const { dy, x, mean } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; mean: tf.TensorInfo };
  const cols = mean.shape[0]!;
  const sumG = heap.makeOutput([cols], 'float32');
  const sumGxm = heap.makeOutput([cols], 'float32');
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  const [g, gxm] = [heap.typedArrayFromHeap(sumG), heap.typedArrayFromHeap(sumGxm)];
  g.fill(0);
  gxm.fill(0);
  const at = (t: tf.TensorInfo) => heap.typedArrayFromHeap(t).byteOffset;
  simdKernels(heap)!.gradSums(g.byteOffset, gxm.byteOffset, at(dy), at(x), at(mean), tf.util.sizeFromShape(x.shape) / cols, cols);
  return [sumG, sumGxm];
}

export const batchNormGradSumsWasmConfig: tf.KernelConfig = { kernelName: BATCH_NORM_GRAD_SUMS, backendName: 'wasm', kernelFunc: gradSumsWasm };

/** The two sums as separate ops: the reference, and what runs where the kernel cannot. */
export function gradSumsByOps(g: tf.Tensor, x: tf.Tensor, mean: tf.Tensor, axes: number[]): [tf.Tensor, tf.Tensor] {
  return [tf.sum(g, axes), tf.sum(tf.mul(g, tf.sub(x, mean)), axes)];
}

/**
 * The kernel runs for float32 tensors on a backend that has it with SIMD, x of rank 2 or more
 * and more than one element (tfjs' Multiply takes a one-element first operand as a broadcast
 * constant and multiplies in the other order).
 */
function gradSums(g: tf.Tensor, x: tf.Tensor, mean: tf.Tensor, axes: number[]): [tf.Tensor, tf.Tensor] {
  const float = [g, x, mean].every((t) => t.dtype === 'float32');
  const fast = float && x.rank >= 2 && x.size > 1 && tf.getKernel(BATCH_NORM_GRAD_SUMS, tf.getBackend());
  if (fast && simdKernels(tf.backend() as unknown as HeapBackend)) {
    return tf.engine().runKernel(BATCH_NORM_GRAD_SUMS, { dy: g, x, mean }) as unknown as [tf.Tensor, tf.Tensor];
  }
  return gradSumsByOps(g, x, mean, axes);
}

export const batchNormGradConfig: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const g = dy as tf.Tensor;
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const [x, mean, variance, scale] = saved;
    const s = scale == null ? tf.scalar(1) : scale;
    // Per-channel statistics (rank 1) were broadcast over every axis but the last; otherwise
    // they have x's shape and nothing is reduced (as in tfjs-core).
    const perChannel = mean.rank === 1;
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const r = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const [sumG, sumGxm] = perChannel ? gradSums(g, x, mean, axes) : [g, tf.mul(g, tf.sub(x, mean))];
    return {
      x: () => tf.mul(g, tf.mul(r, s)),
      mean: () => tf.reshape(tf.neg(tf.mul(tf.mul(r, s), sumG)), mean.shape),
      variance: () => tf.reshape(tf.mul(tf.mul(tf.mul(tf.pow(r, 3), s), -0.5), sumGxm), mean.shape),
      scale: () => tf.reshape(tf.mul(r, sumGxm), mean.shape),
      offset: () => tf.reshape(sumG, mean.shape),
    };
  },
};
