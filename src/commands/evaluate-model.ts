/**
 * `podium evaluate --challenge X --model model.onnx`: the server's model job, locally, with the
 * same sandbox, adapter, timing and scoring, so a participant sees the number the server will
 * compute (on this machine's clock: relative latency is what carries over).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../problems.js';
import { FULL_RUN, type ModelLatencyConfig } from '../challenges/model-track.js';
import { describeWarmup } from '../evaluators/steady-warmup.js';
import { QUICK_LATENCY, warmupOf } from '../evaluators/latency.js';

/** The quick settings (evaluators/latency.ts QUICK_LATENCY) over the challenge's samples and seed. */
export const QUICK_MODEL_LATENCY: ModelLatencyConfig = { ...QUICK_LATENCY, samples: FULL_RUN.samples, seed: FULL_RUN.seed };

export function latencyChoice(v: string | undefined, fallback: ModelLatencyConfig): ModelLatencyConfig | 'off' {
  if (v === undefined || v === 'challenge') return fallback;
  if (v === 'off') return 'off';
  if (v === 'quick') return { ...QUICK_MODEL_LATENCY, samples: fallback.samples, seed: fallback.seed };
  if (v === 'full') return { ...FULL_RUN, samples: fallback.samples, seed: fallback.seed };
  throw new UsageError(`evaluate: --latency must be challenge, full, quick or off (got "${v}")`);
}

export async function runModelEvaluation(values: { challenge?: string; model?: string; json?: boolean; latency?: string; 'no-reference'?: boolean; 'keep-work'?: boolean }): Promise<number> {
  if (!values.challenge) throw new UsageError('evaluate: --model needs --challenge (the challenge defines the inputs, contract and timing)');
  if (!fs.existsSync(values.model!)) throw new UsageError(`evaluate: model ${values.model} does not exist`);
  const { loadChallenge, resolveChallengePath } = await import('../challenges/definition.js');
  const { evaluateModel } = await import('../models/evaluate-model.js');
  const { ModelFailure } = await import('../models/session.js');
  const challenge = await loadChallenge(resolveChallengePath(values.challenge), { requireTruth: true });
  if (!challenge.model) throw new UsageError(`evaluate: challenge ${challenge.id} does not take model submissions`);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-model-'));
  const log = (line: string) => {
    if (!values.json) process.stderr.write(`${line}\n`);
  };
  try {
    const r = await evaluateModel(challenge, values.model!, {
      workDir, latency: latencyChoice(values.latency, challenge.model.latency), reference: !values['no-reference'], log,
    });
    if (values.json) {
      const { submission: _s, ...rest } = r;
      process.stdout.write(JSON.stringify({ ...r.report, version: r.version, model: rest }) + '\n');
      return 0;
    }
    const lines = [`${challenge.primary_metric}: ${fmt(r.report.metrics[challenge.primary_metric] ?? null)}`];
    for (const [k, v] of Object.entries(r.report.metrics)) if (k !== challenge.primary_metric) lines.push(`  ${k}: ${fmt(v)}`);
    lines.push(`params ${r.cost.params}, multiply-adds ${r.cost.madds}`);
    if (r.latency) {
      const e = r.latency.entry;
      lines.push(`SingleStream p50 / p90 / p99: ${ms(e.p50_ms)} / ${ms(e.p90_ms)} / ${ms(e.p99_ms)} ms over ${e.queries} queries after ${describeWarmup(warmupOf(e))}; Offline ${e.offline_per_s.toFixed(1)} samples/s`);
      const ref = r.latency.reference;
      if (ref && r.latency.relative) {
        lines.push(`reference p50 ${ms(ref.p50_ms)} ms after ${describeWarmup(warmupOf(ref))}; relative latency ${r.latency.relative.paired.toFixed(3)} (entry / reference, median over interleaved rounds)`);
      }
      if (r.latency.floor) lines.push(`harness floor (null model) p50 ${(r.latency.floor.p50_ms * 1000).toFixed(1)} us`);
    }
    lines.push(`${r.environment.runtime}; sandbox ${r.environment.isolation}; ${r.environment.machine}`);
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  } catch (e) {
    if (e instanceof ModelFailure) {
      process.stderr.write(`podium: model failed (${e.failure.kind}): ${e.failure.message}\n`);
      return 3;
    }
    throw e;
  } finally {
    if (!values['keep-work']) fs.rmSync(workDir, { recursive: true, force: true });
  }
}

function fmt(v: number | null): string {
  return v === null ? 'n/a' : Number.isInteger(v) ? String(v) : v.toPrecision(6);
}

function ms(v: number): string {
  return v.toFixed(3);
}
