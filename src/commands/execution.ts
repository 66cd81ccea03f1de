/**
 * How the command line runs scoring: threads from PODIUM_THREADS (default: every core), a
 * progress bar on a terminal (quiet in CI and when piped), Ctrl-C cancels. The only place the
 * command line turns environment into an execution policy; tasks never read it.
 */
import os from 'node:os';
import type { ExecutionPolicy } from '../scoring/produce.js';

export function threadsFromEnvironment(): number {
  const fromEnv = Number(process.env.PODIUM_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** The policy for one command, and `done()` to stop its progress bar and signal handler. */
export async function commandPolicy(label: string): Promise<{ policy: ExecutionPolicy; done(): void }> {
  const abort = new AbortController();
  const onSigint = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  let bar: { tick(n?: number): void; stop(): void } | undefined;
  let shown = 0;
  const showBar = !!process.stderr.isTTY && !process.env.CI;
  const { progress } = showBar ? await import('../progress.js') : { progress: undefined };
  const policy: ExecutionPolicy = {
    threads: threadsFromEnvironment(),
    signal: abort.signal,
    onProgress: progress
      ? (done, total) => {
          if (total < 200) return;
          bar ??= progress(label, total);
          bar.tick(done - shown);
          shown = done;
        }
      : undefined,
  };
  return {
    policy,
    done() {
      bar?.stop();
      process.removeListener('SIGINT', onSigint);
    },
  };
}
