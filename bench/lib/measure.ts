/**
 * Measures whole commands as a user runs them: wall time from process start to exit, and peak
 * resident memory (GNU time's %M). Runs alternate between commands so that background load
 * hits both alike; we report best and median.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/** Seeded PRNG for generated bench data, so every run scores the same files. */
export { mulberry32 as rng } from '../../src/random.js';

export interface Run {
  wallSeconds: number;
  /** User + system CPU seconds (all threads): less sensitive to other load than wall time. */
  cpuSeconds: number;
  peakRssMb: number;
  stdout: string;
}

/** Runs `cmd args` to exit; `env` adds to (or overrides) this process's environment. */
export function runMeasured(cmd: string, args: string[], env?: Record<string, string>): Run {
  const useTime = fs.existsSync('/usr/bin/time');
  const options = { encoding: 'utf8' as const, maxBuffer: 1 << 30, ...(env && { env: { ...process.env, ...env } }) };
  const start = process.hrtime.bigint();
  const r = useTime ? spawnSync('/usr/bin/time', ['-f', '__PEAK_KB__=%M __CPU__=%U+%S', cmd, ...args], options) : spawnSync(cmd, args, options);
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const kb = /__PEAK_KB__=(\d+)/.exec(r.stderr ?? '');
  const cpu = /__CPU__=([\d.]+)\+([\d.]+)/.exec(r.stderr ?? '');
  return {
    wallSeconds,
    cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN,
    peakRssMb: kb ? Number(kb[1]) / 1024 : NaN,
    stdout: r.stdout,
  };
}

export interface Summary {
  best: number;
  median: number;
  /** Median CPU seconds. */
  cpu: number;
  peakRssMb: number;
  runs: number;
}

/** The median; of an even count, the mean of the two middle values. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(runs: Run[]): Summary {
  const t = runs.map((r) => r.wallSeconds);
  return {
    best: Math.min(...t),
    median: median(t),
    cpu: median(runs.map((r) => r.cpuSeconds)),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    runs: runs.length,
  };
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

