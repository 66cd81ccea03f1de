/**
 * tfjs-core's FusedBatchNorm gradient, without its `tile`: the x-derivative
 * dx = dy * scale / sqrt(variance + eps) is computed with a broadcasting multiply instead of
 * first tiling 1/sqrt(variance + eps) to the full activation shape. Same numbers, but the wasm
 * backend's Tile kernel made it the most expensive op of a MobileNetV2 training step (about
 * half the step). Every other derivative is tfjs-core's (ops/FusedBatchNorm_grad, tfjs 4.22).
 * Registered once for all backends through tfjs' public `registerGradient`.
 */
import * as tf from '@tensorflow/tfjs';

export const batchNormGradConfig: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const grad = dy as tf.Tensor;
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const [x, mean, variance, scale] = saved;
    const scaleValue = scale == null ? tf.scalar(1) : scale;
    const perChannel = mean.rank === 1;
    // Per-channel statistics were broadcast over every axis but the last.
    const reductionAxes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const reduce = (t: tf.Tensor) => (perChannel ? tf.sum(t, reductionAxes) : t);
    const xMinusMean = tf.sub(x, mean);
    const dyTimesScale = tf.mul(grad, scaleValue);
    const rsqrtVariance = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const minusHalfRCube = tf.mul(tf.mul(tf.mul(rsqrtVariance, rsqrtVariance), rsqrtVariance), tf.scalar(-0.5));
    return {
      x: () => tf.reshape(tf.mul(tf.mul(grad, rsqrtVariance), scaleValue), x.shape),
      mean: () => tf.reshape(reduce(tf.mul(tf.mul(rsqrtVariance, tf.scalar(-1)), dyTimesScale)), mean.shape),
      variance: () => tf.reshape(reduce(tf.mul(tf.mul(minusHalfRCube, xMinusMean), dyTimesScale)), mean.shape),
      scale: () => tf.reshape(reduce(tf.mul(grad, tf.mul(xMinusMean, rsqrtVariance))), mean.shape),
      offset: () => tf.reshape(reduce(grad), mean.shape),
    };
  },
};
