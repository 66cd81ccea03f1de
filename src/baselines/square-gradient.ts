/**
 * The Square gradient as one pass. tfjs-core 4.22 (gradients/Square_grad) computes
 *   dx = mul(dy, mul(cast(x, 'float32'), 2))
 * two full-size multiplies and a full-size temporary. Every batch norm in training squares its
 * centred input (tf.moments: square(x - mean)), and the mask nets' loss squares its error, so
 * this ran on every such activation each step.
 *
 * Here each element is dy * (x * 2): the same two float32 multiplies in the same operand order
 * (x first, then dy first: when both are NaN the first operand's payload is kept, as by tfjs'
 * kernels), so the same bits, tested against tfjs' formula. Other backends and dtypes keep it.
 */
import * as tf from '@tensorflow/tfjs';
import { elementwiseGradConfig, elementwiseGradWasmConfig } from './elementwise-gradient.js';

/** The gradient kernel's name (podium's own; no tfjs kernel has it). */
export const SQUARE_GRAD = 'PodiumSquareGrad';

/** dx = dy * (x * 2) four lanes at a time (simd-kernels.ts squareGrad). */
export const squareGradWasmConfig = elementwiseGradWasmConfig(SQUARE_GRAD, 'squareGrad');

/** tfjs-core's formula: the reference, and what runs where the kernel cannot. */
export function tfjsSquareGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.mul(dy, tf.mul(tf.cast(x, 'float32'), 2));
}

export const squareGradConfig = elementwiseGradConfig('Square', SQUARE_GRAD, tfjsSquareGrad);
