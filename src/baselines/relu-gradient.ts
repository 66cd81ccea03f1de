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
import { elementwiseGradConfig, elementwiseGradWasmConfig } from './elementwise-gradient.js';

/** The gradient kernel's name (podium's own; no tfjs kernel has it). */
export const RELU_GRAD = 'PodiumReluGrad';

/** dx = dy * step(x) four lanes at a time (simd-kernels.ts reluGrad). */
export const reluGradWasmConfig = elementwiseGradWasmConfig(RELU_GRAD, 'reluGrad');

/** tfjs-core's formula: the reference, and what runs where the kernel cannot. */
export function tfjsReluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.mul(dy, tf.cast(tf.step(x), 'float32'));
}

export const reluGradConfig = elementwiseGradConfig('Relu', RELU_GRAD, tfjsReluGrad);
