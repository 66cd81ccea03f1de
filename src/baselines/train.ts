/**
 * The training loop every learned baseline shares: seeded shuffling, mini-batches built on
 * demand (whole data sets never sit in tensors at once), Adam (fused-adam.ts: tfjs' update in
 * one kernel a variable), a progress bar, and the mean loss per epoch. Deterministic for a
 * seed on one backend: initialisers are seeded (Seeds), shuffling uses its own generator,
 * nothing reads Math.random.
 */
import * as tf from '@tensorflow/tfjs';
import { progress } from '../progress.js';
import { adam } from './fused-adam.js';
import { mulberry32 } from '../random.js';


export function shuffled(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

export interface Batch {
  inputs: tf.Tensor | tf.Tensor[];
  targets: tf.Tensor | tf.Tensor[];
}

export interface TrainSpec {
  label: string;
  model: tf.LayersModel;
  samples: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Stop after this many optimiser steps in total (tests use 1). */
  maxSteps?: number;
  makeBatch(indices: number[]): Batch;
  /** Scalar loss of a batch's predictions. */
  loss(predictions: tf.Tensor | tf.Tensor[], targets: tf.Tensor | tf.Tensor[]): tf.Scalar;
}

export interface TrainResult {
  steps: number;
  epochLosses: number[];
  seconds: number;
}

export async function train(spec: TrainSpec): Promise<TrainResult> {
  const random = mulberry32(spec.seed);
  const optimizer = adam(spec.learningRate);
  const stepsPerEpoch = Math.ceil(spec.samples / spec.batchSize);
  const totalSteps = Math.min(spec.maxSteps ?? Infinity, stepsPerEpoch * spec.epochs);
  const bar = progress(`train ${spec.label}`, totalSteps);
  const epochLosses: number[] = [];
  const t0 = performance.now();
  let steps = 0;
  try {
    for (let epoch = 0; epoch < spec.epochs && steps < totalSteps; epoch++) {
      const order = shuffled(spec.samples, random);
      let sum = 0;
      let count = 0;
      for (let start = 0; start < order.length && steps < totalSteps; start += spec.batchSize) {
        const batch = spec.makeBatch(order.slice(start, start + spec.batchSize));
        const loss = optimizer.minimize(() => spec.loss(spec.model.apply(batch.inputs, { training: true }) as tf.Tensor | tf.Tensor[], batch.targets), true);
        sum += (await loss!.data())[0];
        count++;
        tf.dispose([loss!, batch.inputs, batch.targets]);
        steps++;
        bar.tick();
      }
      epochLosses.push(sum / Math.max(1, count));
    }
  } finally {
    bar.stop();
    optimizer.dispose();
  }
  return { steps, epochLosses, seconds: (performance.now() - t0) / 1000 };
}

/** Runs a model over samples in batches; `consume` receives each batch's outputs (disposed after). */
export async function predictInBatches(
  label: string, model: tf.LayersModel, samples: number, batchSize: number,
  makeInputs: (indices: number[]) => tf.Tensor | tf.Tensor[],
  consume: (indices: number[], outputs: tf.Tensor[]) => Promise<void> | void,
): Promise<void> {
  const bar = progress(`predict ${label}`, samples);
  try {
    for (let start = 0; start < samples; start += batchSize) {
      const indices = Array.from({ length: Math.min(batchSize, samples - start) }, (_, i) => start + i);
      const inputs = makeInputs(indices);
      const out = model.predict(inputs) as tf.Tensor | tf.Tensor[];
      const outputs = Array.isArray(out) ? out : [out];
      await consume(indices, outputs);
      tf.dispose([inputs, ...outputs]);
      bar.tick(indices.length);
    }
  } finally {
    bar.stop();
  }
}
