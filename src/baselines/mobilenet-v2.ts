/**
 * MobileNetV2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
 * CVPR 2018) as tfjs layers: a 3x3 stem, then inverted residual blocks — 1x1 expansion by t
 * with ReLU6, 3x3 depthwise with ReLU6, 1x1 linear projection (no activation: the linear
 * bottleneck), a residual connection when stride is 1 and channels match — with every
 * channel count scaled by the width multiplier and rounded to a multiple of 8.
 *
 * The mini challenges' images are 32-128 px, so the baselines use the paper's block table
 * cut short (fewer repeats) and, for 32 px inputs, a stride-1 stem as CIFAR adaptations do;
 * the table is a parameter, the block is the paper's.
 */
import * as tf from '@tensorflow/tfjs';

/** One row of the paper's Table 2: expansion t, output channels c, repeats n, first stride s. */
export type BlockRow = [t: number, c: number, n: number, s: number];

/** The paper's ImageNet table (224x224 input). */
export const PAPER_BLOCKS: BlockRow[] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

export interface MobileNetV2Config {
  alpha: number;
  stemChannels?: number;
  stemStride: number;
  blocks: BlockRow[];
  /** Channels of the final 1x1 convolution (1280 in the paper); 0 leaves it out. */
  lastChannels: number;
  /** BN momentum; short trainings need a faster moving average than Keras' 0.99. */
  bnMomentum?: number;
  /**
   * DeepLab's output stride: a block whose stride would take the feature map past it runs at
   * stride 1 and multiplies the atrous rate of the depthwise convolutions from there on
   * (DeepLabv3, section 3.1; the MobileNetV2 paper's Table 7 uses 16). Default: no limit.
   */
  outputStride?: number;
}

export interface Backbone {
  output: tf.SymbolicTensor;
  /** The last feature map at each output stride (2, 4, 8, ...), for decoders and detection heads. */
  byStride: Map<number, tf.SymbolicTensor>;
}

/** Keras' `_make_divisible`: nearest multiple of 8, never below 8 or more than 10% down. */
export function makeDivisible(v: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

/** Deterministic initialisers: each layer gets the next seed from this counter. */
export class Seeds {
  constructor(private next: number) {}
  he(): ReturnType<typeof tf.initializers.heNormal> {
    return tf.initializers.heNormal({ seed: this.next++ });
  }
  glorot(): ReturnType<typeof tf.initializers.heNormal> {
    return tf.initializers.glorotUniform({ seed: this.next++ });
  }
  take(): number {
    return this.next++;
  }
}

/**
 * ReLU6 as an activation layer: once the runtime is initialised this is one op forward and one
 * backward (relu6.ts; tfjs-layers' own computes minimum(6, relu(x))). Keras' ReLU layer with
 * maxValue computes relu and then clipByValue, two ops forward and about twice the gradient
 * ops backward; same values.
 */
export function relu6(name: string): tf.layers.Layer {
  return tf.layers.activation({ activation: 'relu6', name });
}

export function convBnRelu6(
  x: tf.SymbolicTensor, filters: number, kernel: number, stride: number, seeds: Seeds, name: string, momentum = 0.9, relu = true,
): tf.SymbolicTensor {
  let y = tf.layers.conv2d({
    filters, kernelSize: kernel, strides: stride, padding: 'same', useBias: false, kernelInitializer: seeds.he(), name: `${name}_conv`,
  }).apply(x) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ momentum, name: `${name}_bn` }).apply(y) as tf.SymbolicTensor;
  return relu ? (relu6(`${name}_relu6`).apply(y) as tf.SymbolicTensor) : y;
}

export function depthwiseBnRelu6(x: tf.SymbolicTensor, stride: number, seeds: Seeds, name: string, momentum = 0.9, rate = 1): tf.SymbolicTensor {
  let y = tf.layers.depthwiseConv2d({
    kernelSize: 3, strides: stride, padding: 'same', useBias: false, depthwiseInitializer: seeds.he(), name: `${name}_dw`,
    ...(rate > 1 ? { dilationRate: rate } : {}),
  }).apply(x) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ momentum, name: `${name}_dw_bn` }).apply(y) as tf.SymbolicTensor;
  return relu6(`${name}_dw_relu6`).apply(y) as tf.SymbolicTensor;
}

/** The inverted residual block with linear bottleneck (paper, Table 1 and Figure 4). */
export function invertedResidual(
  x: tf.SymbolicTensor, expansion: number, outChannels: number, stride: number, seeds: Seeds, name: string, momentum = 0.9, rate = 1,
): tf.SymbolicTensor {
  const inChannels = x.shape[x.shape.length - 1] as number;
  let y = x;
  if (expansion !== 1) y = convBnRelu6(y, inChannels * expansion, 1, 1, seeds, `${name}_expand`, momentum);
  y = depthwiseBnRelu6(y, stride, seeds, name, momentum, rate);
  y = convBnRelu6(y, outChannels, 1, 1, seeds, `${name}_project`, momentum, false); // linear bottleneck
  if (stride === 1 && inChannels === outChannels) y = tf.layers.add({ name: `${name}_add` }).apply([x, y]) as tf.SymbolicTensor;
  return y;
}

export function mobileNetV2(input: tf.SymbolicTensor, config: MobileNetV2Config, seeds: Seeds): Backbone {
  const momentum = config.bnMomentum ?? 0.9;
  const byStride = new Map<number, tf.SymbolicTensor>();
  let stride = config.stemStride;
  let x = convBnRelu6(input, makeDivisible((config.stemChannels ?? 32) * config.alpha), 3, config.stemStride, seeds, 'stem', momentum);
  byStride.set(stride, x);
  let index = 0;
  let rate = 1;
  const limit = config.outputStride ?? Infinity;
  for (const [t, c, n, s] of config.blocks) {
    const channels = makeDivisible(c * config.alpha);
    for (let i = 0; i < n; i++) {
      let blockStride = i === 0 ? s : 1;
      const blockRate = rate;
      if (stride * blockStride > limit) {
        rate *= blockStride; // the following blocks see the map at the rate the stride would have given
        blockStride = 1;
      }
      x = invertedResidual(x, t, channels, blockStride, seeds, `block${index++}`, momentum, blockRate);
      stride *= blockStride;
      byStride.set(stride, x);
    }
  }
  if (config.lastChannels > 0) {
    x = convBnRelu6(x, config.lastChannels, 1, 1, seeds, 'last', momentum);
    byStride.set(stride, x);
  }
  return { output: x, byStride };
}
