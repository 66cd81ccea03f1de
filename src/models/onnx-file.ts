/**
 * Reads and checks an ONNX file before any runtime sees it (onnx.proto via onnx-proto /
 * protobufjs): it must parse completely (a truncated or foreign file is a clear error, not a
 * runtime crash), and it must be self-contained. ONNX lets a tensor's bytes live in another
 * file (`data_location: EXTERNAL`, `external_data: {location: ...}`); runtimes resolve that
 * path relative to the model and have followed `../` out of the folder (onnx/onnx #3991), so
 * any external reference anywhere in the model (initializers, attributes, subgraphs,
 * functions, training info) is refused.
 *
 * Also here, from the graph itself: parameters (elements of floating-point initializers and
 * Constant tensors) and the nodes whose multiply-adds count (onnx-cost.ts does the arithmetic).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { onnx as OnnxNs } from 'onnx-proto';
import { ValidationError } from '../problems.js';

const require = createRequire(import.meta.url);
export const onnx: typeof OnnxNs = (require('onnx-proto') as { onnx: typeof OnnxNs }).onnx;

export type ModelProto = OnnxNs.ModelProto;

/** TensorProto.DataType values that hold learned weights (FLOAT, FLOAT16, DOUBLE, BFLOAT16). */
const FLOAT_TYPES = new Set([1, 10, 11, 16]);
const EXTERNAL = 1;

export function decodeOnnx(bytes: Uint8Array, file: string): ModelProto {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw ValidationError.of({ file, message: `not a complete ONNX model (truncated or not protobuf: ${(e as Error).message.split('\n')[0]})` });
  }
  if (!model.graph || (model.graph.node ?? []).length === 0 && (model.graph.output ?? []).length === 0) {
    throw ValidationError.of({ file, message: 'not an ONNX model: no graph' });
  }
  const ref = findExternalData(model);
  if (ref) {
    throw ValidationError.of({
      file,
      message: `refused: tensor "${ref.name}" keeps its data in an external file (${ref.location || 'external data'}); submit a single self-contained .onnx file`,
    });
  }
  return model;
}

export function readOnnx(file: string, maxBytes: number): { bytes: Buffer; model: ModelProto } {
  const size = fs.statSync(file).size;
  if (size > maxBytes) throw ValidationError.of({ file, message: `model is ${size} bytes, over the ${maxBytes}-byte limit` });
  const bytes = fs.readFileSync(file);
  return { bytes, model: decodeOnnx(bytes, file) };
}

/** The first tensor anywhere in the message tree that refers to external data. */
export function findExternalData(root: unknown): { name: string; location: string } | null {
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (!v || typeof v !== 'object' || ArrayBuffer.isView(v)) continue;
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
      continue;
    }
    const o = v as Record<string, unknown>;
    const ext = o.externalData as { key?: string; value?: string }[] | undefined;
    if (o.dataLocation === EXTERNAL || (Array.isArray(ext) && ext.length > 0)) {
      return { name: String(o.name ?? ''), location: ext?.find((e) => e.key === 'location')?.value ?? '' };
    }
    for (const [k, x] of Object.entries(o)) {
      if (k === 'rawData' || k === 'floatData' || k === 'int64Data' || k === 'doubleData' || k === 'int32Data') continue;
      if (x && typeof x === 'object') stack.push(x);
    }
  }
  return null;
}

function elements(dims: (number | { toNumber(): number })[] | null | undefined): number {
  return (dims ?? []).reduce<number>((n, d) => n * (typeof d === 'number' ? d : d.toNumber()), 1);
}

/**
 * Inputs of operators that are settings rather than weights: Resize's roi and scales, Clip's
 * bounds (inputs since opset 11; Keras' UpSampling2D and ReLU6 keep them in the layer config),
 * NonMaxSuppression's limits and thresholds.
 */
const SETTING_INPUTS: Record<string, number[]> = { Resize: [1, 2], Clip: [1, 2], NonMaxSuppression: [2, 3, 4] };

/**
 * Elements of floating-point initializers and Constant node tensors (the convention Keras'
 * countParams shares), except tensors whose every use is a setting input (SETTING_INPUTS).
 */
export function onnxParams(model: ModelProto): number {
  const g = model.graph!;
  const weightUse = new Set<string>();
  const settingUse = new Set<string>();
  for (const node of g.node ?? []) {
    (node.input ?? []).forEach((name, i) => ((SETTING_INPUTS[node.opType ?? '']?.includes(i) ? settingUse : weightUse).add(name)));
  }
  const counts = (name: string, dataType: number | null | undefined) => FLOAT_TYPES.has(dataType ?? 0) && (weightUse.has(name) || !settingUse.has(name));
  let n = 0;
  for (const t of g.initializer ?? []) if (counts(t.name ?? '', t.dataType)) n += elements(t.dims as never);
  for (const node of g.node ?? []) {
    if (node.opType !== 'Constant') continue;
    for (const a of node.attribute ?? []) if (a.name === 'value' && a.t && counts(node.output?.[0] ?? '', a.t.dataType)) n += elements(a.t.dims as never);
  }
  return n;
}

/** Shapes of the initializers by name (weights of Conv / MatMul / Gemm). */
export function initializerShapes(model: ModelProto): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const t of model.graph!.initializer ?? []) out.set(t.name ?? '', (t.dims ?? []).map((d) => Number(d)));
  for (const node of model.graph!.node ?? []) {
    if (node.opType !== 'Constant') continue;
    const t = (node.attribute ?? []).find((a) => a.name === 'value')?.t;
    if (t) out.set(node.output![0], (t.dims ?? []).map((d) => Number(d)));
  }
  return out;
}
