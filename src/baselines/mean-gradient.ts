/**
 * The Mean gradient without a tensor of ones. tfjs-core 4.22 (gradients/Mean_grad) computes
 *   dx = div(mul(reshape(dy, kept), ones(x.shape)), n)
 * with `kept` x's shape with the reduced axes set to 1 and n the number of elements reduced:
 * a full-size array of ones made in JavaScript, copied into the backend, and two full-size
 * broadcast operations. Batch normalisation in training (tfjs-layers' moments) takes two
 * means of every activation, so in SSDLite's training this was ~15 % of a step.
 *
 * Here: dx = broadcastTo(div(reshape(dy, kept), n), x.shape). Same numbers: dy * 1 is dy
 * exactly (IEEE 754 multiplication by one, -0 and infinities included), so each element of
 * tfjs' result is the float32 quotient dy[k] / n of its kept position k; dividing the small
 * tensor once and copying the quotients (heap-tile.ts on wasm) gives the same quotients. Tested
 * bit for bit against tfjs' own gradient, on the wasm and cpu backends.
 */
import * as tf from '@tensorflow/tfjs';

let tfjsGradient: tf.GradConfig | undefined;

export const meanGradConfig: tf.GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { axis } = attrs as unknown as { axis: number | number[] };
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const reduced = tf.backend_util.computeOutAndReduceShapes(x.shape, axes)[1];
    const n = tf.util.sizeFromShape(reduced);
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return { x: () => tf.broadcastTo(tf.div(tf.reshape(dy as tf.Tensor, kept), n), x.shape) };
  },
};

/** Registers meanGradConfig for every backend, keeping tfjs' own (tfjsMeanGradient). */
export function registerMeanGradient(): void {
  if (tfjsGradient) return;
  tfjsGradient = tf.getGradient('Mean');
  tf.registerGradient(meanGradConfig);
}

/** tfjs-core's Mean gradient as it was before registerMeanGradient (the tests' reference). */
export function tfjsMeanGradient(): tf.GradConfig {
  if (!tfjsGradient) throw new Error("Mean: tfjs' gradient was not replaced, so not captured");
  return tfjsGradient;
}
