/**
 * Resource limits for one sandboxed run. Enforced by the kernel where it can be (prlimit:
 * RLIMIT_DATA for memory, RLIMIT_CPU, RLIMIT_FSIZE for scratch files, RLIMIT_NOFILE) and by the
 * parent for what only it can see (wall time, bytes the child sends back).
 */
export interface SandboxLimits {
  /** Private writable memory (RLIMIT_DATA: heap, anonymous maps, wasm memory), MiB. */
  memoryMb: number;
  /** CPU time (user + system, all threads), seconds: SIGXCPU at the limit, SIGKILL one second later. */
  cpuSeconds: number;
  /** Wall-clock time from spawn to exit, seconds; the parent kills the whole sandbox at the limit. */
  wallSeconds: number;
  /** Bytes the child may send back over its result channel, MiB (a frame declaring more is refused unread). */
  outputMb: number;
  /** Largest file the child may write in its scratch folder, MiB (RLIMIT_FSIZE). */
  fileMb: number;
  /** stdout + stderr kept for the failure report, KiB each (the rest is counted and dropped). */
  logKb: number;
  /** CPU to pin the child to (taskset / sched_setaffinity); undefined = no pinning. */
  cpu?: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  memoryMb: 2048,
  cpuSeconds: 600,
  wallSeconds: 900,
  outputMb: 256,
  fileMb: 64,
  logKb: 64,
};

/** Limits from a challenge or server config (`memory_mb`, `cpu_s`, `wall_s`, `output_mb`, `file_mb`, `cpu`). */
export function limitsFromConfig(raw: Record<string, unknown> | undefined, base: SandboxLimits = DEFAULT_SANDBOX_LIMITS): SandboxLimits {
  const out = { ...base };
  if (!raw) return out;
  const keys: Record<string, keyof SandboxLimits> = {
    memory_mb: 'memoryMb', cpu_s: 'cpuSeconds', wall_s: 'wallSeconds', output_mb: 'outputMb', file_mb: 'fileMb', cpu: 'cpu',
  };
  for (const [k, v] of Object.entries(raw)) {
    const field = keys[k];
    if (!field) throw new RangeError(`unknown sandbox limit "${k}"; expected ${Object.keys(keys).join(', ')}`);
    if (field === 'cpu') {
      if (!Number.isInteger(v) || (v as number) < 0) throw new RangeError(`sandbox limit cpu must be a CPU number (0, 1, ...), got ${JSON.stringify(v)}`);
    } else if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new RangeError(`sandbox limit ${k} must be a positive number`);
    }
    out[field] = v as number;
  }
  return out;
}
