/**
 * Parameters and multiply-adds of one inference, counted from a tfjs-layers model's layers
 * the way the MobileNetV2 paper counts them: convolutions and fully connected layers only
 * (batch norm, activations and additions are not multiply-adds of note).
 *   Conv2D:            H_out * W_out * k_h * k_w * C_in * C_out
 *   DepthwiseConv2D:   H_out * W_out * k_h * k_w * C_in * depth_multiplier
 *   SeparableConv2D:   the depthwise part plus H_out * W_out * C_in * depth_multiplier * C_out
 *   Conv1D:            T_out * k * C_in * C_out
 *   Dense:             (positions) * C_in * units
 */
import * as tf from '@tensorflow/tfjs';

export interface ModelCost {
  params: number;
  madds: number;
}

export function modelCost(model: tf.LayersModel): ModelCost {
  return { params: model.countParams(), madds: layerMadds(model.layers) };
}

/**
 * Trainable parameters (Keras' `trainableWeights`: kernels, biases, batch-norm gamma and beta,
 * not its moving mean and variance), the count the papers' tables give.
 */
export function trainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
}

function shapeOf(s: tf.Shape | tf.Shape[]): number[] {
  const one = (Array.isArray(s[0]) ? s[0] : s) as (number | null)[];
  return one.slice(1).map((d) => d ?? 1);
}

const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

function layerMadds(layers: tf.layers.Layer[]): number {
  let total = 0;
  for (const layer of layers) {
    if (layer instanceof tf.LayersModel) {
      total += layerMadds(layer.layers);
      continue;
    }
    const cfg = layer.getConfig();
    const name = layer.getClassName();
    const out = shapeOf(layer.outputShape);
    const inp = shapeOf(inputShapeOf(layer));
    const kernel = (cfg.kernelSize as number[] | number | undefined) ?? 1;
    const k = Array.isArray(kernel) ? kernel : [kernel, kernel];
    const outPositions = product(out.slice(0, -1));
    const cin = inp[inp.length - 1];
    const cout = out[out.length - 1];
    if (name === 'Conv2D') total += outPositions * k[0] * k[1] * cin * cout;
    else if (name === 'Conv1D') total += outPositions * k[0] * cin * cout;
    else if (name === 'DepthwiseConv2D') total += outPositions * k[0] * k[1] * cin * ((cfg.depthMultiplier as number) ?? 1);
    else if (name === 'SeparableConv2D') {
      const m = (cfg.depthMultiplier as number) ?? 1;
      total += outPositions * k[0] * k[1] * cin * m + outPositions * cin * m * cout;
    } else if (name === 'Dense') total += outPositions * cin * cout;
    else if (typeof (layer as unknown as { multiplyAdds?: unknown }).multiplyAdds === 'function') {
      total += (layer as unknown as { multiplyAdds(s: tf.Shape): number }).multiplyAdds([null, ...inp]);
    }
  }
  return total;
}

function inputShapeOf(layer: tf.layers.Layer): tf.Shape {
  const nodes = (layer as unknown as { inboundNodes: { inputShapes: tf.Shape | tf.Shape[] }[] }).inboundNodes;
  return nodes[0].inputShapes as tf.Shape;
}
