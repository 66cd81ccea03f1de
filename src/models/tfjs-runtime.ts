/**
 * TensorFlow.js models (`model.json` + weight files, graph or layers format, the baselines'
 * own format) inside the sandbox, on the wasm backend as the baselines run (one thread).
 * The manifest is checked before anything is read: weight paths must be plain file names in
 * the model's folder (no `..`, no absolute path, no URL: tfjs would otherwise fetch them), and
 * their total size is bounded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../problems.js';
import type { IoInfo, LoadedModel, LoadRequest } from './runtime.js';
import type { DType, HostTensor } from './tensor.js';

interface Manifest {
  format?: string;
  modelTopology?: unknown;
  weightsManifest?: { paths?: unknown; weights?: unknown }[];
}

/** Reads model.json and checks every weight path; returns the parsed JSON and the weight files. */
export function checkTfjsModel(modelJson: string, maxBytes: number): { json: Manifest; files: string[] } {
  const file = modelJson;
  let json: Manifest;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (e) {
    throw ValidationError.of({ file, message: `not a tfjs model.json: ${(e as Error).message.split('\n')[0]}` });
  }
  if (!json || typeof json !== 'object' || !json.modelTopology) throw ValidationError.of({ file, message: 'not a tfjs model.json: no modelTopology' });
  if (!Array.isArray(json.weightsManifest)) throw ValidationError.of({ file, message: 'not a tfjs model.json: no weightsManifest' });
  const dir = path.dirname(path.resolve(file));
  const files: string[] = [];
  let total = fs.statSync(file).size;
  for (const group of json.weightsManifest) {
    if (!Array.isArray(group.paths)) throw ValidationError.of({ file, column: 'weightsManifest', message: 'each group needs a list of paths' });
    for (const p of group.paths) {
      if (typeof p !== 'string' || p === '' || p !== path.basename(p) || p === '.' || p === '..' || /[:\\]/.test(p)) {
        throw ValidationError.of({ file, column: 'weightsManifest.paths', message: `refused weight path ${JSON.stringify(p)}: weights must be plain file names next to model.json (no folders, URLs or "..")` });
      }
      const w = path.join(dir, p);
      if (!fs.existsSync(w)) throw ValidationError.of({ file, column: 'weightsManifest.paths', message: `weight file ${p} is missing` });
      total += fs.statSync(w).size;
      files.push(w);
    }
  }
  if (total > maxBytes) throw ValidationError.of({ file, message: `model is ${total} bytes, over the ${maxBytes}-byte limit` });
  return { json, files };
}

export async function loadTfjs(req: LoadRequest): Promise<LoadedModel> {
  const { json, files } = checkTfjsModel(req.path, req.maxModelBytes);
  const { initRuntime, tf } = await import('../baselines/runtime.js');
  const info = await initRuntime('wasm');
  const { readArtifacts } = await import('../baselines/model-store.js');
  void files;
  const artifacts = readArtifacts(req.path);
  const isGraph = json.format === 'graph-model';
  const graph = isGraph ? await tf.loadGraphModel(tf.io.fromMemory(artifacts)) : null;
  const layers = isGraph ? null : await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const dims = (s: readonly (number | null)[] | undefined) => (s ? s.map((d) => (d === null || d < 0 ? null : d)) : null);
  const inputs: IoInfo[] = graph
    ? graph.inputs.map((t) => ({ name: t.name, dtype: t.dtype, dims: dims(t.shape) }))
    : layers!.inputs.map((t) => ({ name: t.name, dtype: t.dtype, dims: dims(t.shape) }));
  const outputs: IoInfo[] = graph
    ? graph.outputs.map((t) => ({ name: t.name, dtype: t.dtype, dims: dims(t.shape) }))
    : layers!.outputs.map((t) => ({ name: t.name, dtype: t.dtype, dims: dims(t.shape) }));

  const toTf = (t: HostTensor) => tf.tensor(t.data as Float32Array, t.dims, t.dtype === 'float32' ? 'float32' : 'int32');
  const ordered = (feeds: Record<string, HostTensor>) => inputs.map((i) => {
    const t = feeds[i.name];
    if (!t) throw new Error(`no value for input "${i.name}"`);
    return toTf(t);
  });
  const collect = async (out: import('@tensorflow/tfjs').Tensor | import('@tensorflow/tfjs').Tensor[]) => {
    const list = Array.isArray(out) ? out : [out];
    const result: Record<string, HostTensor> = {};
    await Promise.all(list.map(async (t, i) => {
      const data = await t.data();
      result[outputs[i]?.name ?? `output_${i}`] = { dtype: t.dtype as DType, dims: [...t.shape], data: data as HostTensor['data'] };
    }));
    tf.dispose(list);
    return result;
  };
  return {
    inputs,
    outputs,
    runtime: `@tensorflow/tfjs ${info.tfjsVersion} ${info.detail}`,
    async run(feeds) {
      const xs = ordered(feeds);
      try {
        const out = graph ? (graph.execute(xs.length === 1 ? xs[0] : xs) as never) : (layers!.predict(xs.length === 1 ? xs[0] : xs) as never);
        return await collect(out);
      } finally {
        tf.dispose(xs);
      }
    },
    async cost(feeds) {
      const xs = ordered(feeds);
      try {
        if (graph) {
          const { graphCost } = await import('../baselines/graph-cost.js');
          return graphCost(graph, req.path, xs.length === 1 ? xs[0] : xs);
        }
        const { modelCost } = await import('../baselines/model-cost.js');
        return modelCost(layers!);
      } finally {
        tf.dispose(xs);
      }
    },
    async dispose() {
      graph?.dispose();
      layers?.dispose();
    },
  };
}
