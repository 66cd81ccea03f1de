/**
 * Why a sandboxed run failed, in words a participant can act on. The parent knows what it did
 * itself (wall-time kill, output refusal); the rest is read from the exit status and the tail
 * of stderr (a runtime's allocation failure prints before it aborts).
 */
import os from 'node:os';

export type FailureKind = 'timeout' | 'cpu' | 'memory' | 'output' | 'syscall' | 'crash' | 'model' | 'input' | 'error';

export interface SandboxFailure {
  kind: FailureKind;
  /** One line, shown on the participant's page. */
  message: string;
}

const MEMORY_HINTS = /out of memory|bad_alloc|failed to allocate|cannot allocate|allocation failed|heap limit|ENOMEM|memory allocation/i;

export function signalName(signal: number): string {
  const entry = Object.entries(os.constants.signals).find(([, n]) => n === signal);
  return entry ? entry[0] : `signal ${signal}`;
}

/**
 * Classifies an exit the parent did not cause. `signal` is the number the child died of
 * (bubblewrap reports 128 + n as its exit code), `stderrTail` the last kept lines.
 */
export function classifyExit(code: number | null, signal: number | null, stderrTail: string, limits: { memoryMb: number; cpuSeconds: number }): SandboxFailure {
  const sig = signal ?? (code !== null && code > 128 && code < 160 ? code - 128 : null);
  const { signals } = os.constants;
  if (MEMORY_HINTS.test(stderrTail)) {
    return { kind: 'memory', message: `out of memory: the model needed more than the ${limits.memoryMb} MiB limit` };
  }
  if (sig === signals.SIGSYS) {
    return { kind: 'syscall', message: 'refused system call: the model tried something the sandbox forbids (network, ptrace, mount, module or namespace calls)' };
  }
  if (sig === signals.SIGXCPU || sig === signals.SIGKILL) {
    // SIGKILL we did not send: the RLIMIT_CPU hard limit (one second after SIGXCPU) or the kernel's OOM killer.
    return sig === signals.SIGXCPU
      ? { kind: 'cpu', message: `CPU time limit: the model used more than ${limits.cpuSeconds} s of CPU` }
      : { kind: 'cpu', message: `killed by the kernel (CPU time limit of ${limits.cpuSeconds} s, or the host ran out of memory)` };
  }
  if (sig === signals.SIGXFSZ) return { kind: 'output', message: 'file size limit: the run wrote a scratch file over its limit' };
  if (sig !== null) {
    return { kind: 'crash', message: `the runtime crashed (${signalName(sig)}) while loading or running the model` };
  }
  const last = stderrTail.trim().split('\n').pop() ?? '';
  return { kind: 'error', message: `the runner exited with code ${code}${last ? `: ${last.slice(0, 300)}` : ''}` };
}
