/**
 * glibc malloc settings for a process that times models. By default glibc hands freed memory
 * back to the kernel: a free block at the top of the heap beyond the trim threshold is
 * trimmed, and a block above the mmap threshold is unmapped; both thresholds move as the
 * process runs. A model's output buffer (DeepLab-v3+ mini's scores are 344 KB) freed after
 * every query can then be returned and faulted back in by the next one: measured, ONNX Runtime
 * on that network took 13-15k minor page faults and 0.4 ms of system time per 200 queries
 * for a p50 of 1.6 ms, against 0.27 ms in the same process when the heap happened to keep the
 * block (bench/latency/README.md, "Separate p50s against the interleaved ratio"). Whether a
 * run pays depends on the heap's layout at the time, not on the model. Fixed thresholds
 * (a 32 MB mmap threshold, glibc's largest; a 256 MB trim threshold) keep freed blocks in the
 * process, so every query finds its memory mapped. glibc reads them at process start, so a
 * timing process gets them in its environment: the sandboxed runner at its spawn, and the
 * CLI's timing commands by running themselves again once with them.
 */
import { spawnSync } from 'node:child_process';

export const STEADY_ALLOCATOR_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(256 * 1024 * 1024),
};

/** How the allocator of this process is set, as stored with latency figures. */
export function allocatorDescription(env: NodeJS.ProcessEnv = process.env): string {
  return hasSteadyAllocator(env)
    ? `glibc malloc, mmap threshold ${STEADY_ALLOCATOR_ENV.MALLOC_MMAP_THRESHOLD_} B, trim threshold ${STEADY_ALLOCATOR_ENV.MALLOC_TRIM_THRESHOLD_} B`
    : 'glibc malloc, default (moving) thresholds';
}

export function hasSteadyAllocator(env: NodeJS.ProcessEnv = process.env): boolean {
  return Object.entries(STEADY_ALLOCATOR_ENV).every(([k, v]) => env[k] === v);
}

/** Runs this command again with the settings, output passed through; its exit code. */
export function rerunWithSteadyAllocator(): number {
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit', env: { ...process.env, ...STEADY_ALLOCATOR_ENV },
  });
  if (r.error) throw r.error;
  return r.status ?? 1;
}
