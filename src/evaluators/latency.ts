/**
 * Latency as the MobileNetV2 tables report it, measured the way MLPerf Inference's LoadGen
 * scenarios define it (MLPerf Inference rules, "SingleStream" and "Offline"):
 *
 * - SingleStream: one sample per query, the next query issued when the previous completes;
 *   warm-up queries first, not counted; then at least `minQueries` queries AND at least
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
  /** Counted SingleStream queries (warm-up excluded), and the warm-up count. */
  queries: number;
  warmup: number;
  /** Samples in the Offline run and its batch size. */
  offline_samples: number;
  offline_batch: number;
}

export interface LatencySettings {
  warmup: number;
  minQueries: number;
  minDurationMs: number;
  offlineSamples: number;
  offlineBatch: number;
}

/** MLPerf's SingleStream minimums. */
export const MLPERF_SETTINGS: LatencySettings = { warmup: 10, minQueries: 100, minDurationMs: 10_000, offlineSamples: 256, offlineBatch: 32 };

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
  warmup: number;
}

export async function singleStream(
  target: Pick<LatencyTarget, 'runOne' | 'samples'>, settings: LatencySettings, clock: Clock = realClock,
): Promise<SingleStreamResult> {
  let sample = 0;
  const next = () => {
    const s = sample;
    sample = (sample + 1) % target.samples;
    return s;
  };
  for (let i = 0; i < settings.warmup; i++) await target.runOne(next());
  const latenciesMs: number[] = [];
  const start = clock();
  while (latenciesMs.length < settings.minQueries || clock() - start < settings.minDurationMs) {
    const t0 = clock();
    await target.runOne(next());
    latenciesMs.push(clock() - t0);
  }
  return { latenciesMs, warmup: settings.warmup };
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
  latenciesMs: readonly number[], warmup: number, offlinePerSecond: number,
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
    warmup,
    offline_samples: settings.offlineSamples,
    offline_batch: settings.offlineBatch,
  };
}
