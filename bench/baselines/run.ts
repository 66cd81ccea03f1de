/**
 * Runs every reference baseline end to end through the CLI (`podium baseline run <challenge>
 * --json`) and prints the MobileNetV2-style table: score, latency (SingleStream p50/p90/p99,
 * Offline throughput), parameters and multiply-adds, with the machine and backend.
 *
 *   npx tsx bench/baselines/run.ts [--latency mlperf|quick] [--retrain] [--epochs N] [--seed N]
 *
 * Seed 42 by default, the README table's (the demo and a plain `podium baseline run` use 2018,
 * in their own weights folder).
 * Needs the data (`podium data make all`) and a build (`npm run build`).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flag, hasFlag } from '../lib/args.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const latency = flag('latency') ?? 'mlperf';
const extra = [...(hasFlag('retrain') ? ['--retrain'] : []), ...(flag('epochs') ? ['--epochs', flag('epochs')!] : []), '--seed', flag('seed') ?? '42'];

interface Row {
  challenge: string; baseline: string; kind: string; backend: string; primary_metric: string; primary: number | null;
  latency?: { p50_ms: number; p90_ms: number; p99_ms: number; offline_per_s: number; params: number; madds: number; queries: number };
  trained?: { epochs: number; seconds: number };
}

const rows: (Row & { wall: number })[] = [];
for (const challenge of ['inat2018-mini', 'voc2012-seg-mini', 'detection-mini', 'separation-mini']) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(repo, 'dist/cli.js'), 'baseline', 'run', challenge, '--latency', latency, '--json', ...extra], {
    encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    process.stderr.write(`${challenge}: exit ${r.status}\n${r.stderr}\n`);
    continue;
  }
  for (const row of JSON.parse(r.stdout) as Row[]) rows.push({ ...row, wall });
  process.stderr.write(`${challenge}: ${wall.toFixed(1)} s (all its baselines)\n`);
}

const cpu = os.cpus();
const fmt = (v: number | undefined, digits = 2) => (v === undefined ? '' : v.toFixed(digits));
console.log(`machine: ${cpu[0]?.model.trim()} (${cpu.length} cores); backend: ${rows[0]?.backend ?? '?'}; latency settings: ${latency}`);
console.log('| challenge | baseline | kind | score | p50 ms | p90 ms | p99 ms | offline /s | params | multiply-adds | trained |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const l = r.latency;
  console.log(`| ${r.challenge} | ${r.baseline} | ${r.kind} | ${r.primary_metric} ${fmt(r.primary ?? undefined, 4)} | ${fmt(l?.p50_ms)} | ${fmt(l?.p90_ms)} | ${fmt(l?.p99_ms)} | ${fmt(l?.offline_per_s, 1)} | ${l ? (l.params / 1e6).toFixed(3) + 'M' : ''} | ${l ? (l.madds / 1e6).toFixed(1) + 'M' : ''} | ${r.trained ? `${r.trained.epochs} ep, ${r.trained.seconds.toFixed(0)} s` : ''} |`);
}
