/**
 * One streaming pass over the truth images: load truth and predicted mask, check them, count
 * pixels into confusion matrices (all, public, private).
 *
 * Several images are in flight at once (a small window, in truth order): file reads and both
 * PNG inflates run on libuv's thread pool while the main thread unfilters and counts, so two
 * cores work without worker threads. Memory: the window times the largest mask, never the set.
 */
import fs from 'node:fs';
import path from 'node:path';
import { addCounts, countPixels, type ConfusionState } from '../../evaluators/segmentation.js';
import type { ProblemList } from '../../problems.js';
import type { Progress } from '../../progress.js';
import { decodeMask, type LabelMask } from './masks.js';
import type { Submission } from './submission.js';
import { USAGE_IGNORED, USAGE_PRIVATE, USAGE_PUBLIC, type SegmentationTruth } from './truth.js';

export interface ScanResult {
  /** All non-ignored images, public, private. */
  states: [ConfusionState, ConfusionState, ConfusionState];
  /** Per truth image, its classes x classes counts (only when asked for, for resampling). */
  perImage?: (Uint32Array | undefined)[];
  /** Images counted (not ignored, without problems). */
  images: number;
}

/** Images read ahead of the one being counted: enough to keep the thread pool busy. */
const WINDOW = 8;

export async function scanMasks(
  truth: SegmentationTruth,
  submission: Submission,
  classes: number,
  problems: ProblemList,
  opts: { perImage?: boolean } = {},
): Promise<ScanResult> {
  const create = (): ConfusionState => ({ classes, matrix: new Float64Array(classes * classes) });
  const states: ScanResult['states'] = [create(), create(), create()];
  const perImage: (Uint32Array | undefined)[] | undefined = opts.perImage ? new Array(truth.ids.length) : undefined;
  const scratch = new Uint32Array(classes * classes);
  let images = 0;
  const bar = await startProgress(truth.ids.length);

  const load = async (i: number): Promise<[LabelMask | undefined, LabelMask | undefined]> => {
    const id = truth.ids[i]!;
    const truthFile = `${truth.maskLabel}/${id}.png`;
    let truthBytes: Buffer | undefined;
    try {
      // Masks are a few KB: a synchronous read is cheaper than the promise machinery.
      truthBytes = fs.readFileSync(path.join(truth.maskDir, `${id}.png`));
    } catch {
      problems.add({ file: truthFile, message: 'cannot read the truth mask' });
    }
    const truthMask = truthBytes ? decodeMask(truthBytes, truthFile, problems) : Promise.resolve(undefined);
    if (submission.needsSize) {
      const t = await truthMask;
      return [t, t ? await submission.load(id, problems, t.width, t.height) : undefined];
    }
    return Promise.all([truthMask, submission.load(id, problems)]);
  };

  const count = (i: number, t: LabelMask | undefined, p: LabelMask | undefined): void => {
    if (!t || !p) return;
    if (t.width !== p.width || t.height !== p.height) {
      problems.add({ file: p.file, message: `mask is ${p.width} x ${p.height}, the truth ${t.file} is ${t.width} x ${t.height}` });
      return;
    }
    const counts = perImage ? new Uint32Array(classes * classes) : scratch.fill(0);
    const check = countPixels(t.labels, p.labels, classes, counts);
    if (check.badTruth > 0) {
      problems.add({ file: t.file, message: `truth label ${check.firstBadTruth} at ${check.badTruth} pixel(s) is not a class (0..${classes - 1}) nor 255 (void)` });
    }
    if (check.badPredictions > 0) {
      problems.add({ file: p.file, message: `label ${check.firstBadPrediction} at ${check.badPredictions} pixel(s) is not a class (expected 0..${classes - 1})` });
    }
    if (check.badTruth > 0 || check.badPredictions > 0) return;
    if (perImage) perImage[i] = counts;
    const usage = truth.usage[i]!;
    if (usage === USAGE_IGNORED) return;
    images++;
    addCounts(states[0], counts);
    if (usage === USAGE_PUBLIC) addCounts(states[1], counts);
    else if (usage === USAGE_PRIVATE) addCounts(states[2], counts);
  };

  const inFlight: Promise<[LabelMask | undefined, LabelMask | undefined]>[] = [];
  let next = 0;
  try {
    for (let i = 0; i < truth.ids.length; i++) {
      while (next < truth.ids.length && next < i + WINDOW) inFlight.push(load(next++));
      const [t, p] = await inFlight.shift()!;
      count(i, t, p);
      bar.tick();
    }
  } finally {
    // On a thrown error, let the reads already started settle before the caller moves on.
    await Promise.allSettled(inFlight);
    bar.stop();
  }
  return { states, perImage, images };
}

/** A progress bar on a terminal only; cli-progress is not even loaded otherwise. */
async function startProgress(total: number): Promise<Progress> {
  if (!process.stderr.isTTY || process.env.CI || total < 200) return { tick() {}, stop() {} };
  const { progress } = await import('../../progress.js');
  return progress('scoring masks', total);
}
