/**
 * Detection against a PASCAL VOC truth folder: read annotations and the submission (CSV, or
 * devkit result files in a folder or .zip), score every image once with the VOC evaluator,
 * then accumulate all / public / private.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_IOU, vocEvaluator } from '../../evaluators/voc-detection.js';
import type { DetectionTable } from '../../formats/detection-builder.js';
import { readVocCsv } from '../../formats/detection-csv.js';
import { readVocFolder, readVocResultFiles, type VocTruthFile } from '../../formats/voc-xml.js';
import { UsageError, ValidationError } from '../../problems.js';
import type { EvaluateOptions, EvaluateResult, ScoreReport, TaskOptions } from '../task.js';
import { imageSplits, withSplits } from './splits.js';

/** `options.iou`: the overlap a match needs, in (0, 1]; the devkit's 0.5 by default. */
export function vocIou(options?: TaskOptions): number {
  const iou = options?.iou;
  if (iou === undefined) return DEFAULT_IOU;
  if (typeof iou !== 'number' || !(iou > 0 && iou <= 1)) {
    throw new UsageError(`detection option "iou" must be a number in (0, 1], got ${JSON.stringify(iou)}`);
  }
  return iou;
}

export function loadVocTruth(truthPath: string): VocTruthFile {
  return readVocFolder(truthPath, path.basename(truthPath));
}

/** A CSV, a folder of devkit files, or a .zip of them. */
export async function readVocSubmission(file: string, ids: VocTruthFile): Promise<DetectionTable> {
  const name = path.basename(file);
  if (!fs.existsSync(file)) throw ValidationError.of({ file: name, message: 'does not exist' });
  if (fs.statSync(file).isDirectory() || path.extname(file).toLowerCase() === '.zip') return readVocResultFiles(file, ids, name);
  return readVocCsv(file, ids, name);
}

export async function validateVoc(truthPath: string, submissionPath: string): Promise<void> {
  await readVocSubmission(submissionPath, loadVocTruth(truthPath));
}

export async function evaluateVoc(truthPath: string, submissionPath: string, opts: EvaluateOptions = {}): Promise<EvaluateResult> {
  const ids = loadVocTruth(truthPath);
  const splits = imageSplits(truthPath, ids.truth.imageIds);
  const detections = await readVocSubmission(submissionPath, ids);
  const iou = vocIou(opts.options);
  const evaluator = vocEvaluator(ids.truth, { iou });
  const state = evaluator.create();
  evaluator.add(state, { detections, images: splits.all });
  const all = evaluator.finish(state);
  const report: ScoreReport = { task: 'detection', protocol: 'voc', iou, metrics: all.metrics, ap07: all.ap07, ap: all.ap };
  return withSplits(report, splits, (images) => evaluator.scoreImages(state, images).metrics, opts.withResamplers);
}
