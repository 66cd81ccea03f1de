/**
 * FusedBatchNorm (the forward batch normalisation) on the wasm backend with the channels in SIMD
 * lanes. tfjs' kernel (tfjs-backend-wasm 4.22, cc/kernels/FusedBatchNorm.cc) is a scalar loop
 * with four wrapping parameter indices; it took ~10 % of a MobileNetV2, SSDLite or DeepLab-v3+
 * training step. As compiled (read from its binary: the factors are kept as doubles, so the
 * division and the sum are double), it computes
 *   factor[c] = f32 sqrt(f32(variance[c] + epsilon))          (epsilon passed as a float32)
 *   out[i]    = f32(f64(offset[c]) + f64(f32(f32(x[i] - mean[c]) * scale[c])) / f64(factor[c]))
 * Here the factors are computed once per channel in JavaScript (a double sum or square root of
 * float32 operands, rounded to float32, is the float32 result: 53 >= 2 * 24 + 2 bits), and the
 * element loop runs as simd-kernels.ts batchNorm with the same operations in the same
 * precisions, so the output is bit for bit tfjs' (tested against it). Only the layers' case is
 * taken: float32 x whose last axis has the four parameters' length, scale and offset given;
 * anything else goes to tfjs' kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { simdKernels } from './simd-kernels.js';
import type { WasmBackend } from './wasm-matmul.js';
import { overrideWasmKernel } from './wasm-kernel-override.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

function batchNormForward(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const channels = x?.shape[x.shape.length - 1];
  const perChannel = (t: tf.TensorInfo | undefined) => t !== undefined && t.dtype === 'float32' && tf.util.sizeFromShape(t.shape) === channels;
  const heap = args.backend as unknown as WasmBackend;
  const simd = simdKernels(heap);
  if (!simd || !x || x.dtype !== 'float32' || !channels || ![mean, variance, offset, scale].every(perChannel)) {
    return original(args) as tf.TensorInfo;
  }
  const epsilon = Math.fround((args.attrs as unknown as tf.FusedBatchNormAttrs).varianceEpsilon);
  const out = heap.makeOutput(x.shape, 'float32');
  const factors = heap.makeOutput([channels], 'float32');
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  const factor = heap.typedArrayFromHeap(factors) as Float32Array;
  const v = heap.typedArrayFromHeap(variance!) as Float32Array;
  for (let c = 0; c < channels; c++) factor[c] = Math.sqrt(Math.fround(v[c]! + epsilon));
  const y = heap.typedArrayFromHeap(out);
  simd.batchNorm(
    y.byteOffset, heap.typedArrayFromHeap(x).byteOffset, heap.typedArrayFromHeap(mean!).byteOffset, heap.typedArrayFromHeap(scale!).byteOffset,
    heap.typedArrayFromHeap(offset!).byteOffset, factor.byteOffset, y.length / channels, channels,
  );
  heap.disposeData(factors.dataId);
  return out;
}

/** Replaces the wasm FusedBatchNorm kernel, keeping tfjs' for every other case. */
export function installBatchNormForward(): void {
  overrideWasmKernel('FusedBatchNorm', (original) => (args) => batchNormForward(args, original));
}
