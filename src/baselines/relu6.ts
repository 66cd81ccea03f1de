/**
 * ReLU6 as one op forward and one backward. tfjs-layers' `relu6` activation computes
 * minimum(6, relu(x)): two ops forward and, backward, Greater, Cast and Multiply for the
 * minimum plus Step and Multiply for the relu, each over the whole activation (with a
 * broadcast scalar on wasm's slow path); in a MobileNetV2 training step on wasm they took
 * ~90 ms of 760. This class takes the `relu6` name in tfjs' serialization registry, so every
 * `activation: 'relu6'` layer uses it; layer configs, saved models and the ONNX export are
 * unchanged.
 *
 * Same numbers: forward clamp(x, 0, 6) is minimum(6, relu(x)); backward
 *   dx = dy * [0 < x < 6]
 * is the chain rule through those two ops (minimum's gradient passes where 6 > relu(x),
 * relu's where x > 0; tfjs-core, gradients/Minimum_grad and Relu_grad), multiplied by the
 * same 0/1 factors, so signed zeros and NaN come out as before.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';
import { simdKernels } from './simd-kernels.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The gradient kernel's name (podium's own; no tfjs kernel has it). */
export const RELU6_GRAD = 'PodiumRelu6Grad';

/** The gradient as a JavaScript loop: where WebAssembly SIMD is not available, and the tests' reference. */
export function relu6GradJs({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput(x.shape, 'float32');
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  const dx = heap.typedArrayFromHeap(out) as Float32Array;
  const g = heap.typedArrayFromHeap(dy) as Float32Array;
  const xv = heap.typedArrayFromHeap(x) as Float32Array;
  for (let i = 0; i < dx.length; i++) {
    const v = xv[i]!;
    dx[i] = g[i]! * (v > 0 && v < 6 ? 1 : 0);
  }
  return out;
}

/** The same product four lanes at a time (simd-kernels.ts relu6Grad). */
function relu6GradWasm(args: KernelArgs): tf.TensorInfo {
  const heap = args.backend as unknown as HeapBackend;
  const simd = simdKernels(heap);
  if (!simd) return relu6GradJs(args);
  const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const out = heap.makeOutput(x.shape, 'float32');
  const dx = heap.typedArrayFromHeap(out);
  simd.relu6Grad(dx.byteOffset, heap.typedArrayFromHeap(dy).byteOffset, heap.typedArrayFromHeap(x).byteOffset, dx.length);
  return out;
}

export const relu6GradWasmConfig: tf.KernelConfig = { kernelName: RELU6_GRAD, backendName: 'wasm', kernelFunc: relu6GradWasm };

function relu6Grad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (dy.dtype === 'float32' && x.dtype === 'float32' && tf.getKernel(RELU6_GRAD, tf.getBackend())) {
    return tf.engine().runKernel(RELU6_GRAD, { dy, x }) as tf.Tensor;
  }
  return tf.mul(dy, tf.cast(tf.logicalAnd(tf.greater(x, 0), tf.less(x, 6)), 'float32'));
}

const relu6Op = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return { value: tf.relu6(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => relu6Grad(dy, saved[0]!) };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

/** Stands in for tfjs-layers' Relu6 activation (same class name, so same configs). */
export class Relu6 extends tf.serialization.Serializable {
  static className = 'relu6';
  apply(x: tf.Tensor): tf.Tensor {
    return relu6Op(x);
  }
  getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}

let registered = false;
/** Puts this ReLU6 in place of tfjs-layers' for every layer built afterwards. */
export function registerRelu6(): void {
  if (registered) return;
  tf.serialization.SerializationMap.register(Relu6);
  registered = true;
}
