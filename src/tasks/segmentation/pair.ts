/** Checking and counting one image: its truth mask against its predicted mask. */
import { countRows } from '../../evaluators/segmentation.js';
import type { LabelMask, ProblemSink } from './masks.js';

/**
 * Counts the pixels of one image into `counts` (classes x classes, zeroed by the caller).
 * Returns false, with problems naming the file, on a size mismatch or labels out of range;
 * `counts` is then not to be used.
 */
export function countPair(truth: LabelMask, prediction: LabelMask, classes: number, counts: Uint32Array, problems: ProblemSink): boolean {
  if (truth.width !== prediction.width || truth.height !== prediction.height) {
    problems.add({ file: prediction.file, message: `mask is ${prediction.width} x ${prediction.height}, the truth ${truth.file} is ${truth.width} x ${truth.height}` });
    return false;
  }
  const rows = (m: LabelMask) => ({ data: m.labels, width: m.width, height: m.height, stride: m.stride });
  const check = countRows(rows(truth), rows(prediction), classes, counts);
  if (check.badTruth > 0) {
    problems.add({ file: truth.file, message: `truth label ${check.firstBadTruth} at ${check.badTruth} pixel(s) is not a class (0..${classes - 1}) nor 255 (void)`, fault: 'host' });
  }
  if (check.badPredictions > 0) {
    problems.add({ file: prediction.file, message: `label ${check.firstBadPrediction} at ${check.badPredictions} pixel(s) is not a class (expected 0..${classes - 1})` });
  }
  return check.badTruth === 0 && check.badPredictions === 0;
}
