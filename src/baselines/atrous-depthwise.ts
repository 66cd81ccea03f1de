/**
 * Atrous (dilated) depthwise 3x3 convolution as TensorFlow's `atrous_conv2d` computes it:
 * space-to-batch by the rate, an ordinary depthwise convolution, batch-to-space back. tfjs'
 * depthwise gradient refuses dilation rates above 1, this formulation trains on any backend.
 * With "same" padding it equals the dilated convolution when the feature map's sides are
 * multiples of the rate (checked on build).
 */
import * as tf from '@tensorflow/tfjs';

export interface AtrousDepthwiseArgs {
  rate: number;
  kernelSize?: number;
  seed?: number;
  name?: string;
}

export class AtrousDepthwiseConv2D extends tf.layers.Layer {
  static readonly className = 'AtrousDepthwiseConv2D';
  readonly rate: number;
  readonly kernelSize: number;
  readonly seed?: number;
  private kernel!: tf.LayerVariable;

  constructor(args: AtrousDepthwiseArgs) {
    super({ name: args.name });
    this.rate = args.rate;
    this.kernelSize = args.kernelSize ?? 3;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const [h, w, c] = [shape[1], shape[2], shape[3]] as number[];
    if (h % this.rate !== 0 || w % this.rate !== 0) {
      throw new Error(`${this.name}: feature map ${h}x${w} is not a multiple of the atrous rate ${this.rate}`);
    }
    this.kernel = this.addWeight('depthwise_kernel', [this.kernelSize, this.kernelSize, c, 1], 'float32',
      tf.initializers.heNormal({ seed: this.seed }));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const r = this.rate;
      const k = this.kernel.read() as tf.Tensor4D;
      if (r === 1) return tf.depthwiseConv2d(x, k, 1, 'same');
      const batched = tf.spaceToBatchND(x, [r, r], [[0, 0], [0, 0]]) as tf.Tensor4D;
      const y = tf.depthwiseConv2d(batched, k, 1, 'same');
      return tf.batchToSpaceND(y, [r, r], [[0, 0], [0, 0]]);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return inputShape as tf.Shape;
  }

  /** Multiply-adds of one sample: one k*k tap per output element. */
  multiplyAdds(inputShape: tf.Shape): number {
    const [, h, w, c] = inputShape as number[];
    return h * w * c * this.kernelSize * this.kernelSize;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, kernelSize: this.kernelSize, seed: this.seed ?? null };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict,
  ): T {
    return new cls({ ...config, seed: config.seed ?? undefined });
  }
}

tf.serialization.registerClass(AtrousDepthwiseConv2D);
