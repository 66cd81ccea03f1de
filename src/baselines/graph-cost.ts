/**
 * Parameters and multiply-adds of a converted TensorFlow graph model (tfjs graph format),
 * counted as model-cost.ts counts layers models: convolutions and matrix products only.
 * The graph file has no activation shapes, so the convolution nodes are evaluated once on a
 * real input and their output shapes read:
 *   Conv2D: H_out W_out k_h k_w C_in C_out;  DepthwiseConv2dNative: H_out W_out k_h k_w C_in m;
 *   MatMul: rows x C_in x C_out.
 */
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { ModelCost } from './model-cost.js';

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
}

const CONV_OPS = new Set(['Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative', 'MatMul', '_FusedMatMul']);

/** `input`: the graph's input, or its inputs in the graph's input order. */
export function graphCost(graph: tf.GraphModel, modelJsonPath: string, input: tf.Tensor | tf.Tensor[]): ModelCost {
  const json = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8'));
  const weightShape = new Map<string, number[]>();
  for (const group of json.weightsManifest) for (const w of group.weights) weightShape.set(w.name, w.shape);
  const params = [...weightShape.values()].reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
  const nodes = (json.modelTopology.node as GraphNode[]).filter((n) => CONV_OPS.has(n.op) && weightShape.has((n.input ?? [])[1]?.split(':')[0] ?? ''));
  if (nodes.length === 0) return { params, madds: 0 };
  // execute() gives a lone tensor, not a list, when asked for one node.
  const executed = graph.execute(input, nodes.map((n) => n.name));
  const outputs = Array.isArray(executed) ? executed : [executed];
  let madds = 0;
  nodes.forEach((n, i) => {
    const w = weightShape.get(n.input![1].split(':')[0])!;
    const out = outputs[i].shape;
    const positions = out.slice(1, -1).reduce((a, b) => a * b, 1);
    if (n.op.includes('Depthwise')) madds += positions * w[0] * w[1] * w[2] * w[3];
    else if (n.op.includes('MatMul')) madds += positions * w[0] * w[1];
    else madds += positions * w[0] * w[1] * w[2] * w[3];
  });
  tf.dispose(outputs);
  return { params, madds };
}
