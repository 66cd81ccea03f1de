/**
 * The separation task (Looking to Listen / wsj0-2mix): truth folder with mix/, s1/, s2/, ...;
 * submission folder or .zip with s1/<id>.wav, s2/<id>.wav, ...; scored by BSS Eval v3 SDR,
 * SIR, SAR (as mir_eval 0.7), SI-SDR and their improvement over the mixture
 * (evaluators/separation.ts). A scoring unit is one mixture (units.ts). No options.
 * Report extras: `mixtures` (scored), `sources`, `per_mixture` (every mixture, in id order),
 * `warnings` (why a value is null, when one is).
 */
import path from 'node:path';
import { SEPARATION_METRICS, SEPARATION_VERSION, separationEvaluator, type MixtureScores, type SeparationState } from '../../evaluators/separation.js';
import type { Scores } from '../../evaluators/evaluator.js';
import { ProblemList, readingHostData } from '../../problems.js';
import { parseOptions } from '../../scoring/options.js';
import { NO_OPTIONS } from '../task-options.js';
import type { TaskDefinition } from '../../scoring/task-definition.js';
import { usageCodes } from '../../scoring/usage.js';
import { openSeparationSubmission } from './submission.js';
import { readSeparationTruth } from './truth.js';
import { produceMixtures, type SeparationContext } from './units.js';

export const definition: TaskDefinition<Record<string, never>, SeparationContext, MixtureScores, SeparationState, Scores> = {
  name: 'separation',
  version: SEPARATION_VERSION,
  parseOptions: (raw) => parseOptions(raw, NO_OPTIONS),
  metrics: () => [...SEPARATION_METRICS],
  async open(truthPath, submissionPath) {
    const truth = readingHostData(() => readSeparationTruth(truthPath));
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
    return { context: { jobs, sources: truth.sources.length }, usage: usageCodes(truth.ids, truth.usage), hasSplits: truth.usage !== undefined };
  },
  produce: produceMixtures,
  evaluator: () => separationEvaluator,
  scores: (result) => result,
  extras(context, _all, state, items) {
    const scores = (items ?? []).filter((m): m is MixtureScores => m !== undefined);
    const notes = scores.flatMap((m) => (m.notes ?? []).map((n) => `${m.id}: ${n}`));
    return {
      mixtures: state.mixtures.length,
      sources: context.sources,
      per_mixture: scores,
      ...(notes.length > 0 && { warnings: notes }),
    };
  },
  keepsItems: true,
  minUnitsForThreads: 24,
};
