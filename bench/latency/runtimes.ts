/**
 * Why do the separate p50s and the interleaved ratio of a baseline's two runtimes disagree?
 * (`podium baseline export --latency`: DeepLab-v3+ tfjs-wasm 6.86 ms and ONNX Runtime 1.97 ms
 * separately, a ratio of 0.29, but 0.093 interleaved.) The same network and samples, in one
 * process, timed in these phases, each SingleStream after its warm-up:
 *   1. tfjs alone                2. ONNX Runtime alone
 *   3. interleaved as the harness does (evaluators/latency.ts: blocks of 8 queries, each block
 *      after one untimed query, AB/BA): each side's p50, the ratio of p50s, the paired median
 *   4. tfjs alone again          5. ONNX Runtime alone again
 *   6. interleaved query by query (AB/BA), as the harness did before blocks
 *   7. query by query, each timed query after one untimed query of the same model
 * so a side that is slower interleaved than alone shows which one the interleaving changes.
 * `--curve N` prints how each model's latency falls over its first N queries instead.
 * `--warmup steady` (the default) warms each phase up as MLPerf settings now do, until the
 * latency stops falling (evaluators/steady-warmup.ts); `--warmup fixed` runs 10 queries only, as
 * before. Each phase prints the warm-up it had.
 * Run it as `MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456 npx tsx ...` to
 * time with the allocator settings podium's timing processes use (src/steady-allocator.ts).
 *
 *   npx tsx bench/latency/runtimes.ts [--challenge voc2012-seg-mini] [--baseline deeplab-v3plus] [--queries 300] [--warmup steady|fixed] [--curve N]
 *
 * Needs the baseline's trained weights under data/ (`podium baseline run`).
 */
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { encodeSource, exportSource } from '../../src/baselines/onnx-export.js';
import { initRuntime } from '../../src/baselines/runtime.js';
import { interleavedSingleStream, percentile, singleStream, type LatencySettings } from '../../src/evaluators/latency.js';
import { loadOnnx } from '../../src/models/onnx-runtime.js';
import type { HostTensor } from '../../src/models/tensor.js';
import { STEADY_WARMUP, type WarmupUsed } from '../../src/evaluators/steady-warmup.js';
import { mulberry32 } from '../../src/random.js';
import { dataRoot } from '../../src/paths.js';
import { countFlag, flag, numberFlag } from '../lib/args.js';

const challenge = flag('challenge') ?? 'voc2012-seg-mini';
const baseline = flag('baseline') ?? 'deeplab-v3plus';
const queries = countFlag('queries', 300);
const warmup = flag('warmup') ?? 'steady';
if (warmup !== 'steady' && warmup !== 'fixed') throw new Error('--warmup must be steady or fixed');
const settings: LatencySettings = {
  warmup: 10, steadyWarmup: warmup === 'steady' ? STEADY_WARMUP : undefined, minQueries: queries, minDurationMs: 0, offlineSamples: 0, offlineBatch: 1,
};
const warmed = (w: WarmupUsed) => `after ${w.queries} warm-up queries (${w.stop}${w.stop === 'fixed' ? '' : `, ${(w.ms / 1000).toFixed(2)} s`})`;

const runtime = await initRuntime('wasm');
const src = await exportSource(challenge, baseline, path.join(dataRoot(), challenge));
const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'podium-runtimes-')), 'network.onnx');
fs.writeFileSync(file, encodeSource(src, 'bench', true));
const onnxModel = await loadOnnx({ format: 'onnx', path: file, threads: 1, maxModelBytes: Number.MAX_SAFE_INTEGER });
const samples = Math.min(32, src.count);
const tfInputs = Array.from({ length: samples }, (_, i) => src.input(i));
const feeds = tfInputs.map((xs) => {
  const f: Record<string, HostTensor> = {};
  xs.forEach((x, k) => (f[src.model.inputNames[k]] = { dtype: 'float32', dims: [...x.shape], data: x.dataSync() as Float32Array }));
  return f;
});
const runOnnx = async (i: number) => void (await onnxModel.run(feeds[i]));
const runTfjs = async (i: number) => {
  const out = src.model.predict(tfInputs[i].length === 1 ? tfInputs[i][0] : tfInputs[i]);
  const outs = Array.isArray(out) ? out : [out];
  await Promise.all(outs.map((t) => t.data()));
  tf.dispose(outs);
};
const cleanUp = async () => {
  await onnxModel.dispose();
  tf.dispose(tfInputs.flat());
  src.model.dispose();
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
};
const p50 = (ms: number[]) => percentile([...ms].sort((a, b) => a - b), 0.5);
const alone = async (label: string, runOne: (i: number) => Promise<void>) => {
  const r = await singleStream({ samples, runOne }, settings);
  console.log(`${label.padEnd(60)} p50 ${p50(r.latenciesMs).toFixed(3)} ms ${warmed(r.warmup)}`);
  return p50(r.latenciesMs);
};

console.log(`${challenge} / ${baseline}: ${samples} samples, ${queries} timed queries a phase, ${warmup} warm-up; ${runtime.detail}; ${onnxModel.runtime}`);
console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
// `--curve N`: instead of the phases, N queries of each model from a cold start (tfjs first, as
// the export runs them), printed as the median of each block of 25 and the time since the
// model's first query: how long the warm-up lasts, in queries and in seconds.
const curve = numberFlag('curve', 0);
if (curve > 0) {
  for (const [label, run] of [['tfjs', runTfjs], ['ONNX Runtime', runOnnx]] as const) {
    const start = performance.now();
    const rows: string[] = [];
    for (let q = 0; q < curve; q += 25) {
      const ms: number[] = [];
      for (let i = q; i < Math.min(curve, q + 25); i++) {
        const t0 = performance.now();
        await run(i % samples);
        ms.push(performance.now() - t0);
      }
      rows.push(`${q}-${q + ms.length - 1} @${((performance.now() - start) / 1000).toFixed(1)}s ${p50(ms).toFixed(3)}`);
    }
    console.log(`${label}, median ms of each 25 queries from a cold start:\n  ${rows.join('\n  ')}`);
  }
  await cleanUp();
  process.exit(0);
}
const t1 = await alone('1. tfjs alone', runTfjs);
const o1 = await alone('2. ONNX Runtime alone', runOnnx);
const r = await interleavedSingleStream({ samples, runOne: runOnnx }, { samples, runOne: runTfjs }, settings, mulberry32(2018));
console.log(`${'3. interleaved in blocks (the harness): ONNX Runtime'.padEnd(60)} p50 ${p50(r.entryMs).toFixed(3)} ms ${warmed(r.entryWarmup)}`);
console.log(`${'   tfjs'.padEnd(60)} p50 ${p50(r.referenceMs).toFixed(3)} ms ${warmed(r.referenceWarmup)}`);
console.log(`   ratio of p50s ${r.p50Ratio.toFixed(3)}, paired median ${r.pairedRatio.toFixed(3)} (separate p50s: ${(o1 / t1).toFixed(3)})`);
const t2 = await alone('4. tfjs alone again', runTfjs);
const o2 = await alone('5. ONNX Runtime alone again', runOnnx);
// 6. The interleaving before blocks (query by query, AB/BA), and 7. query by query with one
// untimed query of the same model before each timed one.
for (const untimed of [false, true]) {
  const o: number[] = [];
  const t: number[] = [];
  const ratios: number[] = [];
  const time = async (run: (i: number) => Promise<void>, i: number) => {
    if (untimed) await run(i);
    const t0 = performance.now();
    await run(i);
    return performance.now() - t0;
  };
  for (let q = 0; o.length < queries; q++) {
    const i = q % samples;
    const [a, b] = q % 2 === 0 ? [await time(runOnnx, i), await time(runTfjs, i)] : (([y, x]) => [x, y])([await time(runTfjs, i), await time(runOnnx, i)]);
    o.push(a);
    t.push(b);
    ratios.push(a / b);
  }
  const label = untimed ? '7. query by query, each after an untimed one' : '6. query by query (before blocks)';
  console.log(`${`${label}: ONNX Runtime`.padEnd(60)} p50 ${p50(o).toFixed(3)} ms`);
  console.log(`${'   tfjs'.padEnd(60)} p50 ${p50(t).toFixed(3)} ms`);
  console.log(`   ratio of p50s ${(p50(o) / p50(t)).toFixed(3)}, paired median ${p50(ratios).toFixed(3)}`);
}
console.log(`separate ratio before/after: ${(o1 / t1).toFixed(3)} / ${(o2 / t2).toFixed(3)}`);
console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
await cleanUp();
