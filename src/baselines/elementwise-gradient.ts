/**
 * The wasm side of a gradient that is one elementwise pass over dy and the saved x (dx has x's
 * shape): our kernel `name` runs simd-kernels.ts `simd(dx, dy, x, n)` on the tensors where they
 * lie in the heap. relu-gradient.ts and square-gradient.ts say which pass and why it gives
 * tfjs-core's formula's bits; where the kernel cannot run (another backend, no SIMD, other
 * dtypes) they keep that formula.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';
import { simdKernels, type SimdKernels } from './simd-kernels.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
/** The simd-kernels.ts passes of the form (dx, dy, x, n). */
export type ElementwiseGradPass = 'reluGrad' | 'squareGrad';

/** The wasm kernel `name`: dx = pass(dy, x) over every element (registered with the wasm extras). */
export function elementwiseGradWasmConfig(name: string, pass: ElementwiseGradPass): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const heap = args.backend as unknown as HeapBackend;
    const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
    const out = heap.makeOutput(x.shape, 'float32');
    // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
    const dx = heap.typedArrayFromHeap(out);
    (simdKernels(heap) as SimdKernels)[pass](dx.byteOffset, heap.typedArrayFromHeap(dy).byteOffset, heap.typedArrayFromHeap(x).byteOffset, dx.length);
    return out;
  };
  return { kernelName: name, backendName: 'wasm', kernelFunc };
}

/**
 * dx from kernel `name` when it can run here (float32 dy and x, the kernel and SIMD present), else
 * null. Not for one element: tfjs' wasm Multiply then takes its first operand as a broadcast
 * constant and multiplies in the other order (read back from the kernel: of two NaNs, the second
 * one's payload comes out), so the formula runs there.
 */
function runElementwiseGrad(name: string, dy: tf.Tensor, x: tf.Tensor): tf.Tensor | null {
  const fast = dy.dtype === 'float32' && x.dtype === 'float32' && x.size > 1 && tf.getKernel(name, tf.getBackend());
  if (fast && simdKernels(tf.backend() as unknown as HeapBackend)) return tf.engine().runKernel(name, { dy, x }) as tf.Tensor;
  return null;
}

/**
 * The gradient of tfjs' kernel `kernelName` (x saved): our pass `name` where it can run, else
 * tfjs-core's `formula`, which is also the tests' reference.
 */
export function elementwiseGradConfig(kernelName: string, name: string, formula: (dy: tf.Tensor, x: tf.Tensor) => tf.Tensor): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      return { x: () => runElementwiseGrad(name, dy as tf.Tensor, x!) ?? formula(dy as tf.Tensor, x!) };
    },
  };
}
