/**
 * Multiply-adds of one ONNX inference, counted as the baselines count tfjs models
 * (model-cost.ts, graph-cost.ts): convolutions and products with a weight only.
 *   Conv          W [C_out, C_in/g, k_h, k_w], output [1, C_out, H, W]:  H W C_out (C_in/g) k_h k_w
 *   ConvTranspose W [C_in, C_out/g, k_h, k_w], input  [1, C_in, H, W]:   H W C_in (C_out/g) k_h k_w
 *   MatMul        B [K, M] a weight, output [..., M]:                    (positions) K M
 *   Gemm          B [K, M] (or [M, K] with transB):                     rows K M
 * ONNX files carry no activation shapes, so the graph is run once on one sample with the
 * inputs and outputs of those nodes added as graph outputs, and the shapes are read back
 * (`probeModel` builds that graph; the runner runs it).
 */
import { initializerShapes, onnx, type ModelProto } from './onnx-file.js';

const COUNTED = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm']);

export interface CostNode {
  op: string;
  /** The tensor whose shape is measured: the output (Conv, MatMul, Gemm) or the input (ConvTranspose). */
  probe: string;
  weight: number[];
  group: number;
  transB: boolean;
}

/** The nodes that count, with their weight shapes (nodes whose weight is not a constant are left out). */
export function costNodes(model: ModelProto): CostNode[] {
  const weights = initializerShapes(model);
  const out: CostNode[] = [];
  for (const node of model.graph!.node ?? []) {
    if (!COUNTED.has(node.opType ?? '')) continue;
    const w = weights.get(node.input?.[1] ?? '');
    if (!w) continue;
    const attr = (name: string) => (node.attribute ?? []).find((a) => a.name === name);
    out.push({
      op: node.opType!,
      probe: node.opType === 'ConvTranspose' ? node.input![0] : node.output![0],
      weight: w,
      group: Number(attr('group')?.i ?? 1),
      transB: Number(attr('transB')?.i ?? 0) === 1,
    });
  }
  return out;
}

/** The model with every probed tensor added as a graph output (declared without a type, which ONNX allows). */
export function probeModel(model: ModelProto, nodes: CostNode[]): Uint8Array {
  const copy = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const existing = new Set((copy.graph!.output ?? []).map((o) => o.name));
  for (const n of nodes) {
    if (existing.has(n.probe)) continue;
    existing.add(n.probe);
    copy.graph!.output!.push(onnx.ValueInfoProto.create({ name: n.probe }));
  }
  return onnx.ModelProto.encode(copy).finish();
}

const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

/** Multiply-adds from the measured shapes (batch of one). */
export function madds(nodes: CostNode[], shapes: Map<string, readonly number[]>): number {
  let total = 0;
  for (const n of nodes) {
    const s = shapes.get(n.probe);
    if (!s) continue;
    const w = n.weight;
    if (n.op === 'Conv') total += product(s.slice(2)) * w[0] * w[1] * product(w.slice(2));
    else if (n.op === 'ConvTranspose') total += product(s.slice(2)) * w[0] * w[1] * product(w.slice(2));
    else if (n.op === 'MatMul') total += product(s.slice(0, -1)) * w[w.length - 2] * w[w.length - 1];
    else if (n.op === 'Gemm') total += s[0] * w[0] * w[1];
  }
  return total;
}
