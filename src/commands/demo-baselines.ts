/**
 * The demo's baseline runs. tfjs on the wasm backend uses one thread, so the baselines run in
 * child processes (`podium demo --baseline-worker <challenge>/<name>[,...]`, one or several
 * baselines a process: workerJobs), as many at a time as there are cores; the parent alone
 * writes to the database, recording each result as it comes
 * (the same entry `runBaseline` records: file, description, latency).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { runsOnTfjs, type BaselineListing } from '../baselines/registry.js';
import type { DemoCache } from './demo-cache.js';
import type { ScoredFile } from '../leaderboard/scoring.js';

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
  /** The exported model.onnx (the model track's reference), when the baseline exports. */
  onnxFile?: string;
  /** The submission's leaderboard scores with intervals, so the parent records them without scoring again. */
  scored?: ScoredFile;
}

export interface WorkerSettings {
  seed: number;
  epochs?: number;
  maxSteps?: number;
  challengesRoot: string;
}

/**
 * Baselines of one challenge that run in one worker process, one after the other, because the
 * later ones reuse work of the earlier ones kept in the process: visual-l1 and hybrid-l1 track
 * the same features between the same frames (stabilization/track-memo.ts), which is most of
 * either one's time.
 */
const RUN_TOGETHER: { challenge: string; names: string[] }[] = [
  { challenge: 'motion-photos-mini', names: ['visual-l1', 'hybrid-l1'] },
];

/**
 * The demo's worker jobs, each one process: those RUN_TOGETHER (in that order, when more than
 * one of them is asked for); the quick baselines (QUICK_SECONDS or less expected) packed into
 * `parallel` jobs of about equal expected seconds, longest first within each, because a worker
 * costs ~1.2 CPU-s to start Node and load podium and tfjs before it runs anything (measured in a
 * first demo run), more than some of them take; every other baseline alone.
 */
export function workerJobs(list: BaselineListing[], parallel = 1): BaselineListing[][] {
  const jobs: BaselineListing[][] = [];
  const placed = new Set<BaselineListing>();
  for (const g of RUN_TOGETHER) {
    const job = g.names.flatMap((n) => list.filter((b) => b.challenge === g.challenge && b.name === n));
    if (job.length < 2) continue;
    jobs.push(job);
    for (const b of job) placed.add(b);
  }
  const quick = longestFirst(list.filter((b) => !placed.has(b) && expectedSeconds(b) <= QUICK_SECONDS).map((b) => [b])).map((j) => j[0]!);
  const packs: BaselineListing[][] = Array.from({ length: Math.min(Math.max(1, parallel), quick.length) }, () => []);
  for (const b of quick) {
    packs.reduce((lightest, p) => (jobSeconds(p) < jobSeconds(lightest) ? p : lightest)).push(b);
    placed.add(b);
  }
  return [...jobs, ...list.filter((b) => !placed.has(b)).map((b) => [b]), ...packs];
}

/** Arguments for the worker form of `podium demo`: `--baseline-worker <challenge>/<name>[,<challenge>/<name>...]`. */
export function workerArgs(job: BaselineListing[], s: WorkerSettings): string[] {
  const spec = job.map((b) => `${b.challenge}/${b.name}`).join(',');
  const args = ['demo', '--baseline-worker', spec, '--seed', String(s.seed), '--challenges', s.challengesRoot];
  if (s.epochs !== undefined) args.push('--epochs', String(s.epochs));
  if (s.maxSteps !== undefined) args.push('--max-steps', String(s.maxSteps));
  return args;
}

/**
 * In the worker: run the job's baselines in order (no database), printing each result as one
 * JSON line as it comes. A tfjs baseline that exports to ONNX is then written as
 * data/<challenge>/baselines/<name>/model.onnx (checked against tfjs; it is the model track's
 * reference) and timed in ONNX Runtime by the same harness, so the board shows both runtimes'
 * latency for the same network.
 */
export async function runBaselineWorker(spec: string, s: WorkerSettings, dataDir: string): Promise<void> {
  for (const item of spec.split(',')) {
    const [challenge, name] = item.split('/') as [string, string];
    await runOneInWorker(challenge, name, s, dataDir);
  }
}

async function runOneInWorker(challenge: string, name: string, s: WorkerSettings, dataDir: string): Promise<void> {
  const { runBaseline } = await import('../baselines/run.js');
  const { QUICK_LATENCY } = await import('../evaluators/latency.js');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const r = await runBaseline(challenge, name, {
    challengesRoot: s.challengesRoot, dataDir: path.join(dataDir, challenge), latency: 'quick', seed: s.seed,
    epochs: s.epochs, maxSteps: s.maxSteps, withIntervals: true, log,
  });
  let latency = r.latency as unknown as Record<string, unknown> | undefined;
  let onnxFile: string | undefined;
  // Only tfjs models export (and the export module loads tfjs): the others skip the import.
  const exporter = runsOnTfjs(challenge, name) ? await import('../baselines/onnx-export.js') : undefined;
  if (exporter && exporter.exportableBaselines(challenge).some((b) => b.name === name)) {
    const { exportBaseline, onnxLatencyRecord } = exporter;
    try {
      const e = await exportBaseline(challenge, name, { dataDir: path.join(dataDir, challenge), workDir: r.workDir, latency: QUICK_LATENCY, tfjsLatency: false, log });
      onnxFile = e.file;
      latency = { ...latency, ...onnxLatencyRecord(e.latency!) };
    } catch (err) {
      log(`ONNX export failed: ${(err as Error).message.split('\n')[0]}`); // the tfjs entry still counts
    }
  }
  const out: BaselineWorkerResult = {
    challenge, baseline: name, kind: r.kind, submission: r.submission, primaryMetric: r.primaryMetric, primary: r.primary,
    latency, trained: r.trained, loadedFromCache: r.loadedFromCache, onnxFile, scored: r.scored,
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

/**
 * Runs a job's baselines in one child process; `done` gets each result as it comes, with the
 * seconds since the previous one (or the start). Log lines go to `log`, prefixed with the
 * baseline's name. Resolves when the child ends; rejects, with the child's error, when a
 * baseline of the job gave no result (those before it have had theirs).
 */
function runInChild(
  job: BaselineListing[], s: WorkerSettings, log: (line: string) => void,
  done: (b: BaselineListing, r: BaselineWorkerResult, seconds: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // Progress as plain lines (progress.ts), since the child's stderr is a pipe, not a terminal.
    const env = { ...process.env, PODIUM_PROGRESS_LINES: '1' };
    const child = spawn(process.execPath, [process.argv[1]!, ...workerArgs(job, s)], { stdio: ['ignore', 'pipe', 'pipe'], env });
    running.add(child);
    let results = 0;
    let since = Date.now();
    const current = () => job[Math.min(results, job.length - 1)]!;
    const errors: string[] = [];
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      let r: BaselineWorkerResult;
      try {
        r = JSON.parse(line) as BaselineWorkerResult;
      } catch {
        log(`  ${current().name}: ${line}`);
        return;
      }
      const b = job[results];
      if (!b || r.challenge !== b.challenge || r.baseline !== b.name) return; // not a result line of this job
      results++;
      const now = Date.now();
      done(b, r, (now - since) / 1000);
      since = now;
    });
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      errors.push(line);
      if (!line.startsWith('podium:') && !line.startsWith('    at ')) log(`  ${current().name}: ${line}`);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      if (code === 0 && results === job.length) resolve();
      else reject(new Error(errors.filter((l) => l.startsWith('podium:') || l.startsWith('    at ')).join('\n') || `exited with code ${code}`));
    });
  });
}

/**
 * Rough seconds of each demo baseline in a first demo run (default settings, two at a time on
 * the project's 2-core machine, main at 15de494; hybrid-l1 after visual-l1 in one process), so
 * the longest start first and the two cores finish together; a baseline not listed counts as quick.
 */
const EXPECTED_SECONDS: Record<string, number> = {
  'isl-mini/unet': 90, 'detection-mini/ssdlite-mobilenet-v2': 70, 'separation-mini/audio-only-mask': 38,
  'voc2012-seg-mini/deeplab-v3plus': 37, 'inat2018-mini/mobilenet-v2': 33, 'separation-mini/audio-visual-mask': 32,
  'detection-mini/centernet-coco80': 30, 'motion-photos-mini/visual-l1': 22, 'motion-photos-mini/hybrid-l1': 5,
  'separation-mini/ideal-ratio-mask': 4, 'detection-mini/prior-box': 3, 'isl-mini/channel-mean': 3, 'isl-mini/linear-z-mean': 3,
  'motion-photos-mini/gyro-l1': 2, 'separation-mini/mixture': 2,
  'inat2018-mini/class-prior': 1, 'voc2012-seg-mini/all-background': 1, 'motion-photos-mini/identity': 1,
};
const expectedSeconds = (b: BaselineListing) => EXPECTED_SECONDS[`${b.challenge}/${b.name}`] ?? 3;
/** A job's baselines' expected seconds together. */
const jobSeconds = (job: BaselineListing[]) => job.reduce((sum, b) => sum + expectedSeconds(b), 0);
/** Baselines expected to take this long or less share worker processes (workerJobs). */
const QUICK_SECONDS = 5;

/** Jobs in the order they start: the longest (its baselines' expected seconds together) first. */
export function longestFirst(jobs: BaselineListing[][]): BaselineListing[][] {
  return [...jobs].sort((a, b) => jobSeconds(b) - jobSeconds(a)); // stable: registry order among equals
}

/** Challenges in the order their data is wanted: the one whose longest baseline is longest first. */
export function dataOrder<C extends string>(challenges: C[], list: BaselineListing[]): C[] {
  const wanted = (c: string) => Math.max(0, ...list.filter((b) => b.challenge === c).map(expectedSeconds));
  return [...challenges].sort((a, b) => wanted(b) - wanted(a));
}

/**
 * Runs the baselines `parallel` worker jobs at a time (workerJobs), longest first, each once its
 * challenges' data is made (`dataMade` resolves then:
 * the baselines start while other data sets are still being made), calling `record` for each
 * result in turn, never two at once. A free slot waits for the next longest job's data rather
 * than starting a shorter one whose data is there: the data is made in the baselines' order
 * (dataOrder), and a short one started first would hold a core the longest needs (in a measured
 * first run U-Net, its data ready after 21 s, started at 70 s behind CenterNet).
 * A baseline whose cached result still holds (demo-cache.ts) is not run again: its entry is
 * recorded from the cache. When a baseline of a job fails, the ones after it run in a job of their own.
 */
export async function runBaselines(
  list: BaselineListing[], parallel: number, s: WorkerSettings, cache: DemoCache | undefined,
  log: (line: string) => void,
  record: (b: BaselineListing, r: BaselineWorkerResult, seconds: number, reused: boolean) => Promise<void>,
  failed: (b: BaselineListing, e: Error) => void,
  dataMade: (challenge: string) => Promise<void> = async () => {},
): Promise<void> {
  const queue = longestFirst(workerJobs(list, parallel));
  let records = Promise.resolve();
  const worker = async () => {
    for (let job = queue.shift(); job && !stopped; job = queue.shift()) {
      for (const c of new Set(job.map((b) => b.challenge))) await dataMade(c);
      if (stopped) break;
      const toRun: BaselineListing[] = [];
      for (const b of job) {
        let hit: BaselineWorkerResult | undefined;
        try {
          hit = cache?.lookup(b);
        } catch (e) {
          log(`  ${b.name}: cache not read (${(e as Error).message}); running it`);
        }
        if (!hit) {
          toRun.push(b);
          continue;
        }
        const r = hit;
        records = records.then(() => record(b, r, 0, true));
      }
      if (toRun.length === 0) continue;
      let finished = 0;
      try {
        await runInChild(toRun, s, log, (b, r, seconds) => {
          finished++;
          try {
            cache?.store(b, r);
          } catch (e) {
            log(`  ${b.name}: result not cached (${(e as Error).message})`);
          }
          records = records.then(() => record(b, r, seconds, false));
        });
      } catch (e) {
        if (stopped) break;
        if (finished === toRun.length) {
          log(`  ${toRun[finished - 1]!.name}: its process ended with an error after the last result: ${(e as Error).message}`);
          continue;
        }
        failed(toRun[finished]!, e as Error);
        if (finished + 1 < toRun.length) queue.unshift(toRun.slice(finished + 1));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, queue.length)) }, worker));
  await records;
}
