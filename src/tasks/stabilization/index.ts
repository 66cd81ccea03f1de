/**
 * The stabilization task (Motion Photos): truth folder with clips.csv and <clip>/motion.json
 * (true background motion F_t), submission CSV of per-frame homographies S_t. One scoring unit
 * a clip: `produce` scores it with the camera-path metrics of evaluators/stabilization.ts, the
 * evaluator averages clip rows. Report extras: `clips`, `per_clip` (every clip's values and
 * category) and `per_category` (the means per clip category, overall and per split), so the
 * board can compare methods where a category matters (foreground-dominated, close range).
 */
import {
  CLIP_METRICS,
  STABILIZATION_METRICS,
  STABILIZATION_VERSION,
  scoreClip,
  stabilizationEvaluator,
  type StabilizationState,
} from '../../evaluators/stabilization.js';
import type { Scores } from '../../evaluators/evaluator.js';
import { parseOptions } from '../../scoring/options.js';
import { NO_OPTIONS } from '../task-options.js';
import type { TaskDefinition } from '../../scoring/task-definition.js';
import { USAGE_ALL, USAGE_IGNORED, USAGE_PRIVATE, USAGE_PUBLIC } from '../../scoring/usage.js';
import { readStabilizationSubmission } from './submission.js';
import { readStabilizationTruth } from './truth.js';

/** Plain data, so clips can be scored in worker threads. */
export interface StabilizationContext {
  ids: string[];
  categories: (string | null)[];
  usage: Uint8Array;
  width: Int32Array;
  height: Int32Array;
  frames: Int32Array;
  background: Float64Array[];
  stabilizing: Float64Array[];
}

const USAGE_CODES = { Public: USAGE_PUBLIC, Private: USAGE_PRIVATE, Ignored: USAGE_IGNORED } as const;

/** Means of the rows of the given clips (a fresh state, so the evaluator's own rules apply). */
function meansOf(rows: readonly (ArrayLike<number> | undefined)[], picks: number[]): Scores {
  const state = stabilizationEvaluator.create();
  for (const i of picks) stabilizationEvaluator.add(state, rows[i]!);
  return stabilizationEvaluator.finish(state);
}

export const definition: TaskDefinition<Record<string, never>, StabilizationContext, Float64Array, StabilizationState, Scores> = {
  name: 'stabilization',
  version: STABILIZATION_VERSION,
  parseOptions: (raw) => parseOptions(raw, NO_OPTIONS),
  metrics: () => [...STABILIZATION_METRICS],
  async open(truthPath, submissionPath) {
    const truth = await readStabilizationTruth(truthPath);
    const paths = await readStabilizationSubmission(submissionPath, truth);
    const usage = Uint8Array.from(truth.clips, (c) => (c.usage ? USAGE_CODES[c.usage] : USAGE_ALL));
    return {
      context: {
        ids: truth.clips.map((c) => c.id),
        categories: truth.clips.map((c) => c.category ?? null),
        usage,
        width: Int32Array.from(truth.clips, (c) => c.width),
        height: Int32Array.from(truth.clips, (c) => c.height),
        frames: Int32Array.from(truth.clips, (c) => c.frames),
        background: truth.clips.map((c) => c.background),
        stabilizing: paths,
      },
      usage,
      hasSplits: truth.hasUsage,
    };
  },
  async produce(ctx, units, sink) {
    if (sink.checkOnly) return; // everything was checked while reading
    for (const u of units) {
      sink.item(u, scoreClip({ width: ctx.width[u]!, height: ctx.height[u]!, frames: ctx.frames[u]!, background: ctx.background[u]!, stabilizing: ctx.stabilizing[u]! }));
    }
  },
  evaluator: () => stabilizationEvaluator,
  scores: (result) => result,
  keepsItems: true,
  // A clip scores in ~0.1 ms while a worker thread takes ~100-200 ms to start and copy the
  // context: at 1,000 clips one thread was 25 % less CPU and faster in wall time too (bench/stabilization).
  minUnitsForThreads: 8000,
  extras(ctx, _all, state, items) {
    const rows = items ?? [];
    const counted = ctx.ids.map((_, i) => i).filter((i) => ctx.usage[i] !== USAGE_IGNORED && rows[i] !== undefined);
    const categories = [...new Set(counted.map((i) => ctx.categories[i]).filter((c): c is string => c !== null))].sort();
    const hasSplits = ctx.usage.some((u) => u === USAGE_PUBLIC || u === USAGE_PRIVATE);
    const perClip: Record<string, Record<string, number | string>> = {};
    ctx.ids.forEach((id, i) => {
      const row = rows[i];
      if (!row) return;
      const values: Record<string, number | string> = ctx.categories[i] !== null ? { category: ctx.categories[i]! } : {};
      CLIP_METRICS.forEach((m, k) => (values[m] = row[k]!));
      perClip[id] = values;
    });
    return {
      clips: state.count,
      ...(categories.length > 0 && {
        per_category: Object.fromEntries(categories.map((cat) => {
          const of = (code?: number) => counted.filter((i) => ctx.categories[i] === cat && (code === undefined || ctx.usage[i] === code));
          return [cat, {
            clips: of().length,
            metrics: meansOf(rows, of()),
            ...(hasSplits && { splits: { public: meansOf(rows, of(USAGE_PUBLIC)), private: meansOf(rows, of(USAGE_PRIVATE)) } }),
          }];
        })),
      }),
      per_clip: perClip,
    };
  },
};
