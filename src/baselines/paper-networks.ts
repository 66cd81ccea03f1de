/**
 * The papers' full-size networks, built as tfjs layers models only to count their cost with the
 * baselines' own counter (model-cost.ts) against the MobileNetV2 paper's tables (Sandler et
 * al., CVPR 2018): Table 6, SSDLite detectors at 320 x 320; Table 7, DeepLabv3 segmenters. They
 * are never trained or run. The layouts are those of the open-source implementations the paper
 * measured (TensorFlow Object Detection API's SSDLite feature extractors and box predictor;
 * `research/deeplab`'s model.py), and every convention that decides a count is written here
 * (test/baselines/paper-costs.test.ts checks the four tables' figures):
 *
 * Counting, SSDLite: multiply-adds of convolutions and fully connected layers only (bias
 * additions, batch norm, activations, pooling and bilinear resizing are not counted), batch of
 * one; DeepLab: those plus the few element-wise ops TensorFlow's profiler counts (below). Parameters are the trainable ones (Keras' `trainableWeights`: kernels, biases, batch-norm
 * gamma and beta; not the moving mean and variance, with which reduced DeepLabv3 has 2.15M, not
 * the table's 2.11M). Atrous convolutions are counted as TensorFlow 1.x ran them, through
 * space_to_batch (`spaceToBatchExtraMadds`): that is what lifts MobileNetV1 + ASPP from 12.76B
 * to the table's 14.25B (14.23B).
 *
 * MobileNetV1 (Howard et al. 2017, Table 1): 3x3 stem conv (stride 2, 32 channels), 13
 * depthwise-separable blocks (3x3 depthwise + BN + ReLU6, 1x1 + BN + ReLU6), the 13th at
 * stride 1 as the released model has it.
 *
 * SSDLite (paper section 6.2): input 320 x 320; COCO's 80 classes + background = 81 class
 * slots per box (the OD API's config has 91 slots, COCO ids 1-90 with gaps: that gives 4.50M
 * and 5.25M parameters, where the table says 4.3M and 5.1M; 81 gives 4.34M and 5.10M);
 * feature maps: MobileNetV2's layer-15 expansion (576 channels, output stride 16, 20 x 20)
 * and its last layer (the 1x1 to 1280, output stride 32, 10 x 10) — for MobileNetV1,
 * Conv2d_11 (512, stride 16) and Conv2d_13 (1024, stride 32); then four extra layers of depth
 * 512, 256, 256, 128, each a 1x1 conv to half the depth, a 3x3 depthwise at stride 2 and a 1x1
 * conv to the depth (all with BN + ReLU6): maps 5, 3, 2, 1; boxes per cell: 3 on the first map,
 * 6 on the others (aspect ratios 1, 2, 1/2, 3, 1/3 plus one interpolated scale; the lowest
 * layer reduced to 3); heads on every map: box and class each a 3x3 depthwise (BN + ReLU6)
 * then a 1x1 conv with bias to boxes x 4 and boxes x 81 outputs. MobileNetV2's classifier is
 * not part of the detector.
 *
 * DeepLabv3 (paper section 6.3, Table 7; Chen et al. 2017, section 3.3): input 513 x 513
 * (DeepLab's crop; at 512 x 512 reduced DeepLabv3 has 2.60B, not 2.75B), 21 VOC classes,
 * output stride 16 (33 x 33 features; strides past 16 become atrous rates), single scale, no
 * flipping. MobileNetV2 "*" reads the second-last feature map (the 320-channel layer 18; the
 * 1x1 to 1280 and the classifier are not built); MobileNetV1 reads Conv2d_13 (1024). Heads of
 * 256 channels, each conv followed by BN + ReLU: a 1x1 conv and image pooling (global average,
 * 1x1 conv, bilinear back to 33 x 33); with ASPP also three 3x3 atrous convs (rates 6, 12, 18,
 * regular, not separable); the branches concatenated and projected by a 1x1 conv to 256; the
 * 21-class 1x1 logits with bias at output stride 16. "Reduced" DeepLabv3 is MobileNetV2 *
 * without ASPP (2.11M, 2.75B); MobileNetV1 has ASPP (11.15M, 14.25B).
 *
 * DeepLab's multiply-adds (`deepLabProfilerMadds`) are TensorFlow's profiler's float operations
 * halved: the model zoo (research/deeplab/g3doc/model_zoo.md) reports its runtimes from tfprof,
 * which also counts a few element-wise ops (residual additions, image pooling's mean,
 * the logits' bias, the input's scaling to [-1, 1], the final ArgMax over the upsampled logits).
 * That gives the reduced network 2.7468B (2.75B; the convolutions alone are 2.7424B) and the
 * zoo's Cityscapes network (1025 x 2049, 19 classes) 21.2703B (zoo: 21.27B; convolutions alone
 * 21.238B). The zoo's two multi-scale figures (output stride 8, scales and flips summed: 152.59B
 * on VOC, 433.24B on Cityscapes) come out at 152.5857B and 433.2416B if each inference counts
 * as above with one ArgMax at the end (a calculation outside this file, by the same rules),
 * but only if the profiler did not count the softmax of
 * each scale and their mean (predict_labels_multi_scale has both; the registry lists Softmax at
 * 5 a value and Mean at 1): that part is not settled, and is not tested.
 *
 * MobileNetV1 + ASPP is NOT reproduced: 14.2306B with the profiler count (14.2266B for the
 * convolutions), where the table's 14.25B needs 14.4-24.4M more. research/deeplab has no
 * MobileNetV1 network, so its layout here is the MobileNet paper's with DeepLab's heads. Tried,
 * none lands it (counts for the convolutions alone unless said): logits bilinearly upsampled to
 * 513 x 513 at 1-4 multiply-adds a value (5.5M each; 1 and 2 fit the reduced one but not V1, 4
 * only V1); batch norm unfolded, everywhere / backbone only / head only (+31.4M / +30.0M /
 * +1.4M: 14.258B, 14.257B, 14.228B; the reduced one would get +41.9M: 2.78B); image pooling's
 * 1x1 conv broadcast to 33 x 33 (+285M); logits at 513 x 513 (+1.4B); input 505-529 px
 * (513-520 give 14.227-14.238B, 521 gives 14.260B); Conv2d_12's depthwise dilated too
 * (+0.3M); the projection reading 1,024 channels instead of 1,280 (-71M); TensorFlow's
 * space_to_batch read from its source (the rule below: 1,156 positions at rate 2 and 1,296 at
 * rates 6, 12, 18 for 33 x 33). A second 21-class 1x1 conv on the backbone's last features
 * (+7.3M / +23.4M) lands both multiply-add figures but moves both parameter counts off the
 * table (2.12M, 11.17M) and is in no DeepLab code: not adopted. Table 7's MobileNetV1 figure at
 * output stride 8 (941.9B, six scales, flips) is not reproduced either: 990.8B counted (800.7B
 * without space_to_batch; 885.3B with rates 6, 12, 18 instead of 12, 24, 36).
 */
import * as tf from '@tensorflow/tfjs';
import { mobileNetV2, PAPER_BLOCKS, relu6, Seeds } from './mobilenet-v2.js';
import { modelCost, trainableParams } from './model-cost.js';

type ST = tf.SymbolicTensor;

/** Every conv of the papers' networks without bias (BN follows) unless said otherwise. */
function conv(x: ST, filters: number, kernel: number, stride: number, name: string, opts: { rate?: number; bias?: boolean } = {}): ST {
  return tf.layers.conv2d({
    filters, kernelSize: kernel, strides: stride, padding: 'same', useBias: opts.bias ?? false, name,
    kernelInitializer: 'zeros', ...(opts.rate && opts.rate > 1 ? { dilationRate: opts.rate } : {}),
  }).apply(x) as ST;
}

function bn(x: ST, name: string): ST {
  return tf.layers.batchNormalization({ name }).apply(x) as ST;
}

function depthwise(x: ST, stride: number, name: string, rate = 1): ST {
  const y = tf.layers.depthwiseConv2d({
    kernelSize: 3, strides: stride, padding: 'same', useBias: false, depthwiseInitializer: 'zeros', name, ...(rate > 1 ? { dilationRate: rate } : {}),
  }).apply(x) as ST;
  return relu6(`${name}_relu6`).apply(bn(y, `${name}_bn`)) as ST;
}

function convBn(x: ST, filters: number, kernel: number, name: string, opts: { rate?: number; activation?: 'relu' | 'relu6' } = {}): ST {
  const y = bn(conv(x, filters, kernel, 1, name, opts), `${name}_bn`);
  return opts.activation === 'relu'
    ? (tf.layers.reLU({ name: `${name}_relu` }).apply(y) as ST)
    : (relu6(`${name}_relu6`).apply(y) as ST);
}

/** MobileNetV1's 13 depthwise-separable blocks: [pointwise channels, depthwise stride]. */
const V1_BLOCKS: [number, number][] = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2], [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];

/** MobileNetV1 up to Conv2d_13_pointwise; strides past `outputStride` are dropped (atrous). Returns Conv2d_<n>_pointwise by n. */
export function mobileNetV1(input: ST, outputStride = Infinity): Map<number, ST> {
  const points = new Map<number, ST>();
  let x = relu6('v1_stem_relu6').apply(bn(conv(input, 32, 3, 2, 'v1_conv0'), 'v1_conv0_bn')) as ST;
  let stride = 2;
  let rate = 1;
  V1_BLOCKS.forEach(([channels, s], i) => {
    const keep = stride * s <= outputStride;
    x = depthwise(x, keep ? s : 1, `v1_conv${i + 1}_dw`, rate); // as slim: the dropped stride becomes the next layers' rate
    if (keep) stride *= s;
    else rate *= s;
    x = convBn(x, channels, 1, `v1_conv${i + 1}_pw`);
    points.set(i + 1, x);
  });
  return points;
}

/** MobileNetV2 (width 1.0, the paper's Table 2) with its named feature maps. */
function mobileNetV2Points(input: ST, outputStride?: number, withLastConv = true): { layer15Expansion: ST; last: ST } {
  const backbone = mobileNetV2(input, { alpha: 1, stemStride: 2, blocks: PAPER_BLOCKS, lastChannels: withLastConv ? 1280 : 0, outputStride, bnMomentum: 0.99 }, new Seeds(1));
  // Layer 15 of the OD API's numbering (stem = layer 1) is block 13 here: the first 160-channel block.
  const model = tf.model({ inputs: input, outputs: backbone.output });
  const expansion = model.getLayer('block13_expand_relu6').output as ST;
  return { layer15Expansion: expansion, last: backbone.output };
}

export interface PaperCostNetwork {
  model: tf.LayersModel;
  /** What it is, for messages. */
  label: string;
}

const SSD_INPUT = 320;
/** COCO's 80 classes + background (see the header: 91 slots give 4.5M, not the table's 4.3M). */
export const COCO_CLASS_SLOTS = 81;
const SSD_EXTRA_DEPTHS = [512, 256, 256, 128];

/** SSDLite on MobileNetV2 or MobileNetV1 at 320 x 320 (paper Table 6). */
export function ssdLitePaper(backbone: 'mobilenet-v2' | 'mobilenet-v1', classSlots = COCO_CLASS_SLOTS): PaperCostNetwork {
  const input = tf.input({ shape: [SSD_INPUT, SSD_INPUT, 3], name: 'image' });
  const maps: ST[] = [];
  if (backbone === 'mobilenet-v2') {
    const p = mobileNetV2Points(input);
    maps.push(p.layer15Expansion, p.last);
  } else {
    const p = mobileNetV1(input);
    maps.push(p.get(11)!, p.get(13)!);
  }
  SSD_EXTRA_DEPTHS.forEach((depth, i) => {
    let y = convBn(maps[maps.length - 1], depth / 2, 1, `extra${i}_reduce`);
    y = depthwise(y, 2, `extra${i}_dw`);
    maps.push(convBn(y, depth, 1, `extra${i}_expand`));
  });
  const outputs: ST[] = [];
  maps.forEach((f, k) => {
    const boxes = k === 0 ? 3 : 6;
    for (const [head, width] of [['box', 4], ['class', classSlots]] as const) {
      const y = depthwise(f, 1, `head${k}_${head}_dw`);
      outputs.push(conv(y, boxes * width, 1, 1, `head${k}_${head}`, { bias: true }));
    }
  });
  return { model: tf.model({ inputs: input, outputs }), label: `SSDLite on ${backbone === 'mobilenet-v2' ? 'MobileNetV2' : 'MobileNetV1'}, 320 x 320, ${classSlots} class slots` };
}

const DEEPLAB_INPUT = 513;
const DEEPLAB_DEPTH = 256;
const VOC_CLASSES = 21;

/** DeepLab's input other than the paper's (the model zoo's Cityscapes network: 1025 x 2049, 19 classes). */
export interface DeepLabInput {
  height?: number;
  width?: number;
  classes?: number;
}

/** DeepLabv3 at output stride 16 on MobileNetV2 * (no ASPP: the reduced one) or MobileNetV1 (ASPP) (paper Table 7). */
export function deepLabV3Paper(backbone: 'mobilenet-v2' | 'mobilenet-v1', aspp: boolean, at: DeepLabInput = {}): PaperCostNetwork {
  const { height = DEEPLAB_INPUT, width = DEEPLAB_INPUT, classes = VOC_CLASSES } = at;
  const input = tf.input({ shape: [height, width, 3], name: 'image' });
  const features = backbone === 'mobilenet-v2' ? mobileNetV2Points(input, 16, false).last : mobileNetV1(input, 16).get(13)!;
  const [rows, cols] = features.shape.slice(1, 3) as number[];
  const branches: ST[] = [];
  let pooled = tf.layers.globalAveragePooling2d({ name: 'image_pool' }).apply(features) as ST;
  pooled = tf.layers.reshape({ targetShape: [1, 1, features.shape[3] as number], name: 'image_pool_reshape' }).apply(pooled) as ST;
  pooled = convBn(pooled, DEEPLAB_DEPTH, 1, 'image_pool_conv', { activation: 'relu' });
  branches.push(tf.layers.upSampling2d({ size: [rows, cols], name: 'image_pool_up' }).apply(pooled) as ST);
  branches.push(convBn(features, DEEPLAB_DEPTH, 1, 'aspp0', { activation: 'relu' }));
  if (aspp) for (const rate of [6, 12, 18]) branches.push(convBn(features, DEEPLAB_DEPTH, 3, `aspp_rate${rate}`, { rate, activation: 'relu' }));
  const concat = tf.layers.concatenate({ name: 'concat' }).apply(branches) as ST;
  const projected = convBn(concat, DEEPLAB_DEPTH, 1, 'concat_projection', { activation: 'relu' });
  const logits = conv(projected, classes, 1, 1, 'logits', { bias: true });
  const name = backbone === 'mobilenet-v2' ? 'MobileNetV2 *' : 'MobileNetV1';
  return { model: tf.model({ inputs: input, outputs: logits }), label: `DeepLabv3 on ${name}, output stride 16, ${aspp ? 'ASPP' : 'no ASPP'}, ${height} x ${width}, ${classes} classes` };
}

/**
 * Multiply-adds that TensorFlow 1.x's atrous convolution computes beyond the H x W outputs it
 * keeps: `tf.nn.convolution` with rate r > 1 pads the input by (k - 1) r ("same"; begin
 * floor, end the rest), pads the end further to a multiple of r, moves it into r^2 batch
 * entries (space_to_batch), runs a VALID convolution on each and moves the results back,
 * cropping. Each entry computes (padded / r - (k - 1))^2 positions. On 33 x 33 features
 * (513 px at output stride 16) rates 6, 12 and 18 all compute 1,296 positions for 1,089 kept.
 */
export function spaceToBatchExtraMadds(model: tf.LayersModel): number {
  let extra = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Conv2D' && cls !== 'DepthwiseConv2D') continue;
    const cfg = layer.getConfig();
    const rate = (Array.isArray(cfg.dilationRate) ? cfg.dilationRate[0] : cfg.dilationRate) as number;
    if (!(rate > 1)) continue;
    const [h, w, cout] = (layer.outputShape as number[]).slice(1);
    const k = (Array.isArray(cfg.kernelSize) ? cfg.kernelSize : [cfg.kernelSize, cfg.kernelSize]) as number[];
    const cin = inputDims(layer)[2]!;
    const computed = (size: number, kk: number) => Math.ceil((size + (kk - 1) * rate) / rate) - (kk - 1);
    const positions = rate * rate * computed(h, k[0]) * computed(w, k[1]);
    const perPosition = cls === 'Conv2D' ? k[0] * k[1] * cin * cout : k[0] * k[1] * cin;
    extra += (positions - h * w) * perPosition;
  }
  return extra;
}

/** A layer's (first) input shape without the batch axis. */
function inputDims(layer: tf.layers.Layer): number[] {
  const shapes = (layer as unknown as { inboundNodes: { inputShapes: number[] | number[][] }[] }).inboundNodes[0]!.inputShapes;
  return ((Array.isArray(shapes[0]) ? shapes[0] : shapes) as number[]).slice(1);
}

const values = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * Multiply-adds as the DeepLab authors report them: TensorFlow 1.x's profiler (tfprof; the
 * model zoo's page reports its runtimes from it) gives float operations, and a multiply-add is
 * two of them, so this is the profiler's count of one DeepLab inference, halved. The profiler
 * counts what its registry lists (tensorflow/python/profiler/internal/flops_registry.py, and
 * nn_ops.py for Conv2D, DepthwiseConv2dNative and BiasAdd): 2 a multiply-add of the
 * convolutions as they ran (space_to_batch included: `paperCost`); 1 an output value of
 * BiasAdd (the logits) and of Add (MobileNetV2's residual additions); 1 an input value of
 * Mean (image pooling); and, in DeepLab's graph around the network, the input scaled to
 * [-1, 1] ((2 / 255) x - 1 in feature_extractor.py: a Mul and a Sub, 1 each an input value)
 * and the ArgMax over the logits resized to the input (input values less output values:
 * H W (classes - 1)). Fused batch norm, ReLU, bilinear resizing and concatenation have no
 * count in the registry. The network must be a `deepLabV3Paper` one.
 */
export function deepLabProfilerMadds(network: PaperCostNetwork): number {
  let flops = 2 * paperCost(network).madds;
  for (const layer of network.model.layers) {
    const cls = layer.getClassName();
    if (cls === 'Add') flops += values((layer.outputShape as number[]).slice(1));
    else if (cls === 'GlobalAveragePooling2D') flops += values(inputDims(layer));
    else if ((cls === 'Conv2D' || cls === 'DepthwiseConv2D') && layer.getConfig().useBias) flops += values((layer.outputShape as number[]).slice(1));
  }
  const [height, width, channels] = network.model.inputs[0]!.shape.slice(1) as number[];
  const classes = network.model.outputs[0]!.shape[3] as number;
  flops += 2 * height! * width! * channels! + height! * width! * (classes - 1);
  return flops / 2;
}

/** Trainable parameters (kernels, biases, BN gamma and beta) and multiply-adds as TensorFlow 1.x computed them. */
export function paperCost(network: PaperCostNetwork): { params: number; madds: number; maddsKept: number } {
  const kept = modelCost(network.model).madds;
  return { params: trainableParams(network.model), madds: kept + spaceToBatchExtraMadds(network.model), maddsKept: kept };
}
