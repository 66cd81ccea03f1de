/**
 * The separation task (Looking to Listen / wsj0-2mix): truth folder with mix/, s1/, s2/, ...;
 * submission folder or .zip with s1/<id>.wav, s2/<id>.wav, ...; scored by BSS Eval v3 SDR,
 * SIR, SAR (as mir_eval 0.7), SI-SDR and their improvement over the mixture
 * (evaluators/separation.ts). Mixtures are scored on worker threads.
 */
import path from 'node:path';
import {
  SEPARATION_METRICS,
  SEPARATION_VERSION,
  separationEvaluator,
  separationScores,
  type MixtureScores,
} from '../../evaluators/separation.js';
import type { Scores } from '../../evaluators/evaluator.js';
import { ProblemList, ValidationError } from '../../problems.js';
import { progress } from '../../progress.js';
import type { EvaluateOptions, EvaluateResult, Resampler, ScoreReport, Task } from '../task.js';
import { runParallel, threadCount } from './parallel.js';
import type { MixtureJob } from './shard.js';
import { openSeparationSubmission } from './submission.js';
import { readSeparationTruth, type SeparationTruth } from './truth.js';

async function prepare(truthPath: string, submissionPath: string): Promise<{ truth: SeparationTruth; jobs: MixtureJob[] }> {
  const truth = readSeparationTruth(truthPath);
  const problems = new ProblemList();
  const submission = await openSeparationSubmission(submissionPath, truth, problems);
  problems.throwIfAny();
  const label = path.basename(truthPath);
  const jobs = truth.ids.map((id) => ({
    id,
    mix: { file: path.join(truth.dir, 'mix', `${id}.wav`), label: `${label}/mix/${id}.wav` },
    sources: truth.sources.map((s) => ({ file: path.join(truth.dir, s, `${id}.wav`), label: `${label}/${s}/${id}.wav` })),
    estimates: submission.estimates.get(id)!.map((e) => e!),
  }));
  return { truth, jobs };
}

async function run(truthPath: string, submissionPath: string, opts: EvaluateOptions | undefined, check: boolean) {
  const { truth, jobs } = await prepare(truthPath, submissionPath);
  const bar = progress(check ? 'checking separation' : 'scoring separation', jobs.length);
  try {
    const result = await runParallel(jobs, { threads: threadCount(opts?.options?.threads, jobs.length), check, onMixture: () => bar.tick() });
    if (result.problemTotal > 0) throw new ValidationError(result.problems, result.problemTotal);
    return { truth, scores: result.scores };
  } finally {
    bar.stop();
  }
}

/** Means of a multiset of mixtures, drawn by index from `members`. */
function resampler(members: MixtureScores[]): Resampler {
  return {
    size: members.length,
    score: (indices: Uint32Array): Scores => separationScores(Array.from(indices, (i) => members[i]!)),
  };
}

function finishOf(mixtures: MixtureScores[]): Scores {
  const state = separationEvaluator.create();
  for (const m of mixtures) separationEvaluator.add(state, m);
  return separationEvaluator.finish(state);
}

export const task: Task = {
  name: 'separation',
  version: SEPARATION_VERSION,
  metrics: () => [...SEPARATION_METRICS],
  checkOptions() {},
  async validate(truthPath, submissionPath, opts) {
    await run(truthPath, submissionPath, opts, true);
  },
  async evaluate(truthPath, submissionPath, opts): Promise<EvaluateResult> {
    const { truth, scores } = await run(truthPath, submissionPath, opts, false);
    const usage = truth.usage;
    const counted = usage ? scores.filter((m) => usage.get(m.id) !== 'Ignored') : scores;
    const pub = usage ? scores.filter((m) => usage.get(m.id) === 'Public') : [];
    const priv = usage ? scores.filter((m) => usage.get(m.id) === 'Private') : [];
    const notes = scores.flatMap((m) => (m.notes ?? []).map((n) => `${m.id}: ${n}`));
    const report: ScoreReport = {
      task: 'separation',
      metrics: finishOf(counted),
      ...(usage && { splits: { public: finishOf(pub), private: finishOf(priv) } }),
      mixtures: counted.length,
      sources: truth.sources.length,
      per_mixture: scores,
      ...(notes.length > 0 && { warnings: notes }),
    };
    const out: EvaluateResult = { report };
    if (opts?.withResamplers) {
      out.resamplers = { all: resampler(counted), ...(usage && { public: resampler(pub), private: resampler(priv) }) };
    }
    return out;
  },
};
