/**
 * The demo's baseline runs. tfjs on the wasm backend uses one thread, so the baselines run in
 * child processes (`podium demo --baseline-worker <challenge>/<name>`), as many at a time as
 * there are cores; the parent alone writes to the database, recording each result as it comes
 * (the same entry `runBaseline` records: file, description, latency).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { BaselineListing } from '../baselines/run.js';

export interface BaselineWorkerResult {
  challenge: string;
  baseline: string;
  kind: string;
  submission: string;
  primaryMetric: string;
  primary: number | null;
  latency?: Record<string, unknown>;
  trained?: { epochs: number; steps: number; seconds: number; finalLoss: number };
  loadedFromCache?: boolean;
}

export interface WorkerSettings {
  seed: number;
  epochs?: number;
  maxSteps?: number;
  challengesRoot: string;
}

/** Arguments for the worker form of `podium demo`. */
export function workerArgs(b: BaselineListing, s: WorkerSettings): string[] {
  const args = ['demo', '--baseline-worker', `${b.challenge}/${b.name}`, '--seed', String(s.seed), '--challenges', s.challengesRoot];
  if (s.epochs !== undefined) args.push('--epochs', String(s.epochs));
  if (s.maxSteps !== undefined) args.push('--max-steps', String(s.maxSteps));
  return args;
}

/**
 * In the worker: run one baseline (no database) and print its result as one JSON line. A tfjs
 * baseline that exports to ONNX is then written as data/<challenge>/baselines/<name>/model.onnx
 * (checked against tfjs; it is the model track's reference) and timed in ONNX Runtime by the
 * same harness, so the board shows both runtimes' latency for the same network.
 */
export async function runBaselineWorker(spec: string, s: WorkerSettings, dataDir: string): Promise<void> {
  const [challenge, name] = spec.split('/') as [string, string];
  const { runBaseline, QUICK_LATENCY } = await import('../baselines/run.js');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const r = await runBaseline(challenge, name, {
    challengesRoot: s.challengesRoot, dataDir: path.join(dataDir, challenge), latency: 'quick', seed: s.seed,
    epochs: s.epochs, maxSteps: s.maxSteps, log,
  });
  let latency = r.latency as unknown as Record<string, unknown> | undefined;
  const { exportableBaselines, exportBaseline } = await import('../baselines/onnx-export.js');
  if (exportableBaselines(challenge).some((b) => b.name === name)) {
    try {
      const e = await exportBaseline(challenge, name, { dataDir: path.join(dataDir, challenge), latency: QUICK_LATENCY, log });
      const o = e.latency!.onnx;
      latency = { ...latency, onnx_p50_ms: o.p50_ms, onnx_p90_ms: o.p90_ms, onnx_p99_ms: o.p99_ms, onnx_vs_tfjs: e.latency!.relative, onnx_runtime: o.backend };
    } catch (err) {
      log(`ONNX export failed: ${(err as Error).message.split('\n')[0]}`); // the tfjs entry still counts
    }
  }
  const out: BaselineWorkerResult = {
    challenge, baseline: name, kind: r.kind, submission: r.submission, primaryMetric: r.primaryMetric, primary: r.primary,
    latency, trained: r.trained, loadedFromCache: r.loadedFromCache,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

const running = new Set<import('node:child_process').ChildProcess>();
let stopped = false;

/** Stops the baseline processes still running and starts no more (Ctrl-C on the demo). */
export function stopBaselines(): void {
  stopped = true;
  for (const child of running) child.kill('SIGTERM');
}

/** Runs one baseline in a child process; its log lines go to `log`, prefixed with its name. */
function runInChild(b: BaselineListing, s: WorkerSettings, log: (line: string) => void): Promise<BaselineWorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [process.argv[1]!, ...workerArgs(b, s)], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let result: BaselineWorkerResult | undefined;
    const errors: string[] = [];
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        result = JSON.parse(line) as BaselineWorkerResult;
      } catch {
        log(`  ${b.name}: ${line}`);
      }
    });
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      errors.push(line);
      if (!line.startsWith('podium:') && !line.startsWith('    at ')) log(`  ${b.name}: ${line}`);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      if (code === 0 && result) resolve(result);
      else reject(new Error(errors.filter((l) => l.startsWith('podium:') || l.startsWith('    at ')).join('\n') || `exited with code ${code}`));
    });
  });
}

/**
 * Runs the baselines `parallel` at a time (learned models first, the quick trivial ones fill in),
 * calling `record` for each result in turn, never two at once.
 */
export async function runBaselines(
  list: BaselineListing[], parallel: number, s: WorkerSettings,
  log: (line: string) => void,
  record: (b: BaselineListing, r: BaselineWorkerResult, seconds: number) => Promise<void>,
  failed: (b: BaselineListing, e: Error) => void,
): Promise<void> {
  const queue = [...list];
  let records = Promise.resolve();
  const worker = async () => {
    for (let b = queue.shift(); b && !stopped; b = queue.shift()) {
      const t0 = Date.now();
      const current = b;
      try {
        const r = await runInChild(current, s, log);
        records = records.then(() => record(current, r, (Date.now() - t0) / 1000));
      } catch (e) {
        if (!stopped) failed(current, e as Error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, queue.length)) }, worker));
  await records;
}
