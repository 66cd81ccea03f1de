/**
 * Which truth images count where: every image for `metrics` when the truth has no usage marks;
 * otherwise Public and Private images (Ignored ones count nowhere), via src/formats/usage.ts.
 */
import { ProblemList } from '../../problems.js';
import { readUsage, usageFileFor, type Usage } from '../../formats/usage.js';
import type { Scores } from '../../evaluators/evaluator.js';
import type { EvaluateResult, Resampler, ScoreReport } from '../task.js';

export interface ImageSplits {
  /** Image ranks scored for `metrics` (all non-ignored images), ascending. */
  all: number[];
  public?: number[];
  private?: number[];
}

/** Reads `<truth>.usage.csv` / `usage.csv` for images with the given ids (by rank). */
export function imageSplits(truthPath: string, imageIds: readonly (string | number)[]): ImageSplits {
  const usage = readUsage(truthPath);
  const ranks = imageIds.map((_, i) => i);
  if (!usage) return { all: ranks };
  const file = usageFileFor(truthPath);
  const problems = new ProblemList();
  const known = new Set(imageIds.map(String));
  for (const id of usage.keys()) {
    if (!known.has(id)) problems.add({ file, column: 'id', message: `"${id}" is not an image of the truth` });
  }
  const marks: Usage[] = imageIds.map((id) => {
    const mark = usage.get(String(id));
    if (!mark) problems.add({ file, column: 'id', message: `image "${id}" has no usage mark (Public, Private or Ignored)` });
    return mark ?? 'Ignored';
  });
  problems.throwIfAny();
  return {
    all: ranks.filter((i) => marks[i] !== 'Ignored'),
    public: ranks.filter((i) => marks[i] === 'Public'),
    private: ranks.filter((i) => marks[i] === 'Private'),
  };
}

/**
 * Completes a detection report: public and private scores (when the truth has usage marks) and,
 * when asked, per-image resamplers for bootstrap intervals. `scoreImages` scores a multiset of
 * image ranks from the evaluator state already built.
 */
export function withSplits(
  report: ScoreReport,
  splits: ImageSplits,
  scoreImages: (images: number[]) => Scores,
  withResamplers?: boolean,
): EvaluateResult {
  if (splits.public && splits.private) {
    report.splits = { public: scoreImages(splits.public), private: scoreImages(splits.private) };
  }
  const result: EvaluateResult = { report };
  if (withResamplers) {
    const resampler = (images: number[]): Resampler => ({
      size: images.length,
      score: (indices) => scoreImages(Array.from(indices, (i) => images[i]!)),
    });
    result.resamplers = { all: resampler(splits.all) };
    if (splits.public && splits.private) {
      result.resamplers.public = resampler(splits.public);
      result.resamplers.private = resampler(splits.private);
    }
  }
  return result;
}
