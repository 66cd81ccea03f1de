/**
 * Puts our kernel in place of one of tfjs' wasm kernels. The replacement handles the cases it
 * was written for and hands every other to tfjs' own kernel, so it keeps that kernel's setup and
 * dispose (they prepare tfjs' C++ function the fallback calls).
 */
import * as tf from '@tensorflow/tfjs';

const originals = new Map<string, tf.KernelFunc>();

/**
 * Registers `replacement(original)` as the wasm kernel `name`, once (a second call would wrap
 * our own kernel), and returns tfjs' original kernel function.
 */
export function overrideWasmKernel(name: string, replacement: (original: tf.KernelFunc) => tf.KernelFunc): tf.KernelFunc {
  const known = originals.get(name);
  if (known) return known;
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm backend has no ${name} kernel`);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...kernel, kernelFunc: replacement(kernel.kernelFunc) });
  originals.set(name, kernel.kernelFunc);
  return kernel.kernelFunc;
}

/** tfjs' own wasm kernel `name` as it was before `overrideWasmKernel` (the tests' reference). */
export function originalWasmKernel(name: string): tf.KernelFunc {
  const original = originals.get(name);
  if (!original) throw new Error(`${name}: tfjs' wasm kernel was not replaced, so not captured`);
  return original;
}
