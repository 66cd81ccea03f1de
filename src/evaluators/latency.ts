import { STEADY_WARMUP, warmupSettled, type SteadyWarmupRule, type WarmupStop, type WarmupUsed } from './steady-warmup.js';

/**
 * Latency as the MobileNetV2 tables report it, measured the way MLPerf Inference's LoadGen
 * scenarios define it (MLPerf Inference rules, "SingleStream" and "Offline"):
 *
 * - SingleStream: one sample per query, the next query issued when the previous completes;
 *   warm-up queries first, not counted (a fixed count, then with `steadyWarmup` blocks until the
 *   latency stops falling: evaluators/steady-warmup.ts); then at least `minQueries` queries AND at least
 *   `minDurationMs`, whichever takes longer. Reported: p50, p90 (the headline) and p99, where
 *   the q-th percentile of n sorted latencies is `sorted[floor(n * q)]` (LoadGen's rule).
 * - Offline: all samples issued at once in batches; throughput = samples / wall time.
 * - Beside them, as the MobileNetV2 tables do: parameters and multiply-adds of one inference,
 *   and the machine and backend the figure came from.
 *
 * Pure: the model is a callback and the clock is injectable, so tests can drive it with a
 * model of known cost and a fake clock; no files, no tfjs.
 */

export interface LatencyReport {
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  offline_per_s: number;
  params: number;
  madds: number;
  backend: string;
  machine: string;
  /** Counted SingleStream queries (warm-up excluded), and the warm-up queries actually run. */
  queries: number;
  warmup: number;
  /** Why the warm-up ended ('fixed': the fixed count only) and its adaptive part's wall time. */
  warmup_stop: WarmupStop;
  warmup_ms: number;
  /** Samples in the Offline run and its batch size. */
  offline_samples: number;
  offline_batch: number;
}

export interface LatencySettings {
  /** Fixed warm-up queries; with `steadyWarmup`, the adaptive warm-up follows them. */
  warmup: number;
  steadyWarmup?: SteadyWarmupRule;
  minQueries: number;
  minDurationMs: number;
  offlineSamples: number;
  offlineBatch: number;
}

/** MLPerf's SingleStream minimums, after a warm-up that lasts until the latency is steady. */
export const MLPERF_SETTINGS: LatencySettings = {
  warmup: 10, steadyWarmup: STEADY_WARMUP, minQueries: 100, minDurationMs: 10_000, offlineSamples: 256, offlineBatch: 32,
};

/** A look, not a figure (the demo, `--latency quick`): 5 warm-up queries, no steady rule, 100 timed, no 10 s minimum. */
export const QUICK_LATENCY: LatencySettings = { warmup: 5, minQueries: 100, minDurationMs: 0, offlineSamples: 64, offlineBatch: 32 };

export interface LatencyTarget {
  /** Runs one query of one sample; resolves when its result is available. */
  runOne(sampleIndex: number): Promise<void> | void;
  /** Runs one batch of samples [start, start + count); resolves when all results are available. */
  runBatch(start: number, count: number): Promise<void> | void;
  /** Distinct samples available (queries cycle through them). */
  samples: number;
  params: number;
  madds: number;
  backend: string;
  machine: string;
}

export type Clock = () => number;

const realClock: Clock = () => performance.now();

/** `sorted[floor(n * q)]` (clamped to the last element), as LoadGen reports percentiles. */
export function percentile(sortedMs: readonly number[], q: number): number {
  if (sortedMs.length === 0) throw new RangeError('percentile of no latencies');
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor(sortedMs.length * q))];
}

export interface SingleStreamResult {
  /** Per-query latencies in ms, in issue order (warm-up excluded). */
  latenciesMs: number[];
  warmup: WarmupUsed;
}

/**
 * The warm-up: `fixed` untimed queries, then, with a rule, blocks of at least `rule.block`
 * queries and `rule.blockMs` until
 * `warmupSettled` or a cap (evaluators/steady-warmup.ts). `next` gives each query's sample, so
 * the warm-up cycles through the samples as the timed run does.
 */
export async function warmUp(
  runOne: (sampleIndex: number) => Promise<void> | void, next: () => number, fixed: number,
  rule: SteadyWarmupRule | undefined, clock: Clock = realClock,
): Promise<WarmupUsed> {
  for (let i = 0; i < fixed; i++) await runOne(next());
  if (!rule) return { queries: fixed, ms: 0, stop: 'fixed' };
  if (!(rule.block >= 1 && rule.patience >= 1 && rule.blockMs >= 0 && rule.tolerance >= 0 && rule.maxQueries >= 0 && rule.maxMs >= 0)) {
    throw new RangeError(`steady warm-up: block and patience must be at least 1, blockMs, tolerance and caps at least 0 (got ${JSON.stringify(rule)})`);
  }
  const medians: number[] = [];
  const start = clock();
  let queries = 0;
  const used = (stop: WarmupStop): WarmupUsed => ({ queries: fixed + queries, ms: clock() - start, stop });
  for (;;) {
    if (queries + rule.block > rule.maxQueries) return used('query cap');
    if (clock() - start >= rule.maxMs) return used('time cap');
    const ms: number[] = [];
    const blockStart = clock();
    while (ms.length < rule.block || (clock() - blockStart < rule.blockMs && queries + ms.length < rule.maxQueries)) {
      const t0 = clock();
      await runOne(next());
      ms.push(clock() - t0);
    }
    queries += ms.length;
    medians.push(median(ms.sort((a, b) => a - b)));
    if (warmupSettled(medians, rule)) return used('steady');
  }
}

/** Sample indices 0, 1, ..., samples - 1, 0, 1, ...: queries cycle through the samples. */
function cyclingSamples(samples: number): () => number {
  let i = 0;
  return () => {
    const s = i;
    i = (i + 1) % samples;
    return s;
  };
}

export async function singleStream(
  target: Pick<LatencyTarget, 'runOne' | 'samples'>, settings: LatencySettings, clock: Clock = realClock,
): Promise<SingleStreamResult> {
  const next = cyclingSamples(target.samples);
  const warmup = await warmUp(target.runOne, next, settings.warmup, settings.steadyWarmup, clock);
  const latenciesMs: number[] = [];
  const start = clock();
  while (latenciesMs.length < settings.minQueries || clock() - start < settings.minDurationMs) {
    const t0 = clock();
    await target.runOne(next());
    latenciesMs.push(clock() - t0);
  }
  return { latenciesMs, warmup };
}

/** Samples per second over `offlineSamples` samples issued in batches of `offlineBatch`. */
export async function offlineThroughput(
  target: Pick<LatencyTarget, 'runBatch' | 'samples'>, settings: LatencySettings, clock: Clock = realClock,
): Promise<number> {
  const total = settings.offlineSamples;
  await target.runBatch(0, Math.min(settings.offlineBatch, target.samples)); // warm-up for the batch shape
  const t0 = clock();
  for (let done = 0; done < total; ) {
    const start = done % target.samples; // cycle through the samples, a batch never wraps
    const count = Math.min(settings.offlineBatch, total - done, target.samples - start);
    await target.runBatch(start, count);
    done += count;
  }
  const seconds = (clock() - t0) / 1000;
  return seconds > 0 ? total / seconds : Infinity;
}

export async function measureLatency(target: LatencyTarget, settings: LatencySettings = MLPERF_SETTINGS, clock: Clock = realClock): Promise<LatencyReport> {
  const { latenciesMs, warmup } = await singleStream(target, settings, clock);
  const offline = await offlineThroughput(target, settings, clock);
  return summarize(latenciesMs, warmup, offline, target, settings);
}

export function summarize(
  latenciesMs: readonly number[], warmup: WarmupUsed, offlinePerSecond: number,
  target: Pick<LatencyTarget, 'params' | 'madds' | 'backend' | 'machine'>, settings: LatencySettings,
): LatencyReport {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    p50_ms: percentile(sorted, 0.5),
    p90_ms: percentile(sorted, 0.9),
    p99_ms: percentile(sorted, 0.99),
    offline_per_s: offlinePerSecond,
    params: target.params,
    madds: target.madds,
    backend: target.backend,
    machine: target.machine,
    queries: sorted.length,
    warmup: warmup.queries,
    warmup_stop: warmup.stop,
    warmup_ms: warmup.ms,
    offline_samples: settings.offlineSamples,
    offline_batch: settings.offlineBatch,
  };
}

/** The warm-up a report records (summarize flattens it into `warmup`, `warmup_stop`, `warmup_ms`). */
export function warmupOf(r: Pick<LatencyReport, 'warmup' | 'warmup_stop' | 'warmup_ms'>): WarmupUsed {
  return { queries: r.warmup, stop: r.warmup_stop, ms: r.warmup_ms };
}

/**
 * SingleStream for an entry and a reference in the same job, interleaved block by block so
 * both see the same machine conditions (load from other processes, frequency): each round
 * runs a block of `block` queries of one model, then the same samples on the other, in an
 * order that alternates round by round (AB, BA); the samples come from a seeded permutation
 * (LoadGen issues queries in a seeded random order, `qsl_rng_seed`). Each block starts with one
 * untimed query: a query right after the other model's runs on caches that model filled, and
 * costs a small fast model 2-3x its back-to-back latency (MobileNetV2-mini in ONNX Runtime:
 * 0.07 ms alone, 0.17-0.26 ms interleaved query by query, 0.08-0.09 ms in blocks of 8 after one
 * untimed query; bench/latency/README.md), which is not SingleStream's latency: SingleStream
 * issues one model's queries back to back. Warm-up comes first, not counted: with
 * `steadyWarmup`, each model alone until its latency is steady (entry, then reference), then
 * `warmup` queries of both alternating.
 * The run lasts until both have at least `minQueries` and `minDurationMs` has passed.
 *
 * Relative latency (entry / reference) is reported two ways: the ratio of the p50s, and the
 * median over rounds of the ratio of the two blocks' medians (a round's blocks ran
 * milliseconds apart, so a burst of load cancels within the round). The headline is the
 * latter (bench/latency).
 */
export interface InterleavedResult {
  entryMs: number[];
  referenceMs: number[];
  /** Median over rounds of median(entry block) / median(reference block). */
  pairedRatio: number;
  /** p50(entry) / p50(reference). */
  p50Ratio: number;
  /** The warm-up each model had (the alternating fixed queries counted in both). */
  entryWarmup: WarmupUsed;
  referenceWarmup: WarmupUsed;
}

/** Timed queries of one model in a round, after its untimed first query. */
export const INTERLEAVE_BLOCK = 8;

export function seededPermutation(n: number, random: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

export async function interleavedSingleStream(
  entry: Pick<LatencyTarget, 'runOne' | 'samples'>,
  reference: Pick<LatencyTarget, 'runOne' | 'samples'>,
  settings: LatencySettings,
  random: () => number,
  clock: Clock = realClock,
  block: number = INTERLEAVE_BLOCK,
): Promise<InterleavedResult> {
  const samples = Math.min(entry.samples, reference.samples);
  const steady = async (t: Pick<LatencyTarget, 'runOne'>) => warmUp(t.runOne, cyclingSamples(samples), 0, settings.steadyWarmup, clock);
  const entryWarmup = await steady(entry);
  const referenceWarmup = await steady(reference);
  for (let i = 0; i < settings.warmup; i++) {
    await entry.runOne(i % samples);
    await reference.runOne(i % samples);
  }
  entryWarmup.queries += settings.warmup;
  referenceWarmup.queries += settings.warmup;
  const entryMs: number[] = [];
  const referenceMs: number[] = [];
  const ratios: number[] = [];
  let order = seededPermutation(samples, random);
  let at = 0;
  const nextSample = () => {
    if (at === samples) {
      order = seededPermutation(samples, random);
      at = 0;
    }
    return order[at++];
  };
  const timeBlock = async (t: Pick<LatencyTarget, 'runOne'>, round: number[]) => {
    await t.runOne(round[0]); // untimed: caches back from the other model
    const ms: number[] = [];
    for (const sample of round) {
      const t0 = clock();
      await t.runOne(sample);
      ms.push(clock() - t0);
    }
    return ms;
  };
  const start = clock();
  for (let r = 0; entryMs.length < settings.minQueries || clock() - start < settings.minDurationMs; r++) {
    const round = Array.from({ length: block }, nextSample);
    let e: number[];
    let f: number[];
    if (r % 2 === 0) {
      e = await timeBlock(entry, round);
      f = await timeBlock(reference, round);
    } else {
      f = await timeBlock(reference, round);
      e = await timeBlock(entry, round);
    }
    entryMs.push(...e);
    referenceMs.push(...f);
    ratios.push(median(e.sort((a, b) => a - b)) / median(f.sort((a, b) => a - b)));
  }
  ratios.sort((a, b) => a - b);
  const sortedE = [...entryMs].sort((a, b) => a - b);
  const sortedR = [...referenceMs].sort((a, b) => a - b);
  return {
    entryMs, referenceMs, pairedRatio: median(ratios), p50Ratio: percentile(sortedE, 0.5) / percentile(sortedR, 0.5), entryWarmup, referenceWarmup,
  };
}

/** The middle value (mean of the two middle ones for an even count) of sorted values. */
export function median(sorted: readonly number[]): number {
  if (sorted.length === 0) throw new RangeError('median of nothing');
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

export interface HarnessFloor {
  p50_ms: number;
  p99_ms: number;
  queries: number;
  warmup: WarmupUsed;
}

/**
 * The harness floor: SingleStream over a model that does nothing, through the same loop and
 * clock. Whatever the entry measures below this is the harness, not the model.
 */
export async function harnessFloor(
  nullModel: Pick<LatencyTarget, 'runOne' | 'samples'>, settings: LatencySettings, clock: Clock = realClock,
): Promise<HarnessFloor> {
  const { latenciesMs, warmup } = await singleStream(nullModel, { ...settings, minDurationMs: Math.min(settings.minDurationMs, 1000) }, clock);
  const sorted = latenciesMs.sort((a, b) => a - b);
  return { p50_ms: percentile(sorted, 0.5), p99_ms: percentile(sorted, 0.99), queries: sorted.length, warmup };
}
