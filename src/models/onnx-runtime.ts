/**
 * ONNX models through onnxruntime-node (CPU execution provider), inside the sandbox. The
 * bytes are checked first (onnx-file.ts: complete, no external data) and handed to the runtime
 * from memory, so it never resolves a path of the model's choosing. Threads are fixed:
 * `intraOpNumThreads` (1 by default), one inter-op thread, sequential execution, no spinning
 * between queries (a spinning pool would bill the next query's latency to this one's CPU).
 */
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import { costNodes, madds, probeModel } from './onnx-cost.js';
import { onnxParams, readOnnx } from './onnx-file.js';
import type { IoInfo, LoadedModel, LoadRequest } from './runtime.js';
import type { DType, HostTensor } from './tensor.js';

const require = createRequire(import.meta.url);

export function ortVersion(): string {
  try {
    return (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

function ioInfo(meta: readonly ort.InferenceSession.ValueMetadata[]): IoInfo[] {
  return meta.map((m) =>
    m.isTensor
      ? { name: m.name, dtype: m.type, dims: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : null)) }
      : { name: m.name, dtype: 'non-tensor', dims: null },
  );
}

function toOrt(t: HostTensor): ort.Tensor {
  return new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as never, t.dims);
}

function fromOrt(t: ort.Tensor): HostTensor {
  return { dtype: t.type as DType, dims: [...t.dims], data: t.data as HostTensor['data'] };
}

export async function loadOnnx(req: LoadRequest): Promise<LoadedModel> {
  const { bytes, model } = readOnnx(req.path, req.maxModelBytes);
  const session = await ort.InferenceSession.create(bytes, sessionOptions(req.threads));
  const outputs = ioInfo(session.outputMetadata);
  return {
    inputs: ioInfo(session.inputMetadata),
    outputs,
    runtime: `onnxruntime-node ${ortVersion()} (cpu, intra-op ${req.threads}, inter-op 1, sequential)`,
    async run(feeds) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(v);
      const result = await session.run(ortFeeds);
      const out: Record<string, HostTensor> = {};
      for (const [k, v] of Object.entries(result)) out[k] = fromOrt(v);
      return out;
    },
    async cost(feeds) {
      const nodes = costNodes(model);
      const params = onnxParams(model);
      if (nodes.length === 0) return { params, madds: 0 };
      const probe = await ort.InferenceSession.create(probeModel(model, nodes), { ...sessionOptions(req.threads), graphOptimizationLevel: 'disabled' });
      try {
        const ortFeeds: Record<string, ort.Tensor> = {};
        for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(v);
        const result = await probe.run(ortFeeds);
        const shapes = new Map(Object.entries(result).map(([k, v]) => [k, v.dims]));
        return { params, madds: madds(nodes, shapes) };
      } finally {
        await probe.release();
      }
    },
    async dispose() {
      await session.release();
    },
  };
}
