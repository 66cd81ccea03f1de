/**
 * Adam with one kernel call per variable on the wasm backend. tfjs-core's AdamOptimizer
 * (optimizers/adam_optimizer.js) updates each variable with 14 small ops (mul, add, square,
 * div, sqrt, ...); a MobileNetV2 / SSDLite step has 100-150 variables, so ~1,500-2,000 kernel
 * calls a step whose engine bookkeeping alone costs more than their arithmetic. Here one kernel
 * computes, element by element, exactly what those ops compute in float32:
 *   m' = m*b1 + g*(1-b1)                 v' = v*b2 + g^2*(1-b2)
 *   w' = (m'/(1-b1^t)) / (sqrt(v'/(1-b2^t)) + eps) * -lr + w
 * every operation rounded to float32 in tfjs' order (Math.fround after each double-precision
 * +, *, / or sqrt of float32 values rounds exactly as float32 arithmetic does), with the
 * scalars as tfjs makes them (float32 tensors of the same JavaScript numbers). Tested bit for
 * bit against tfjs' AdamOptimizer. Other backends run tfjs' own update.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
const f = Math.fround;

export const ADAM_STEP = 'PodiumAdamStep';

interface AdamStepAttrs {
  b1: number; c1: number; b2: number; c2: number; d1: number; d2: number; eps: number; nlr: number;
}

function adamStepWasm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { value, m, v, g } = inputs as Record<'value' | 'm' | 'v' | 'g', tf.TensorInfo>;
  const { b1, c1, b2, c2, d1, d2, eps, nlr } = attrs as unknown as AdamStepAttrs;
  const heap = backend as unknown as HeapBackend;
  const outs = [heap.makeOutput(value.shape, 'float32'), heap.makeOutput(value.shape, 'float32'), heap.makeOutput(value.shape, 'float32')];
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  const [nw, nm, nv] = outs.map((o) => heap.typedArrayFromHeap(o) as Float32Array) as [Float32Array, Float32Array, Float32Array];
  const w = heap.typedArrayFromHeap(value) as Float32Array;
  const mv = heap.typedArrayFromHeap(m) as Float32Array;
  const vv = heap.typedArrayFromHeap(v) as Float32Array;
  const gv = heap.typedArrayFromHeap(g) as Float32Array;
  for (let i = 0; i < w.length; i++) {
    const gi = gv[i]!;
    const mi = f(f(mv[i]! * b1) + f(gi * c1));
    const vi = f(f(vv[i]! * b2) + f(f(gi * gi) * c2));
    nm[i] = mi;
    nv[i] = vi;
    const den = f(f(Math.sqrt(f(vi / d2))) + eps);
    nw[i] = f(f(f(f(mi / d1) / den) * nlr) + w[i]!);
  }
  return outs;
}

export const adamStepWasmConfig: tf.KernelConfig = { kernelName: ADAM_STEP, backendName: 'wasm', kernelFunc: adamStepWasm as unknown as tf.KernelFunc };

/** The fields of tfjs' AdamOptimizer this subclass reads (private in its typings). */
interface AdamFields {
  learningRate: number; beta1: number; beta2: number; epsilon: number;
  accBeta1: tf.Variable; accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (!tf.getKernel(ADAM_STEP, tf.getBackend())) return super.applyGradients(variableGradients);
    const s = this as unknown as AdamFields;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const accBeta1 = s.accBeta1.dataSync()[0]!;
    const accBeta2 = s.accBeta2.dataSync()[0]!;
    const attrs: AdamStepAttrs = {
      b1: f(s.beta1), c1: f(1 - s.beta1), b2: f(s.beta2), c2: f(1 - s.beta2),
      d1: f(1 - accBeta1), d2: f(1 - accBeta2), eps: f(s.epsilon), nlr: f(-s.learningRate),
    };
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]!;
        s.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        s.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
        if (gradient == null) return;
        const m = s.accumulatedFirstMoment[i]!.variable;
        const v = s.accumulatedSecondMoment[i]!.variable;
        if (value.dtype !== 'float32' || gradient.dtype !== 'float32') throw new Error(`Adam: ${name} is not float32`);
        const [w2, m2, v2] = tf.engine().runKernel(ADAM_STEP, { value, m, v, g: gradient }, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
        m.assign(m2!);
        v.assign(v2!);
        value.assign(w2!);
      });
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
    });
    s.incrementIterations();
  }
}

/** `tf.train.adam(learningRate)` with the fused update (same defaults: beta1 0.9, beta2 0.999, the backend's epsilon). */
export function adam(learningRate: number): tf.AdamOptimizer {
  return new FusedAdamOptimizer(learningRate, 0.9, 0.999);
}
