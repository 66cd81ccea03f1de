/**
 * The ReLU gradient as one pass. tfjs-core 4.22 (gradients/Relu_grad) computes
 *   dx = mul(dy, cast(step(x), 'float32'))
 * two full-size kernels and a full-size temporary; in U-Net's training (a ReLU after every
 * convolution but the last) that Step and Multiply were ~2 % of a step.
 *
 * Here each element is dy * step(x) with step exactly as tfjs' wasm Step kernel gives it (read
 * back from that kernel: a NaN x is passed through with its bits, anything else is x > 0 ? 1 : 0;
 * a float32 step, so the Cast is the identity) and the one float32 multiply in tfjs' operand
 * order (dy first, so NaN payloads propagate as before): the same bits, tested against tfjs'
 * gradient. Other backends and dtypes keep tfjs' formula.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';
import { simdKernels } from './simd-kernels.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The gradient kernel's name (podium's own; no tfjs kernel has it). */
export const RELU_GRAD = 'PodiumReluGrad';

/** dx = dy * step(x) four lanes at a time (simd-kernels.ts reluGrad; run only where SIMD is bound). */
function reluGradWasm(args: KernelArgs): tf.TensorInfo {
  const heap = args.backend as unknown as HeapBackend;
  const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const out = heap.makeOutput(x.shape, 'float32');
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  const dx = heap.typedArrayFromHeap(out);
  simdKernels(heap)!.reluGrad(dx.byteOffset, heap.typedArrayFromHeap(dy).byteOffset, heap.typedArrayFromHeap(x).byteOffset, dx.length);
  return out;
}

export const reluGradWasmConfig: tf.KernelConfig = { kernelName: RELU_GRAD, backendName: 'wasm', kernelFunc: reluGradWasm };

/** tfjs-core's formula: the reference, and what runs where the kernel cannot. */
export function tfjsReluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.mul(dy, tf.cast(tf.step(x), 'float32'));
}

function reluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const fast = dy.dtype === 'float32' && x.dtype === 'float32' && tf.getKernel(RELU_GRAD, tf.getBackend());
  if (fast && simdKernels(tf.backend() as unknown as HeapBackend)) return tf.engine().runKernel(RELU_GRAD, { dy, x }) as tf.Tensor;
  return tfjsReluGrad(dy, x);
}

export const reluGradConfig: tf.GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => reluGrad(dy as tf.Tensor, x!) };
  },
};
