/**
 * The stabilization task (Motion Photos): truth folder with clips.csv and <clip>/motion.json
 * (true background motion F_t), submission CSV of per-frame homographies S_t; scored by the
 * camera-path metrics of evaluators/stabilization.ts per clip, then averaged over clips, per
 * split and per clip category.
 */
import type { Scores } from '../../evaluators/evaluator.js';
import {
  CLIP_METRICS,
  STABILIZATION_METRICS,
  STABILIZATION_VERSION,
  addClipRow,
  clipRow,

  scoreClip,
  stabilizationEvaluator,
  stabilizationScores,
  type StabilizationState,
} from '../../evaluators/stabilization.js';
import type { EvaluateResult, Resampler, ScoreReport, Task } from '../task.js';
import { readStabilizationSubmission } from './submission.js';
import { readStabilizationTruth, type StabilizationTruth } from './truth.js';

const K = CLIP_METRICS.length;

async function read(truthPath: string, submissionPath: string) {
  const truth = await readStabilizationTruth(truthPath);
  const paths = await readStabilizationSubmission(submissionPath, truth);
  return { truth, paths };
}

/** Scores every clip: one state holding all rows in truth order. */
function scoreAll(truth: StabilizationTruth, paths: Float64Array[]): StabilizationState {
  const state = stabilizationEvaluator.create();
  const row = new Float64Array(K);
  truth.clips.forEach((clip, i) => {
    scoreClip({ width: clip.width, height: clip.height, frames: clip.frames, background: clip.background, stabilizing: paths[i]! }, row);
    addClipRow(state, row);
  });
  return state;
}

/** The rows of the clips picked by index, as a state of their own. */
function subset(all: StabilizationState, picks: ArrayLike<number>): StabilizationState {
  const values = new Float64Array(Math.max(picks.length, 1) * K);
  for (let j = 0; j < picks.length; j++) values.set(all.values.subarray(picks[j]! * K, picks[j]! * K + K), j * K);
  return { count: picks.length, values };
}

function resampler(all: StabilizationState, members: number[]): Resampler {
  return {
    size: members.length,
    score: (indices: Uint32Array): Scores => stabilizationScores(subset(all, Array.from(indices, (i) => members[i]!))),
  };
}

export const task: Task = {
  name: 'stabilization',
  version: STABILIZATION_VERSION,
  metrics: () => [...STABILIZATION_METRICS],
  async validate(truthPath, submissionPath) {
    await read(truthPath, submissionPath);
  },
  async evaluate(truthPath, submissionPath, opts): Promise<EvaluateResult> {
    const { truth, paths } = await read(truthPath, submissionPath);
    const all = scoreAll(truth, paths);
    const pick = (keep: (i: number) => boolean) => truth.clips.map((_, i) => i).filter(keep);
    const counted = pick((i) => truth.clips[i]!.usage !== 'Ignored');
    const pub = pick((i) => truth.clips[i]!.usage === 'Public');
    const priv = pick((i) => truth.clips[i]!.usage === 'Private');
    const scores = (ids: number[]) => stabilizationScores(subset(all, ids));
    const categories = [...new Set(counted.map((i) => truth.clips[i]!.category).filter((c): c is string => c !== undefined))].sort();
    const report: ScoreReport = {
      task: 'stabilization',
      metrics: scores(counted),
      ...(truth.hasUsage && { splits: { public: scores(pub), private: scores(priv) } }),
      clips: counted.length,
      ...(categories.length > 0 && {
        per_category: Object.fromEntries(
          categories.map((cat) => {
            const of = (ids: number[]) => ids.filter((i) => truth.clips[i]!.category === cat);
            return [cat, {
              clips: of(counted).length,
              metrics: scores(of(counted)),
              ...(truth.hasUsage && { splits: { public: scores(of(pub)), private: scores(of(priv)) } }),
            }];
          }),
        ),
      }),
      per_clip: Object.fromEntries(truth.clips.map((c, i) => [c.id, { ...(c.category && { category: c.category }), ...clipRow(all, i) }])),
    };
    const out: EvaluateResult = { report };
    if (opts?.withResamplers) {
      out.resamplers = { all: resampler(all, counted), ...(truth.hasUsage && { public: resampler(all, pub), private: resampler(all, priv) }) };
    }
    return out;
  },
};


