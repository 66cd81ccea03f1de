// Latency as specified (metrics.md "Latency"): percentiles by sorted[floor(n*q)], warm-up not
// counted, at least minQueries and minDurationMs, Offline throughput; and the cost of a model
// whose parameters and multiply-adds are known by hand.
import { describe, expect, it, beforeAll } from 'vitest';
import { measureLatency, offlineThroughput, percentile, singleStream, type LatencySettings } from '../../src/evaluators/latency.js';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { modelCost } from '../../src/baselines/model-cost.js';
import { AtrousDepthwiseConv2D } from '../../src/baselines/atrous-depthwise.js';
import { modelLatency } from '../../src/baselines/model-latency.js';
import { mobileNetV2, PAPER_BLOCKS, Seeds } from '../../src/baselines/mobilenet-v2.js';

/** A clock that only moves when a fake query says how long it took. */
function fakeClock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => { now += ms; } };
}

const settings = (s: Partial<LatencySettings>): LatencySettings => ({ warmup: 3, minQueries: 100, minDurationMs: 0, offlineSamples: 64, offlineBatch: 16, ...s });

describe('percentile', () => {
  it('takes sorted[floor(n * q)]', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(51);
    expect(percentile(sorted, 0.9)).toBe(91);
    expect(percentile(sorted, 0.99)).toBe(100);
    expect(percentile([7, 8, 9], 0.9)).toBe(9); // floor(2.7) = 2
    expect(percentile([4], 0.99)).toBe(4);
    expect(() => percentile([], 0.5)).toThrow();
  });
});

describe('SingleStream', () => {
  it('leaves warm-up out and stops at minQueries when that takes longer than minDurationMs', async () => {
    const clock = fakeClock();
    let calls = 0;
    // Warm-up queries take 1000 ms: counted, they would dominate p99.
    const target = { samples: 10, runOne: (i: number) => { calls++; clock.advance(calls <= 3 ? 1000 : 1 + (i % 10)); } };
    const r = await singleStream(target, settings({}), clock.now);
    expect(r.warmup).toEqual({ queries: 3, ms: 0, stop: 'fixed' });
    expect(r.latenciesMs.length).toBe(100);
    expect(calls).toBe(103);
    expect(Math.max(...r.latenciesMs)).toBe(10);
  });

  it('runs past minQueries until minDurationMs has passed', async () => {
    const clock = fakeClock();
    const target = { samples: 4, runOne: () => clock.advance(2) };
    const r = await singleStream(target, settings({ minDurationMs: 500 }), clock.now);
    expect(r.latenciesMs.length).toBe(250);
  });

  it('reports p50 / p90 / p99 of a known latency distribution', async () => {
    const clock = fakeClock();
    let q = 0;
    // Counted query k (1-based) takes k ms: 1..200, shuffled order does not matter.
    const target = {
      samples: 1, params: 1, madds: 2, backend: 'test', machine: 'test',
      runOne: () => { q++; clock.advance(q <= 3 ? 0 : q - 3); },
      runBatch: (_s: number, count: number) => clock.advance(count * 0.5),
    };
    const report = await measureLatency(target, settings({ minQueries: 200, offlineSamples: 100, offlineBatch: 10 }), clock.now);
    expect(report.queries).toBe(200);
    expect(report.p50_ms).toBe(101);
    expect(report.p90_ms).toBe(181);
    expect(report.p99_ms).toBe(199);
    expect(report.offline_per_s).toBeCloseTo(2000, 9); // 0.5 ms a sample
    expect(report).toMatchObject({ params: 1, madds: 2, backend: 'test', machine: 'test', warmup: 3, warmup_stop: 'fixed', warmup_ms: 0, offline_samples: 100, offline_batch: 10 });
  });
});

describe('Offline', () => {
  it('issues every sample once per pass in batches, cycling through the samples', async () => {
    const clock = fakeClock();
    const batches: [number, number][] = [];
    const target = { samples: 20, runBatch: (start: number, count: number) => { batches.push([start, count]); clock.advance(count); } };
    const perSecond = await offlineThroughput(target, settings({ offlineSamples: 50, offlineBatch: 16 }), clock.now);
    expect(batches[0]).toEqual([0, 16]); // warm-up batch, not timed
    expect(batches.slice(1)).toEqual([[0, 16], [16, 4], [0, 16], [16, 4], [0, 10]]);
    expect(perSecond).toBeCloseTo(1000, 9);
  });
});

describe('model cost', () => {
  beforeAll(async () => {
    await initRuntime('wasm');
  });

  function knownModel(): tf.LayersModel {
    const input = tf.input({ shape: [8, 8, 2] });
    let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor; // 8*8*3*3*2*4 = 4608 madds, 76 params
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(x) as tf.SymbolicTensor; // 4*4*9*4 = 576, 36
    x = new AtrousDepthwiseConv2D({ rate: 2, seed: 1 }).apply(x) as tf.SymbolicTensor; // 4*4*4*9 = 576, 36
    x = tf.layers.batchNormalization({}).apply(x) as tf.SymbolicTensor; // 0 madds, 16 params
    x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 10 }).apply(x) as tf.SymbolicTensor; // 64*10 = 640, 650
    return tf.model({ inputs: input, outputs: out });
  }

  it('counts parameters and multiply-adds layer by layer', () => {
    expect(modelCost(knownModel())).toEqual({ params: 76 + 36 + 36 + 16 + 650, madds: 4608 + 576 + 576 + 640 });
  });

  // MobileNetV2 paper, Table 4 / Figure 5 (224x224, 1000 classes): width 1.0 has 300M
  // multiply-adds (3.4M parameters; Keras' model has exactly 3,538,984 weights including batch
  // norm statistics), width 0.35 has 59M multiply-adds and 1.7M parameters.
  it.each([
    [1, 3_538_984, 300e6],
    [0.35, 1_691_208, 59e6],
  ])('gives the MobileNetV2 paper\'s cost at width %d', (alpha, params, madds) => {
    const input = tf.input({ shape: [224, 224, 3] });
    const backbone = mobileNetV2(input, { alpha, stemStride: 2, blocks: PAPER_BLOCKS, lastChannels: 1280 }, new Seeds(1));
    const pooled = tf.layers.globalAveragePooling2d({}).apply(backbone.output) as tf.SymbolicTensor;
    const logits = tf.layers.dense({ units: 1000 }).apply(pooled) as tf.SymbolicTensor;
    const cost = modelCost(tf.model({ inputs: input, outputs: logits }));
    expect(cost.params).toBe(params);
    expect(Math.abs(cost.madds - madds) / madds).toBeLessThan(0.01);
  });

  it('measures a real model with the configured number of queries, on the backend in use', async () => {
    const model = knownModel();
    const runtime = await initRuntime('wasm');
    const report = await modelLatency(model, { samples: 4, make: (_s, n) => tf.ones([n, 8, 8, 2]) }, settings({ minQueries: 20, offlineSamples: 8, offlineBatch: 4 }), runtime);
    expect(report.queries).toBe(20);
    expect(report.params).toBe(814);
    expect(report.madds).toBe(6400);
    expect(report.backend).toMatch(/^wasm/);
    expect(report.p50_ms).toBeLessThanOrEqual(report.p90_ms);
    expect(report.p90_ms).toBeLessThanOrEqual(report.p99_ms);
    expect(report.offline_per_s).toBeGreaterThan(0);
    expect(report.machine).toMatch(/cores/);
  });
});
