/**
 * One streaming pass over the truth images: load truth and predicted mask, check them, count
 * pixels into confusion matrices (all, public, private).
 *
 * A small window of images is in flight at once, in truth order, so memory is the window times
 * the largest mask, never the data set. Two ways to use the cores:
 * - worker threads (PNG submissions with enough images, one a spare core): the main thread
 *   reads bytes and hands pairs to the workers, which decode both PNGs and count them; when the
 *   workers have enough queued, the main thread decodes and counts the next pair itself;
 * - in-process (small sets, RLE CSV, one core, or PODIUM_WORKERS=0): everything on the main
 *   thread, masks decoded synchronously.
 * Problems are gathered per image and reported in truth order either way.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { addCounts, type ConfusionState } from '../../evaluators/segmentation.js';
import type { Problem, ProblemList } from '../../problems.js';
import type { Progress } from '../../progress.js';
import type { CountJob, CountResult } from './count-worker.js';
import { decodeMask, type LabelMask } from './masks.js';
import { countPair } from './pair.js';
import type { MaskBytes, Submission } from './submission.js';
import { USAGE_IGNORED, USAGE_PRIVATE, USAGE_PUBLIC, type SegmentationTruth } from './truth.js';

export interface ScanResult {
  /** All non-ignored images, public, private. */
  states: [ConfusionState, ConfusionState, ConfusionState];
  /** Per truth image, its classes x classes counts (only when asked for, for resampling). */
  perImage?: (Uint32Array | undefined)[];
  /** Images counted (not ignored, without problems). */
  images: number;
}

/** What scoring one image gave: its counts (absent when it has problems) and its problems. */
interface Outcome {
  counts?: Uint32Array;
  problems: Problem[];
}

/** Images read ahead of the one being counted: enough to keep every core busy. */
const WINDOW = 16;
/** Jobs queued for each worker before the main thread counts an image itself. */
const JOBS_PER_WORKER = 4;
/** Below this many images, starting worker threads costs more than it saves. */
const MIN_IMAGES_FOR_WORKERS = 100;

/**
 * Worker threads to use: PODIUM_WORKERS if set (0 = none), else one a core besides the main
 * thread's (which counts images too), up to 3.
 */
export function workerCount(images: number): number {
  const forced = process.env.PODIUM_WORKERS;
  if (forced !== undefined && /^\d+$/.test(forced)) return Number(forced);
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return images >= MIN_IMAGES_FOR_WORKERS && cores > 1 ? Math.min(cores - 1, 3) : 0;
}

export async function scanMasks(
  truth: SegmentationTruth,
  submission: Submission,
  classes: number,
  problems: ProblemList,
  opts: { perImage?: boolean } = {},
): Promise<ScanResult> {
  const create = (): ConfusionState => ({ classes, matrix: new Float64Array(classes * classes) });
  const states: ScanResult['states'] = [create(), create(), create()];
  const perImage: (Uint32Array | undefined)[] | undefined = opts.perImage ? new Array(truth.ids.length) : undefined;
  let images = 0;

  const readTruth = (i: number, sink: Problem[]): MaskBytes | undefined => {
    const id = truth.ids[i]!;
    const file = `${truth.maskLabel}/${id}.png`;
    try {
      // Masks are a few KB: a synchronous read is cheaper than the promise machinery.
      return { bytes: fs.readFileSync(path.join(truth.maskDir, `${id}.png`)), file };
    } catch {
      sink.push({ file, message: 'cannot read the truth mask' });
      return undefined;
    }
  };

  const workers = submission.needsSize ? 0 : workerCount(truth.ids.length);
  const pool = workers > 0 ? new CountPool(workers) : undefined;

  /** Loads, checks and counts image i, on a worker or here. */
  const score = async (i: number): Promise<Outcome> => {
    const found: Problem[] = [];
    const sink = { add: (p: Problem) => void found.push(p) };
    const truthBytes = readTruth(i, found);
    const id = truth.ids[i]!;
    let t: LabelMask | undefined;
    let p: LabelMask | undefined;
    if (submission.needsSize) {
      t = truthBytes && decodeMask(truthBytes.bytes, truthBytes.file, sink);
      p = t && (await submission.load(id, sink, t.width, t.height));
    } else {
      const predicted = await submission.bytes(id, sink);
      if (pool && truthBytes && predicted && pool.outstanding < pool.size * JOBS_PER_WORKER) {
        const result = await pool.run({ index: i, classes, truth: truthBytes, prediction: predicted });
        return { counts: result.counts, problems: [...found, ...result.problems] };
      }
      // Here: no workers, or they have enough queued (the main thread would otherwise sit idle,
      // and this covers their start-up). Synchronous decoding: a thread-pool round trip per
      // mask costs more than it saves.
      t = truthBytes && decodeMask(truthBytes.bytes, truthBytes.file, sink);
      p = predicted && t && decodeMask(predicted.bytes, predicted.file, sink, t);
    }
    if (!t || !p) return { problems: found };
    const counts = new Uint32Array(classes * classes);
    return countPair(t, p, classes, counts, sink) ? { counts, problems: found } : { problems: found };
  };

  const record = (i: number, outcome: Outcome): void => {
    for (const p of outcome.problems) problems.add(p);
    const counts = outcome.counts;
    if (!counts) return;
    if (perImage) perImage[i] = counts;
    const usage = truth.usage[i]!;
    if (usage === USAGE_IGNORED) return;
    images++;
    addCounts(states[0], counts);
    if (usage === USAGE_PUBLIC) addCounts(states[1], counts);
    else if (usage === USAGE_PRIVATE) addCounts(states[2], counts);
  };

  const bar = await startProgress(truth.ids.length);
  const inFlight: Promise<Outcome>[] = [];
  let next = 0;
  try {
    for (let i = 0; i < truth.ids.length; i++) {
      while (next < truth.ids.length && next < i + WINDOW) inFlight.push(score(next++));
      record(i, await inFlight.shift()!);
      bar.tick();
    }
  } finally {
    // On a thrown error, let the work already started settle before the caller moves on.
    await Promise.allSettled(inFlight);
    bar.stop();
    await pool?.close();
  }
  return { states, perImage, images };
}

/**
 * Worker threads running count-worker. Jobs go round-robin and are sent in batches: all jobs
 * queued during one turn of the event loop leave together, and their results come back together.
 */
class CountPool {
  private readonly workers: Worker[];
  private readonly queues: CountJob[][];
  private readonly pending = new Map<number, { resolve(r: CountResult): void; reject(e: unknown): void }>();
  private flushScheduled = false;

  get size(): number {
    return this.workers.length;
  }

  /** Jobs sent or queued and not answered yet. */
  get outstanding(): number {
    return this.pending.size;
  }

  constructor(size: number) {
    this.queues = Array.from({ length: size }, () => []);
    this.workers = Array.from({ length: size }, () => {
      const worker = startWorker();
      worker.on('message', (results: CountResult[]) => {
        for (const r of results) {
          const job = this.pending.get(r.index);
          this.pending.delete(r.index);
          job?.resolve(r);
        }
      });
      worker.on('error', (e) => this.failAll(e));
      worker.on('exit', (code) => {
        if (code !== 0) this.failAll(new Error(`segmentation count worker exited with code ${code}`));
      });
      return worker;
    });
  }

  run(job: CountJob): Promise<CountResult> {
    return new Promise((resolve, reject) => {
      this.pending.set(job.index, { resolve, reject });
      this.queues[job.index % this.queues.length]!.push(job);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    this.queues.forEach((queue, w) => {
      if (queue.length > 0) this.workers[w]!.postMessage(queue.splice(0));
    });
  }

  private failAll(e: unknown): void {
    for (const job of this.pending.values()) job.reject(e);
    this.pending.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Starts count-worker; from TypeScript sources (the test runner) it loads through tsx. */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./count-worker.js', here));
  const tsxApi = pathToFileURL(createRequire(here).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const source = new URL('./count-worker.ts', here).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${JSON.stringify(source)}, ${JSON.stringify(here)}))`, { eval: true });
}

/** A progress bar on a terminal only; cli-progress is not even loaded otherwise. */
async function startProgress(total: number): Promise<Progress> {
  if (!process.stderr.isTTY || process.env.CI || total < 200) return { tick() {}, stop() {} };
  const { progress } = await import('../../progress.js');
  return progress('scoring masks', total);
}
