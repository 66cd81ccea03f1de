/** What the runner needs from a model runtime (ONNX Runtime, TensorFlow.js): load, describe, run. */
import type { DType, HostTensor } from './tensor.js';

export interface IoInfo {
  name: string;
  dtype: DType | string;
  /** null for a dynamic dimension. */
  dims: (number | null)[] | null;
}

export interface LoadedModel {
  inputs: IoInfo[];
  outputs: IoInfo[];
  /** e.g. "onnxruntime-node 1.30.0 (cpu, intra-op 1, inter-op 1, sequential)". */
  runtime: string;
  run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>>;
  /** Parameters and multiply-adds of one inference, read from the graph (one sample fed). */
  cost(feeds: Record<string, HostTensor>): Promise<{ params: number; madds: number }>;
  dispose(): Promise<void>;
}

export interface LoadRequest {
  format: 'onnx' | 'tfjs';
  /** The .onnx file or the model.json. */
  path: string;
  /** Intra-op threads (1 by default, as MLPerf mobile runs). */
  threads: number;
  maxModelBytes: number;
}
