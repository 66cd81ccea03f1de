/**
 * Runs a reference baseline end to end: train (or load cached weights), predict the test
 * split, write the submission in the challenge's format, score it through the task contract
 * (`loadTask(challenge.task).evaluate`, the same path as a participant's upload), and record
 * it as a baseline entry when a database is configured. Used by `podium baseline` and the demo.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../problems.js';
import { dataRoot } from '../paths.js';
import { loadChallenge, resolveChallengePath, defaultChallengesRoot, type Challenge } from '../challenges/definition.js';
import { loadTask } from '../tasks/registry.js';
import type { EvaluateResult, ScoreReport } from '../tasks/task.js';
import type { ScoredFile } from '../leaderboard/scoring.js';
import { sha256File } from './content-hash.js';
import { MLPERF_SETTINGS, QUICK_LATENCY, type LatencyReport, type LatencySettings } from '../evaluators/latency.js';
import type { Baseline, BaselineOutput } from './baseline.js';
import { REGISTRY, listBaselines } from './registry.js';
import type { RuntimeInfo } from './runtime.js';
import { baselineWorkDir } from './work-dir.js';
import { DEFAULT_SEED } from '../datasets/rng.js';

export { listBaselines, type BaselineListing } from './registry.js';

/** The runtime reported for a baseline that does not run on tfjs (plain TypeScript). */
export const WITHOUT_TFJS: RuntimeInfo = { backend: 'none', detail: 'no tfjs (TypeScript)', tfjsVersion: 'not loaded' };

export interface RunOptions {
  epochs?: number;
  retrain?: boolean;
  /** Default: the demo's seed (DEFAULT_SEED), so `podium baseline run` reuses the demo's weights. */
  seed?: number;
  /** SQLite database to record the entry in (else PODIUM_DB; none: not recorded). */
  db?: string;
  challengesRoot?: string;
  /** 'mlperf' (at least 100 queries and 10 s), 'quick' (100 queries), 'off', or explicit settings. */
  latency?: 'mlperf' | 'quick' | 'off' | LatencySettings;
  /** Tests: train on this many samples, stop after this many steps. */
  limitTrain?: number;
  maxSteps?: number;
  /** Where data/<challenge> lives (default: dataRoot()). */
  dataDir?: string;
  /** Also score with the leaderboard's bootstrap intervals (`scored`), for a caller that records the run itself. */
  withIntervals?: boolean;
  log?: (line: string) => void;
}

export interface BaselineRun {
  challenge: string;
  baseline: string;
  kind: Baseline['kind'];
  submission: string;
  /** The folder holding its weights, submission and ONNX file (work-dir.ts). */
  workDir: string;
  report: ScoreReport;
  primaryMetric: string;
  primary: number | null;
  latency?: LatencyReport;
  runtime: RuntimeInfo;
  trained?: BaselineOutput['trained'];
  loadedFromCache?: boolean;
  /** The leaderboard's outcome of this submission (with intervals): when a database or `withIntervals` asked for it. */
  scored?: ScoredFile;
  recorded?: unknown;
}

function latencySettings(choice: RunOptions['latency']): LatencySettings | null {
  if (choice === 'off') return null;
  if (choice === 'quick') return QUICK_LATENCY;
  if (choice === undefined || choice === 'mlperf') return MLPERF_SETTINGS;
  return choice;
}

export async function runBaseline(challengeId: string, name: string, opts: RunOptions = {}): Promise<BaselineRun> {
  const entry = REGISTRY.find((b) => b.challenge === challengeId && b.name === name);
  if (!entry) {
    const known = listBaselines(challengeId).map((b) => b.name);
    throw new UsageError(known.length
      ? `baseline: no baseline "${name}" for ${challengeId}; expected one of ${known.join(', ')}`
      : `baseline: no baselines for challenge "${challengeId}"; expected one of ${[...new Set(REGISTRY.map((b) => b.challenge))].join(', ')}`);
  }
  const challengesRoot = opts.challengesRoot ?? defaultChallengesRoot();
  const challenge: Challenge = await loadChallenge(resolveChallengePath(challengeId, challengesRoot), { requireTruth: true });
  const dataDir = opts.dataDir ?? path.join(dataRoot(), challengeId);
  if (!fs.existsSync(dataDir)) throw new UsageError(`baseline: ${dataDir} does not exist; run \`podium data make ${challengeId}\``);
  const log = opts.log ?? (() => {});
  // Only a baseline that runs on tfjs starts it (loading tfjs costs ~0.7 CPU-s a process).
  const runtime = entry.tfjs ? await (await import('./runtime.js')).initRuntime() : WITHOUT_TFJS;
  const baseline = await entry.load();
  const seed = opts.seed ?? DEFAULT_SEED;
  const workDir = baselineWorkDir(dataDir, name, { seed, epochs: opts.epochs });
  const output = await baseline.run({
    dataDir,
    workDir,
    epochs: opts.epochs,
    retrain: opts.retrain ?? false,
    seed,
    limitTrain: opts.limitTrain,
    maxSteps: opts.maxSteps,
    latency: baseline.kind === 'model' || baseline.kind === 'pretrained' ? latencySettings(opts.latency) : null,
    runtime,
    log,
  });
  const task = await loadTask(challenge.task);
  const dbPath = opts.db ?? process.env.PODIUM_DB;
  // One evaluation serves both the run's report and, when it will be recorded, the entry's scores.
  const withIntervals = opts.withIntervals || !!dbPath;
  const evaluated = await task.evaluate(challenge.truth, output.submission, { options: challenge.options, withResamplers: withIntervals });
  const { report } = evaluated;
  const run: BaselineRun = {
    challenge: challengeId, baseline: name, kind: baseline.kind, submission: output.submission, workDir, report,
    primaryMetric: challenge.primary_metric, primary: report.metrics[challenge.primary_metric] ?? null,
    latency: output.latency, runtime, trained: output.trained, loadedFromCache: output.loadedFromCache,
  };
  if (withIntervals) run.scored = await scoredFile(challenge, output.submission, task.version, evaluated);
  if (dbPath) run.recorded = await record(dbPath, challengesRoot, run, baseline.description);
  return run;
}

/** The leaderboard's baseline entry (src/leaderboard/baselines.ts), loaded only when a database is configured. */
async function record(dbPath: string, challengesRoot: string, run: BaselineRun, description: string): Promise<unknown> {
  const { recordBaseline } = await import('../leaderboard/baselines.js');
  return recordBaseline({
    dbPath, challengesRoot, challengeId: run.challenge, name: run.baseline, file: run.submission, description,
    latency: run.latency ? { ...run.latency } : undefined, scored: run.scored,
  });
}

/** The leaderboard's outcome (scoring.ts) of an evaluation made with resamplers, with the default bootstrap samples. */
async function scoredFile(challenge: Challenge, file: string, version: string, evaluated: EvaluateResult): Promise<ScoredFile> {
  const [{ outcomeOf }, { DEFAULT_BOOTSTRAP_SAMPLES }] = await Promise.all([import('../leaderboard/scoring.js'), import('../leaderboard/bootstrap.js')]);
  const req = {
    challengeId: challenge.id, task: challenge.task, truth: challenge.truth, options: challenge.options,
    primaryMetric: challenge.primary_metric, file, bootstrapSamples: DEFAULT_BOOTSTRAP_SAMPLES,
  };
  return { sha256: sha256File(file), bootstrapSamples: DEFAULT_BOOTSTRAP_SAMPLES, outcome: outcomeOf(req, version, evaluated) };
}
