/**
 * The server's model job: a stored `.onnx` upload on a challenge with a model track runs
 * through `evaluateModel` (sandbox, adapter, timing) and the adapter's submission file is then
 * scored by `score` — the server's own file scoring, bootstrap intervals included — so a model
 * gets exactly the numbers its predictions would get as a file. The figures that are not
 * metrics (latency, cost, machine, runtime, settings) come back as the submission's latency
 * record, stored with it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ModelTrack, SubmissionKind } from '../challenges/model-track.js';
import type { TaskName, TaskOptions } from '../tasks/task.js';
import { ValidationError, type Problem } from '../problems.js';
import { evaluateModel, type ModelEvaluation } from './evaluate-model.js';
import { decodeOnnx } from './onnx-file.js';
import { warmupOf } from '../evaluators/latency.js';

export const MODEL_EXTENSIONS = ['.onnx'];

export function isModelUpload(file: string): boolean {
  return MODEL_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

export interface ModelJob {
  challengeId: string;
  task: string;
  truth: string;
  options: TaskOptions;
  file: string;
  model: ModelTrack;
}

/** What is checked before a model is queued: a complete, self-contained ONNX file within the size limit. */
export function validateModelUpload(file: string, track: ModelTrack): Problem[] {
  const size = fs.statSync(file).size;
  if (size > track.maxModelBytes) return [{ file: 'submission', message: `model is ${size} bytes, over the ${track.maxModelBytes}-byte limit` }];
  try {
    decodeOnnx(fs.readFileSync(file), 'submission');
    return [];
  } catch (e) {
    if (e instanceof ValidationError) return e.problems;
    throw e;
  }
}

/**
 * The figures stored with the submission (the board's latency columns read p50_ms ... machine),
 * each with the warm-up actually run before it (the settings only say what was asked for): the
 * entry's as a baseline's LatencyReport has it (`warmup`, `warmup_stop`, `warmup_ms`), the
 * reference's and the null model's beside their figures.
 */
export function latencyRecord(r: ModelEvaluation): Record<string, unknown> {
  const l = r.latency;
  return {
    ...(l ? {
      p50_ms: l.entry.p50_ms, p90_ms: l.entry.p90_ms, p99_ms: l.entry.p99_ms, offline_per_s: l.entry.offline_per_s,
      queries: l.entry.queries, warmup: l.entry.warmup, warmup_stop: l.entry.warmup_stop, warmup_ms: l.entry.warmup_ms,
      relative: l.relative?.paired ?? null, relative_p50: l.relative?.p50 ?? null,
      reference_p50_ms: l.reference?.p50_ms ?? null, reference_p90_ms: l.reference?.p90_ms ?? null,
      reference_warmup: l.reference ? warmupOf(l.reference) : null,
      harness_floor_ms: l.floor?.p50_ms ?? null, harness_floor_warmup: l.floor?.warmup ?? null,
    } : {}),
    params: r.cost.params,
    madds: r.cost.madds,
    backend: r.environment.runtime,
    machine: r.environment.machine,
    environment: r.environment,
    kind: 'model',
  };
}

export async function runModelJob<T extends { splits: unknown }>(
  job: ModelJob,
  score: (file: string) => Promise<T>,
  opts: { onStarted?: () => Promise<void> } = {},
): Promise<T & { latency: Record<string, unknown> }> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-model-job-'));
  try {
    const challenge = {
      id: job.challengeId, task: job.task as TaskName, truth: job.truth, options: job.options,
      submission: ['model'] as SubmissionKind[], model: job.model,
    };
    // The host's opt-out from the sandbox: the challenge's sandbox.allow_unsandboxed, or the server's PODIUM_ALLOW_UNSANDBOXED=1.
    const allowUnsandboxed = job.model.allowUnsandboxed || process.env.PODIUM_ALLOW_UNSANDBOXED === '1';
    const r = await evaluateModel(challenge, job.file, { workDir, onStarted: opts.onStarted, policy: { allowUnsandboxed } });
    const outcome = await score(r.submission);
    return { ...outcome, latency: latencyRecord(r) };
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
