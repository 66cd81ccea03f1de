/**
 * tfjs-core's FusedBatchNorm gradient (tfjs 4.22, gradients/FusedBatchNorm_grad), rewritten to
 * reduce before multiplying. With g = dy, r = 1/sqrt(variance + eps), s = scale, xm = x - mean,
 * and per-channel sums over every axis but the last:
 *   dx = g * (r s)                       d offset = sum(g)
 *   d scale = r * sum(g xm)              d mean = -r s * sum(g)
 *   d variance = -1/2 r^3 s * sum(g xm)
 * tfjs computes the same with the per-channel factors multiplied into full-size tensors first
 * and the x-derivative through a `tile` to the activation's shape: nine full-size
 * elementwise ops and four reductions where three and two suffice. On the wasm backend those
 * were the most expensive ops of a MobileNetV2 training step. Registered once, for all
 * backends, through tfjs' public `registerGradient`; tested against the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';

export const batchNormGradConfig: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const g = dy as tf.Tensor;
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const [x, mean, variance, scale] = saved;
    const s = scale == null ? tf.scalar(1) : scale;
    // Per-channel statistics (rank 1) were broadcast over every axis but the last; otherwise
    // they have x's shape and nothing is reduced (as in tfjs-core).
    const perChannel = mean.rank === 1;
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const reduce = (t: tf.Tensor) => (perChannel ? tf.sum(t, axes) : t);
    const r = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const sumG = reduce(g);
    const sumGxm = reduce(tf.mul(g, tf.sub(x, mean)));
    return {
      x: () => tf.mul(g, tf.mul(r, s)),
      mean: () => tf.reshape(tf.neg(tf.mul(tf.mul(r, s), sumG)), mean.shape),
      variance: () => tf.reshape(tf.mul(tf.mul(tf.mul(tf.pow(r, 3), s), -0.5), sumGxm), mean.shape),
      scale: () => tf.reshape(tf.mul(r, sumGxm), mean.shape),
      offset: () => tf.reshape(sumG, mean.shape),
    };
  },
};
