/**
 * How steady is relative latency? The same entry model measured N times (default 10), each
 * time in its own sandboxed job with the reference model interleaved (src/evaluators/latency.ts
 * `interleavedSingleStream`), under whatever load this machine has. For each run: raw entry
 * p50, the reference's p50, relative latency (paired median and ratio of p50s), and the
 * harness floors (no-op callback; null ONNX model through the whole runner path).
 * Spread = max / min over the runs. Goal (issue #14): the relative spread at most a third of
 * the raw spread; harness floor at most 50 us a query.
 *
 * `--noise 0,1,2` adds controlled noise on a quiet machine: run i has that list's (i mod length)-th
 * count of busy-loop processes spinning beside it (started before the run, killed after it), so
 * the raw milliseconds move and the bench shows whether the relative figure holds still.
 *
 * `--warmup steady` (the default, as the challenges' model tracks have it: warm up until the
 * latency is steady) or a whole number of fixed warm-up queries (20 before the steady rule).
 *
 *   npx tsx bench/latency/run.ts [--runs 10] [--queries 300] [--noise 0,1,2] [--warmup steady|N]
 *
 * Needs `npm run build` (the runner runs from dist/) and Debian's python3-onnx (the models are
 * built by test/models/make_models.py: conv nets of width 16 (entry) and 24 (reference) on
 * 32x32 NHWC images).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadChallenge } from '../../src/challenges/definition.js';
import { evaluateModel } from '../../src/models/evaluate-model.js';
import { tinyClassificationChallenge } from '../../test/models/helpers.js';
import { countFlag, flag, parseCount } from '../lib/args.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runs = countFlag('runs', 10);
const queries = countFlag('queries', 300);
const warmupText = flag('warmup') ?? 'steady';
const warmup = warmupText === 'steady' ? 'steady' : parseCount('warmup', warmupText, 0);
const noise = (flag('noise') ?? '0').split(',').map((t) => {
  const n = Number(t);
  if (!Number.isInteger(n) || n < 0 || n > 16) {
    console.error(`--noise: expected comma-separated counts of busy processes (0-16), found "${t}"`);
    process.exit(2);
  }
  return n;
});

/** Background CPU load: `count` processes that spin until killed. */
function startNoise(count: number): ChildProcess[] {
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}
function stopNoise(procs: ChildProcess[]): void {
  for (const p of procs) p.kill('SIGKILL');
}

const out = path.join(repo, 'bench', 'out', 'latency');
fs.mkdirSync(out, { recursive: true });
const models = path.join(out, 'models');
fs.mkdirSync(models, { recursive: true });
execFileSync('/usr/bin/python3', [path.join(repo, 'test/models/make_models.py'), models, '32', '10']);
const ch = tinyClassificationChallenge(out, {
  reference: path.join(models, 'convnet-24.onnx'),
  latency: { warmup, min_queries: queries, min_duration_ms: 0, offline_samples: 64, offline_batch: 16, samples: 16, seed: 2018 },
});
const challenge = await loadChallenge(ch.dir, { requireTruth: true });

const rows: { p50: number; ref: number; paired: number; ratio: number; floor: number; noop: number; load: number; busy: number }[] = [];
for (let i = 0; i < runs; i++) {
  const busy = noise[i % noise.length]!;
  const procs = startNoise(busy);
  let r: Awaited<ReturnType<typeof evaluateModel>>;
  try {
    r = await evaluateModel(challenge, path.join(models, 'convnet-16.onnx'), { workDir: path.join(out, `run-${i}`) });
  } finally {
    stopNoise(procs);
  }
  const l = r.latency!;
  rows.push({
    p50: l.entry.p50_ms, ref: l.reference!.p50_ms, paired: l.relative!.paired, ratio: l.relative!.p50,
    floor: l.floor!.p50_ms, noop: l.noop_floor.p50_ms, load: os.loadavg()[0]!, busy,
  });
  const x = rows[rows.length - 1];
  console.log(`run ${i + 1}: entry p50 ${x.p50.toFixed(3)} ms, reference p50 ${x.ref.toFixed(3)} ms, relative ${x.paired.toFixed(3)} (paired) ${x.ratio.toFixed(3)} (p50s), null-model floor ${(x.floor * 1000).toFixed(1)} us, no-op ${(x.noop * 1000).toFixed(2)} us, busy processes ${x.busy}, load ${x.load.toFixed(1)}`);
}
const spread = (xs: number[]) => Math.max(...xs) / Math.min(...xs);
const raw = spread(rows.map((r) => r.p50));
const paired = spread(rows.map((r) => r.paired));
const ratio = spread(rows.map((r) => r.ratio));
const floor = Math.max(...rows.map((r) => r.floor));
console.log(`\n${runs} runs, ${queries} queries each, ${os.cpus()[0]?.model.trim()} (${os.cpus().length} cores), ${challenge.model!.threads} intra-op thread, warm-up ${warmupText}; busy processes per run cycle through ${noise.join(',')}`);
console.log(`spread (max/min): raw entry p50 ${raw.toFixed(3)}, relative (paired median) ${paired.toFixed(3)}, relative (ratio of p50s) ${ratio.toFixed(3)}`);
console.log(`excess spread (spread - 1): raw ${(raw - 1).toFixed(3)}, paired ${(paired - 1).toFixed(3)} = ${((paired - 1) / (raw - 1)).toFixed(2)} of raw; goal <= 0.33: ${(paired - 1) <= (raw - 1) / 3 ? 'met' : 'not met'}`);
console.log(`harness floor (null ONNX model, whole runner path) worst p50 ${(floor * 1000).toFixed(1)} us; goal <= 50 us: ${floor * 1000 <= 50 ? 'met' : 'not met'}`);
