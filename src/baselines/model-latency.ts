/** Runs the latency evaluator (SingleStream, Offline) on a tfjs model with real samples. */
import * as tf from '@tensorflow/tfjs';
import { measureLatency, type LatencyReport, type LatencySettings } from '../evaluators/latency.js';
import { modelCost } from './model-cost.js';
import type { RuntimeInfo } from './runtime.js';
import { machineLabel } from './machine.js';

export interface LatencyInputs {
  /** Builds the model input for samples [start, start + count). */
  make(start: number, count: number): tf.Tensor | tf.Tensor[];
  samples: number;
}

export async function modelLatency(
  model: tf.LayersModel | { predict(x: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] },
  inputs: LatencyInputs, settings: LatencySettings, runtime: RuntimeInfo, cost?: { params: number; madds: number },
): Promise<LatencyReport> {
  const { params, madds } = cost ?? modelCost(model as tf.LayersModel);
  const single = Array.from({ length: inputs.samples }, (_, i) => inputs.make(i, 1));
  const run = async (x: tf.Tensor | tf.Tensor[]) => {
    const out = model.predict(x);
    const outs = Array.isArray(out) ? out : [out];
    await Promise.all(outs.map((t) => t.data())); // the query completes when its result is readable
    tf.dispose(outs);
  };
  try {
    return await measureLatency({
      samples: inputs.samples,
      runOne: (i) => run(single[i]),
      runBatch: async (start, count) => {
        const x = inputs.make(start, count);
        await run(x);
        tf.dispose(x);
      },
      params, madds, backend: runtime.detail, machine: machineLabel(),
    }, settings);
  } finally {
    tf.dispose(single);
  }
}
