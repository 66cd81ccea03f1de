/**
 * The TensorFlow.js runtime the baselines run on, chosen once per process:
 * `@tensorflow/tfjs-node` (native TensorFlow) when it is installed — an optional dependency,
 * loaded with a guarded dynamic import — else `@tensorflow/tfjs` on the wasm backend
 * (XNNPACK), else the pure-JS cpu backend. tfjs falls back silently when a backend fails to
 * start, so the backend actually in use is read back with `tf.getBackend()` and recorded with
 * every figure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterWasmConfig } from './conv2d-filter-gradient.js';
import { conv2dBackpropInputWasmConfig } from './conv2d-input-gradient.js';
import { installWasmMatMul } from './wasm-matmul.js';
import { batchNormGradConfig, batchNormGradSumsWasmConfig } from './batch-norm-gradient.js';
import { installBatchNormForward } from './batch-norm-forward.js';
import { depthwiseBackpropFilterWasmConfig, depthwiseBackpropInputWasmConfig } from './depthwise-conv2d-gradients.js';
import { installOuterAxisReductions } from './outer-axis-reductions.js';
import { registerRelu6, relu6GradWasmConfig } from './relu6.js';
import { installSharedIdentity } from './shared-identity.js';
import { installHeapSlice } from './heap-slice.js';
import { installHeapTile } from './heap-tile.js';
import { installHeapReverse } from './heap-reverse.js';
import { installHeapSpaceToBatch } from './heap-space-to-batch.js';
import { installRowBroadcast } from './row-broadcast.js';
import { registerMeanGradient } from './mean-gradient.js';
import { reluGradConfig, reluGradWasmConfig } from './relu-gradient.js';
import { squareGradConfig, squareGradWasmConfig } from './square-gradient.js';
import { installUpsampleGradient } from './upsample-gradient.js';
import { installMaxPoolGradient } from './max-pool-gradient.js';
import { adamStepWasmConfig } from './fused-adam.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface RuntimeInfo {
  /** The backend tfjs reports after initialisation (what really ran). */
  backend: string;
  /** e.g. "wasm (simd, 1 thread)" or "tensorflow (tfjs-node)". */
  detail: string;
  tfjsVersion: string;
}

let current: RuntimeInfo | undefined;

/**
 * Initialises tfjs once. `prefer` forces a backend (tests compare wasm against cpu);
 * otherwise PODIUM_TF_BACKEND, then tfjs-node, wasm, cpu in that order.
 */
export async function initRuntime(prefer?: BackendName): Promise<RuntimeInfo> {
  const wanted = prefer ?? (process.env.PODIUM_TF_BACKEND as BackendName | undefined);
  if (current && (!wanted || current.backend === wanted)) return current;
  tf.env().set('PROD', true); // no NaN checks or debug copies
  registerGradients();

  const order: BackendName[] = wanted ? [wanted] : ['tensorflow', 'wasm', 'cpu'];
  for (const name of order) {
    if (name === 'tensorflow' && !(await loadTfjsNode())) continue;
    if (name === 'wasm') registerWasmExtras();
    try {
      if (!(await tf.setBackend(name))) continue;
      await tf.ready();
    } catch {
      continue;
    }
    const actual = tf.getBackend();
    if (actual !== name) continue; // tfjs fell back on its own; try the next one explicitly
    if (actual === 'wasm') installWasmKernels();
    current = { backend: actual, detail: await describe(actual), tfjsVersion: tf.version.tfjs };
    return current;
  }
  throw new Error(`no TensorFlow.js backend could start (tried ${order.join(', ')})`);
}

/** tfjs-node registers the "tensorflow" backend on import; absent here, so failure is normal. */
async function loadTfjsNode(): Promise<boolean> {
  if (tf.findBackend('tensorflow')) return true;
  try {
    const name = '@tensorflow/tfjs-node';
    await import(name);
    return tf.findBackend('tensorflow') !== null;
  } catch {
    return false;
  }
}

let wasmReady = false;

/**
 * Kernels replaced once the wasm backend runs (their originals are captured first): matrix
 * products with transposed operands, the Conv2D input gradient, sums and means over leading
 * axes, Identity / same-type Cast, Slice / SplitV, Tile, Reverse, SpaceToBatchND / BatchToSpaceND,
 * arithmetic with a per-channel row, the upsampling and max-pooling gradients, the forward batch
 * norm (wasm-matmul.ts, conv2d-input-gradient.ts, outer-axis-reductions.ts, shared-identity.ts,
 * heap-slice.ts, heap-tile.ts, heap-reverse.ts, heap-space-to-batch.ts, row-broadcast.ts,
 * upsample-gradient.ts, max-pool-gradient.ts, batch-norm-forward.ts say why).
 */
let wasmKernelsInstalled = false;
function installWasmKernels(): void {
  if (wasmKernelsInstalled) return;
  installWasmMatMul();
  tf.unregisterKernel(conv2dBackpropInputWasmConfig.kernelName, 'wasm');
  tf.registerKernel(conv2dBackpropInputWasmConfig);
  installOuterAxisReductions();
  installSharedIdentity();
  installHeapSlice();
  installHeapTile();
  installHeapReverse();
  installHeapSpaceToBatch();
  installRowBroadcast();
  installUpsampleGradient();
  installMaxPoolGradient();
  installBatchNormForward();
  wasmKernelsInstalled = true;
}

/** Wasm binaries from the package's dist folder; the training kernels tfjs leaves out. */
function registerWasmExtras(): void {
  if (wasmReady) return;
  const require = createRequire(import.meta.url);
  const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
  if (!fs.existsSync(path.join(dist, 'tfjs-backend-wasm.wasm'))) throw new Error(`tfjs wasm binaries missing in ${dist}`);
  setWasmPaths(dist);
  for (const config of [conv2dBackpropFilterWasmConfig, depthwiseBackpropInputWasmConfig, depthwiseBackpropFilterWasmConfig, relu6GradWasmConfig, reluGradWasmConfig, squareGradWasmConfig, batchNormGradSumsWasmConfig, adamStepWasmConfig]) {
    if (!tf.getKernel(config.kernelName, 'wasm')) tf.registerKernel(config);
  }
  wasmReady = true;
}

let gradientsReady = false;

/**
 * Same-numbers, faster gradients (batch-norm-gradient.ts, mean-gradient.ts, relu-gradient.ts,
 * square-gradient.ts, relu6.ts); registered for every backend.
 */
function registerGradients(): void {
  if (gradientsReady) return;
  registerRelu6();
  const quiet = console.warn;
  console.warn = () => {}; // tfjs warns that it overrides its own gradient: intended
  try {
    tf.registerGradient(batchNormGradConfig);
    registerMeanGradient();
    tf.registerGradient(reluGradConfig);
    tf.registerGradient(squareGradConfig);
  } finally {
    console.warn = quiet;
  }
  gradientsReady = true;
}

async function describe(backend: string): Promise<string> {
  if (backend === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    return `wasm (${simd ? 'simd' : 'no simd'}, ${threads ? 'threads' : '1 thread'})`;
  }
  if (backend === 'tensorflow') return 'tensorflow (tfjs-node)';
  return 'cpu (pure JavaScript)';
}

export { tf };
