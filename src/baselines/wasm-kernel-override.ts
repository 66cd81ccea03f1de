/**
 * Puts our kernel in place of one of tfjs' wasm kernels. The replacement handles the cases it
 * was written for and hands every other to tfjs' own kernel, so it keeps that kernel's setup and
 * dispose (they prepare tfjs' C++ function the fallback calls).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Registers `replacement(original)` as the wasm kernel `name` and returns the original kernel
 * function (the fallback, and the tests' reference).
 */
export function overrideWasmKernel(name: string, replacement: (original: tf.KernelFunc) => tf.KernelFunc): tf.KernelFunc {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm backend has no ${name} kernel`);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...kernel, kernelFunc: replacement(kernel.kernelFunc) });
  return kernel.kernelFunc;
}
