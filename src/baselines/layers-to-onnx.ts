/**
 * Converts the baselines' tfjs-layers models to ONNX graphs (onnx-graph.ts), layer by layer,
 * with the weights copied bit for bit. Layout: tfjs is channels-last (NHWC, NTC); ONNX's Conv,
 * BatchNormalization, pooling and Resize are channels-first. Each converted tensor carries a
 * flag saying which of the two layouts it is in; a layer that needs the other one gets a
 * Transpose (made once per tensor), so a chain of convolutions stays channels-first and the
 * graph transposes only at its input, outputs, Dense/Reshape layers and concatenations of
 * mixed layouts.
 *
 * Per layer (tfjs semantics → ONNX):
 *   Conv2D / Conv1D       W [k.., C_in, C_out] → [C_out, C_in, k..]; TensorFlow "same"
 *                         padding as explicit pads: total = max((ceil(in/s) - 1) s + (k - 1) d + 1 - in, 0),
 *                         begin = floor(total / 2), the extra pixel at the end.
 *   DepthwiseConv2D       W [k_h, k_w, C, m] → [C m, 1, k_h, k_w], group = C (output channel c m + j).
 *   AtrousDepthwiseConv2D space-to-batch depthwise = Conv with dilations [r, r], pads r, group = C.
 *   BatchNormalization    inference form, Keras' epsilon (gamma, beta, moving mean / variance).
 *   Dense                 MatMul on the last axis + bias; Activation / ReLU: Relu, Clip(0, 6), Sigmoid.
 *   UpSampling2D          Resize, "asymmetric" coordinates (tf.image.resize* with alignCorners and
 *                         halfPixelCenters false, as the layer calls them), nearest rounding down.
 *   MaxPooling2D          MaxPool, pads as for Conv (ONNX pads a max pool with -inf, as TensorFlow's
 *                         "same" leaves the padding out of the max); "valid" rounds down (ceil_mode 0).
 *   GlobalAveragePooling2D, Add, Concatenate, Reshape: the same operation.
 * Spatial sizes may be unknown (a fully convolutional model, e.g. the U-Net): "same" padding at
 * stride 1 does not depend on them; at a larger stride it does, and is refused.
 * Anything else is refused by name, so a new layer cannot be exported silently wrong.
 */
import * as tf from '@tensorflow/tfjs';
import { OnnxGraph, type ValueInfo } from '../models/onnx-graph.js';
import './atrous-depthwise.js';

interface Value {
  name: string;
  /** Rank of the tensor (batch included). */
  rank: number;
  /** True when the ONNX tensor is channels-first (tfjs shape [N, ..., C] held as [N, C, ...]). */
  channelsFirst: boolean;
}

export interface ExportedGraph {
  graph: OnnxGraph;
  inputs: ValueInfo[];
  /** The model's outputs in tfjs order: ONNX names and channels-last values. */
  outputs: { name: string; dims: (number | null)[] }[];
}

type SymbolicTensor = tf.SymbolicTensor;
interface InboundNode {
  inputTensors: SymbolicTensor[];
  outputTensors: SymbolicTensor[];
}

const dimsOf = (t: SymbolicTensor) => t.shape.map((d, i) => (i === 0 ? null : (d as number)));

/** The layers model as an ONNX graph; `reserved` names are kept free for the caller's final outputs. */
export function layersToOnnx(model: tf.LayersModel, reserved: string[] = []): ExportedGraph {
  const g = new OnnxGraph();
  for (const name of reserved) g.reserve(name);
  const values = new Map<number, Value>();
  const toFirst = new Map<string, string>();
  const toLast = new Map<string, string>();
  const inputs: ValueInfo[] = [];

  // Graph inputs take the input layers' names (tfjs suffixes its tensors' names per process).
  model.inputs.forEach((t, i) => {
    const name = model.inputNames[i];
    g.reserve(name);
    values.set(t.id, { name, rank: t.rank, channelsFirst: false });
    inputs.push({ name, dims: dimsOf(t) });
  });

  const channelsFirst = (v: Value): string => {
    if (v.channelsFirst || v.rank < 3) return v.name;
    let n = toFirst.get(v.name);
    if (!n) {
      n = g.op('Transpose', [v.name], { perm: [0, v.rank - 1, ...range(1, v.rank - 1)] }, `${v.name}_nchw`);
      toFirst.set(v.name, n);
    }
    return n;
  };
  const channelsLast = (v: Value): string => {
    if (!v.channelsFirst || v.rank < 3) return v.name;
    let n = toLast.get(v.name);
    if (!n) {
      n = g.op('Transpose', [v.name], { perm: [0, ...range(2, v.rank), 1] }, `${v.name}_nhwc`);
      toLast.set(v.name, n);
    }
    return n;
  };

  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'InputLayer') continue;
    const nodes = (layer as unknown as { inboundNodes: InboundNode[] }).inboundNodes;
    if (nodes.length !== 1) throw new Error(`layer ${layer.name}: used ${nodes.length} times; only single-use layers are exported`);
    const { inputTensors, outputTensors } = nodes[0];
    const ins = inputTensors.map((t) => {
      const v = values.get(t.id);
      if (!v) throw new Error(`layer ${layer.name}: input ${t.name} was not converted`);
      return v;
    });
    const out = outputTensors[0];
    const cfg = layer.getConfig();
    const weights = weightsOf(layer);
    const base = layer.name;
    let result: Value;
    switch (cls) {
      case 'Conv2D':
      case 'Conv1D': {
        const x = ins[0];
        const kernel = weights.get('kernel')!;
        const spatial = x.rank - 2;
        const k = kernelSize(cfg.kernelSize, spatial);
        const strides = kernelSize(cfg.strides ?? 1, spatial);
        const dilations = kernelSize(cfg.dilationRate ?? 1, spatial);
        const cin = kernel.shape[spatial];
        const cout = kernel.shape[spatial + 1];
        const perm = [spatial + 1, spatial, ...range(0, spatial)];
        const w = g.floats(`${base}_W`, [cout, cin, ...k], transpose(kernel, perm));
        const inputs = [channelsFirst(x), w];
        if (weights.has('bias')) inputs.push(g.floats(`${base}_B`, [cout], weights.get('bias')!.values));
        const pads = padsFor(cfg.padding as string, spatialDims(inputTensors[0]), k, strides, dilations);
        const y = g.op('Conv', inputs, { kernel_shape: k, strides, dilations, pads, group: 1 }, base);
        result = activation(g, { name: y, rank: x.rank, channelsFirst: true }, cfg.activation as string | undefined, base);
        break;
      }
      case 'DepthwiseConv2D': {
        const x = ins[0];
        const kernel = weights.get('depthwise_kernel')!;
        const [kh, kw, c, m] = kernel.shape;
        const strides = kernelSize(cfg.strides ?? 1, 2);
        const dilations = kernelSize(cfg.dilationRate ?? 1, 2);
        const w = g.floats(`${base}_W`, [c * m, 1, kh, kw], transpose(kernel, [2, 3, 0, 1]));
        const inputs = [channelsFirst(x), w];
        if (weights.has('bias')) inputs.push(g.floats(`${base}_B`, [c * m], weights.get('bias')!.values));
        const pads = padsFor(cfg.padding as string, spatialDims(inputTensors[0]), [kh, kw], strides, dilations);
        const y = g.op('Conv', inputs, { kernel_shape: [kh, kw], strides, dilations, pads, group: c }, base);
        result = activation(g, { name: y, rank: 4, channelsFirst: true }, cfg.activation as string | undefined, base);
        break;
      }
      case 'AtrousDepthwiseConv2D': {
        const x = ins[0];
        const kernel = weights.get('depthwise_kernel')!;
        const [kh, kw, c] = kernel.shape;
        const r = cfg.rate as number;
        const w = g.floats(`${base}_W`, [c, 1, kh, kw], transpose(kernel, [2, 3, 0, 1]));
        const pads = padsFor('same', spatialDims(inputTensors[0]), [kh, kw], [1, 1], [r, r]);
        const y = g.op('Conv', [channelsFirst(x), w], { kernel_shape: [kh, kw], strides: [1, 1], dilations: [r, r], pads, group: c }, base);
        result = { name: y, rank: 4, channelsFirst: true };
        break;
      }
      case 'BatchNormalization': {
        const x = ins[0];
        if (cfg.axis !== -1 && cfg.axis !== x.rank - 1 && !(Array.isArray(cfg.axis) && cfg.axis.length === 1 && (cfg.axis[0] === -1 || cfg.axis[0] === x.rank - 1))) {
          throw new Error(`layer ${layer.name}: batch normalization over axis ${JSON.stringify(cfg.axis)}; only the channel axis is exported`);
        }
        const mean = weights.get('moving_mean')!;
        const c = mean.values.length;
        const gamma = weights.get('gamma')?.values ?? new Float32Array(c).fill(1);
        const beta = weights.get('beta')?.values ?? new Float32Array(c);
        const y = g.op('BatchNormalization', [
          channelsFirst(x), g.floats(`${base}_scale`, [c], gamma), g.floats(`${base}_bias`, [c], beta),
          g.floats(`${base}_mean`, [c], mean.values), g.floats(`${base}_var`, [c], weights.get('moving_variance')!.values),
        ], { epsilon: { float: cfg.epsilon as number } }, base);
        result = { name: y, rank: x.rank, channelsFirst: true };
        break;
      }
      case 'Activation':
        result = activation(g, ins[0], cfg.activation as string, base);
        break;
      case 'ReLU': {
        const max = cfg.maxValue as number | null | undefined;
        if (cfg.negativeSlope || cfg.threshold) throw new Error(`layer ${layer.name}: leaky / thresholded ReLU is not exported`);
        result = activation(g, ins[0], max === 6 ? 'relu6' : max == null ? 'relu' : `clip:${max}`, base);
        break;
      }
      case 'Add': {
        const first = ins.every((v) => v.channelsFirst || v.rank < 3);
        const names = ins.map((v) => (first ? channelsFirst(v) : channelsLast(v)));
        let acc = names[0];
        for (let i = 1; i < names.length; i++) acc = g.op('Add', [acc, names[i]], {}, base);
        result = { name: acc, rank: ins[0].rank, channelsFirst: first && ins[0].rank >= 3 };
        break;
      }
      case 'Concatenate': {
        const rank = ins[0].rank;
        let axis = cfg.axis as number;
        if (axis < 0) axis += rank;
        const first = rank >= 3 && axis === rank - 1 && ins.every((v) => v.channelsFirst);
        const names = ins.map((v) => (first ? channelsFirst(v) : channelsLast(v)));
        const y = g.op('Concat', names, { axis: first ? 1 : axis }, base);
        result = { name: y, rank, channelsFirst: first };
        break;
      }
      case 'MaxPooling2D': {
        const k = kernelSize(cfg.poolSize, 2);
        const strides = kernelSize(cfg.strides ?? cfg.poolSize, 2);
        const pads = padsFor(cfg.padding as string, spatialDims(inputTensors[0]), k, strides, [1, 1]);
        const y = g.op('MaxPool', [channelsFirst(ins[0])], { kernel_shape: k, strides, pads }, base);
        result = { name: y, rank: 4, channelsFirst: true };
        break;
      }
      case 'GlobalAveragePooling2D': {
        const pooled = g.op('GlobalAveragePool', [channelsFirst(ins[0])], {}, base);
        result = { name: g.op('Flatten', [pooled], { axis: 1 }, `${base}_flat`), rank: 2, channelsFirst: false };
        break;
      }
      case 'Dense': {
        const x = ins[0];
        const kernel = weights.get('kernel')!;
        const [cin, cout] = kernel.shape;
        let y = g.op('MatMul', [channelsLast(x), g.floats(`${base}_W`, [cin, cout], kernel.values)], {}, base);
        if (weights.has('bias')) y = g.op('Add', [y, g.floats(`${base}_B`, [cout], weights.get('bias')!.values)], {}, `${base}_bias`);
        result = activation(g, { name: y, rank: x.rank, channelsFirst: false }, cfg.activation as string | undefined, base);
        break;
      }
      case 'Reshape': {
        const target = cfg.targetShape as number[];
        const y = g.op('Reshape', [channelsLast(ins[0]), g.int64s(`${base}_shape`, [0, ...target])], {}, base);
        result = { name: y, rank: target.length + 1, channelsFirst: false };
        break;
      }
      case 'UpSampling2D': {
        const size = kernelSize(cfg.size, 2);
        const interpolation = (cfg.interpolation as string | undefined) ?? 'nearest';
        const y = g.op('Resize', [channelsFirst(ins[0]), '', g.floats(`${base}_scales`, [4], [1, 1, size[0], size[1]])], {
          mode: interpolation === 'bilinear' ? 'linear' : 'nearest',
          coordinate_transformation_mode: 'asymmetric',
          nearest_mode: 'floor',
        }, base);
        result = { name: y, rank: 4, channelsFirst: true };
        break;
      }
      default:
        throw new Error(`layer ${layer.name}: ${cls} layers are not exported to ONNX yet`);
    }
    values.set(out.id, result);
  }

  const outputs = model.outputs.map((t, i) => {
    const v = values.get(t.id)!;
    return { name: channelsLast(v), dims: dimsOf(t), index: i };
  });
  return { graph: g, inputs, outputs: outputs.map(({ name, dims }) => ({ name, dims })) };
}

interface Weight {
  shape: number[];
  values: Float32Array;
}

/** The layer's weights by short name (kernel, bias, gamma, moving_mean, depthwise_kernel, ...). */
function weightsOf(layer: tf.layers.Layer): Map<string, Weight> {
  const out = new Map<string, Weight>();
  for (const w of layer.weights) {
    const short = w.originalName.split('/').pop()!.replace(/_\d+$/, '');
    const t = w.read();
    out.set(short, { shape: [...t.shape], values: t.dataSync() as Float32Array });
  }
  return out;
}

function activation(g: OnnxGraph, x: Value, name: string | undefined, base: string): Value {
  if (!name || name === 'linear') return x;
  const op = (type: string, extra: string[] = []) => ({ ...x, name: g.op(type, [x.name, ...extra], {}, `${base}_${name.split(':')[0]}`) });
  if (name === 'relu') return op('Relu');
  if (name === 'relu6') return op('Clip', [g.scalar(`${base}_min`, 0), g.scalar(`${base}_max`, 6)]);
  if (name.startsWith('clip:')) return op('Clip', [g.scalar(`${base}_min`, 0), g.scalar(`${base}_max`, Number(name.slice(5)))]);
  if (name === 'sigmoid') return op('Sigmoid');
  if (name === 'tanh') return op('Tanh');
  throw new Error(`${base}: activation ${name} is not exported to ONNX yet`);
}

function kernelSize(v: unknown, n: number): number[] {
  if (Array.isArray(v)) return v.length === n ? v.map(Number) : Array(n).fill(Number(v[0]));
  return Array(n).fill(Number(v));
}

/** The input's spatial sizes; null where the model leaves them open. */
function spatialDims(t: SymbolicTensor): (number | null)[] {
  return t.shape.slice(1, -1);
}

/**
 * TensorFlow's padding as ONNX pads [begin..., end...]. At stride 1 "same" pads (k - 1) d in
 * total whatever the size (the formula's size terms cancel), so an unknown size is fine there.
 */
export function padsFor(padding: string, input: (number | null)[], k: number[], strides: number[], dilations: number[]): number[] {
  if (padding === 'valid') return [...input.map(() => 0), ...input.map(() => 0)];
  if (padding !== 'same') throw new Error(`padding ${padding} is not exported`);
  const begin: number[] = [];
  const end: number[] = [];
  input.forEach((size, i) => {
    if (size === null && strides[i] !== 1) throw new Error(`"same" padding at stride ${strides[i]} over an unknown size is not exported (its pads depend on the size)`);
    const total = size === null ? (k[i] - 1) * dilations[i]
      : Math.max((Math.ceil(size / strides[i]) - 1) * strides[i] + (k[i] - 1) * dilations[i] + 1 - size, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return [...begin, ...end];
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** Values of `w` with its axes permuted: out axis i is input axis perm[i]. */
export function transpose(w: Weight, perm: number[]): Float32Array {
  const shape = w.shape;
  const outShape = perm.map((p) => shape[p]);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(w.values.length);
  const idx = new Array(outShape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < idx.length; i++) src += idx[i] * strides[perm[i]];
    out[o] = w.values[src];
    for (let i = idx.length - 1; i >= 0; i--) {
      if (++idx[i] < outShape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}
