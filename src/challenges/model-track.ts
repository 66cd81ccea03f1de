/**
 * The model track of a challenge definition: `submission: model` (or `[file, model]`) and a
 * `model:` mapping. A participant then uploads a model instead of (or beside) a file; podium
 * runs it in the sandbox over the hidden inputs, turns its outputs into the task's ordinary
 * submission (src/models/adapters/) and scores that file through the same code as an upload.
 *
 *   submission: [file, model]
 *   model:
 *     inputs: ../../data/inat2018-mini/test2018.json     # the hidden inputs (the task's own format)
 *     input: { range: [-1, 1] }                          # contract settings the task allows
 *     feeds: [{ name: image, dtype: float32, shape: [1, S, S, 3] }]   # the model's inputs (models/feeds.ts)
 *     reference: ../../data/inat2018-mini/baselines/mobilenet-v2/model.onnx   # timed in the same job
 *     threads: 1                                         # intra-op threads
 *     latency: { warmup: steady, min_queries: 1024, min_duration_ms: 60000, samples: 32, seed: 2018 }
 *     ranking: { rule: accuracy-gate, gate: 0.99 }       # or latency-budget / composite
 *     sandbox: { memory_mb: 2048, wall_s: 900, cpu_s: 600, output_mb: 256, allow_unsandboxed: false }
 */
import path from 'node:path';
import type { LatencySettings } from '../evaluators/latency.js';
import { STEADY_WARMUP } from '../evaluators/steady-warmup.js';
import { DEFAULT_SANDBOX_LIMITS, limitsFromConfig, type SandboxLimits } from '../sandbox/limits.js';
import { parseRankingRule, type RankingRule } from '../models/ranking.js';
import { parseFeeds, type Feed } from '../models/feeds.js';
import type { TaskName } from '../tasks/task.js';
import { LATENCY_FIELDS, MODEL_FIELDS } from './schema.js';

export type SubmissionKind = 'file' | 'model';

export interface ModelLatencyConfig extends LatencySettings {
  /** Distinct inputs cycled through by the timed queries. */
  samples: number;
  /** Seed of the query order (LoadGen's qsl_rng_seed). */
  seed: number;
}

export interface ModelTrack {
  /** Absolute path of the hidden inputs (file or folder, in the task's format). */
  inputs: string;
  /** Task-specific contract settings (e.g. `range`, `size`), checked by the adapter. */
  input: Record<string, unknown>;
  /** The model's inputs: names, dtypes, shapes (the task's first feed when the yaml names none). */
  feeds: Feed[];
  /** Absolute path of the reference model timed in the same job (.onnx or model.json), if any. */
  reference?: string;
  threads: number;
  latency: ModelLatencyConfig;
  ranking: RankingRule;
  limits: SandboxLimits;
  allowUnsandboxed: boolean;
  /** Largest model upload, bytes. */
  maxModelBytes: number;
}

/**
 * LoadGen's full-run minimums (1,024 queries, 60 s), after a warm-up until the latency is steady
 * (10 queries, then evaluators/steady-warmup.ts's rule): `warmup: steady`, the default. The
 * documented defaults (schema.ts LATENCY_FIELDS) are these.
 */
export const FULL_RUN: ModelLatencyConfig = {
  warmup: 10, steadyWarmup: STEADY_WARMUP, minQueries: 1024, minDurationMs: 60_000, offlineSamples: 256, offlineBatch: 32, samples: 32, seed: 2018,
};

/** The integer settings of `model.latency` (`warmup` is read apart: `steady` or a count). */
const LATENCY_KEYS: Record<string, Exclude<keyof ModelLatencyConfig, 'steadyWarmup' | 'warmup'>> = {
  min_queries: 'minQueries', min_duration_ms: 'minDurationMs', offline_samples: 'offlineSamples',
  offline_batch: 'offlineBatch', samples: 'samples', seed: 'seed',
};

/** `warmup: steady` keeps FULL_RUN's 10 queries and the rule; a count replaces both: that many queries, no rule. */
function withWarmup(latency: ModelLatencyConfig, v: unknown, fail: Fail): ModelLatencyConfig {
  if (v === 'steady') return { ...latency, warmup: FULL_RUN.warmup, steadyWarmup: FULL_RUN.steadyWarmup };
  if (Number.isInteger(v) && (v as number) >= 0) {
    const { steadyWarmup: _rule, ...fixed } = latency;
    return { ...fixed, warmup: v as number };
  }
  fail('model.latency.warmup', 'must be steady (until the latency stops falling) or a non-negative integer (a fixed count of queries)');
  return latency;
}

type Fail = (column: string, message: string) => void;

const isMapping = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export function parseSubmissionKinds(raw: unknown, fail: Fail): SubmissionKind[] {
  if (raw === undefined) return ['file'];
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0 || !list.every((k) => k === 'file' || k === 'model')) {
    fail('submission', 'must be file, model, or a list of both');
    return ['file'];
  }
  return [...new Set(list as SubmissionKind[])];
}

export function parseModelTrack(raw: unknown, dir: string, fail: Fail, task?: TaskName): ModelTrack | undefined {
  if (!isMapping(raw)) {
    fail('model', raw === undefined ? 'is required when submission includes model' : 'must be a mapping (inputs, input, reference, latency, ranking, sandbox)');
    return undefined;
  }
  const known = new Set(MODEL_FIELDS.map((f) => f.name));
  for (const k of Object.keys(raw)) if (!known.has(k)) fail(`model.${k}`, `unknown field; expected ${[...known].join(', ')}`);
  let inputs = '';
  if (typeof raw.inputs !== 'string' || raw.inputs === '') fail('model.inputs', 'must be the path of the hidden inputs');
  else inputs = path.resolve(dir, raw.inputs);
  const input = raw.input === undefined ? {} : isMapping(raw.input) ? raw.input : (fail('model.input', 'must be a mapping'), {});
  const feeds = parseFeeds(raw.feeds, task, fail);
  let reference: string | undefined;
  if (raw.reference !== undefined) {
    if (typeof raw.reference !== 'string') fail('model.reference', 'must be the path of a model (.onnx or model.json)');
    else reference = path.resolve(dir, raw.reference);
  }
  let threads = 1;
  if (raw.threads !== undefined) {
    if (!Number.isInteger(raw.threads) || (raw.threads as number) < 1 || (raw.threads as number) > 64) fail('model.threads', 'must be an integer from 1 to 64');
    else threads = raw.threads as number;
  }
  let latency: ModelLatencyConfig = { ...FULL_RUN };
  if (raw.latency !== undefined) {
    if (!isMapping(raw.latency)) fail('model.latency', 'must be a mapping');
    else {
      for (const [k, v] of Object.entries(raw.latency)) {
        const field = LATENCY_KEYS[k];
        if (k === 'warmup') latency = withWarmup(latency, v, fail);
        else if (!field) fail(`model.latency.${k}`, `unknown setting; expected ${LATENCY_FIELDS.map((f) => f.name).join(', ')}`);
        else if (!Number.isInteger(v) || (v as number) < (field === 'minDurationMs' || field === 'seed' ? 0 : 1)) {
          fail(`model.latency.${k}`, 'must be a non-negative integer');
        } else latency[field] = v as number;
      }
    }
  }
  let ranking: RankingRule = { rule: 'accuracy-gate', gate: 0.99 };
  if (raw.ranking !== undefined) {
    try {
      ranking = parseRankingRule(raw.ranking);
    } catch (e) {
      fail('model.ranking', (e as Error).message);
    }
  }
  let limits = DEFAULT_SANDBOX_LIMITS;
  let allowUnsandboxed = false;
  if (raw.sandbox !== undefined) {
    if (!isMapping(raw.sandbox)) fail('model.sandbox', 'must be a mapping');
    else {
      const { allow_unsandboxed, ...rest } = raw.sandbox;
      if (allow_unsandboxed !== undefined && typeof allow_unsandboxed !== 'boolean') fail('model.sandbox.allow_unsandboxed', 'must be true or false');
      allowUnsandboxed = allow_unsandboxed === true;
      try {
        limits = limitsFromConfig(rest);
      } catch (e) {
        fail('model.sandbox', (e as Error).message);
      }
    }
  }
  let maxModelBytes = 256 * 1024 * 1024;
  if (raw.max_model_mb !== undefined) {
    if (typeof raw.max_model_mb !== 'number' || !(raw.max_model_mb > 0)) fail('model.max_model_mb', 'must be a positive number');
    else maxModelBytes = Math.floor(raw.max_model_mb * 1024 * 1024);
  }
  return { inputs, input, feeds, reference, threads, latency, ranking, limits, allowUnsandboxed, maxModelBytes };
}
