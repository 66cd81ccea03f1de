/**
 * Identity and same-type Cast on the wasm backend without copying. tfjs-core clones every
 * tensor a gradient needs (`saveTensorsForBackwardMode`: Identity) and casts float32 to
 * float32 in places (moments, the clone's own gradient); tfjs-backend-wasm copies the data for
 * each, where the cpu backend shares it by reference count. In a MobileNetV2 training step
 * that was 650 copies of activations (50 ms of 760). Tensors are immutable (a variable's
 * assign swaps its data, never writes it), so sharing is what the cpu backend does; the wasm
 * backend counts references for Reshape the same way.
 */
import * as tf from '@tensorflow/tfjs';
import { overrideWasmKernel } from './wasm-kernel-override.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type CountingBackend = { incRef(dataId: tf.DataId): void };

function share(x: tf.TensorInfo, backend: tf.KernelBackend): tf.TensorInfo {
  (backend as unknown as CountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Replaces the wasm Identity and Cast kernels (the originals stay for strings and real casts). */
export function installSharedIdentity(): void {
  overrideWasmKernel('Identity', (identity) => (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    return x.dtype === 'string' ? (identity(args) as tf.TensorInfo) : share(x, args.backend as tf.KernelBackend);
  });
  overrideWasmKernel('Cast', (cast) => (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
    return x.dtype === dtype && dtype !== 'string' ? share(x, args.backend as tf.KernelBackend) : (cast(args) as tf.TensorInfo);
  });
}
