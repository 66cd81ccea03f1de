/**
 * Detection against a COCO instances truth: read truth and submission (CSV or results JSON),
 * score every image once with the COCO evaluator, then accumulate all / public / private.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cocoEvaluator, type CocoResult } from '../../evaluators/coco.js';
import { readCocoInstances, readCocoResults, type CocoTruthFile } from '../../formats/coco-json.js';
import { readCocoCsv } from '../../formats/detection-csv.js';
import type { DetectionTable } from '../../formats/detection-builder.js';
import { ValidationError } from '../../problems.js';
import type { EvaluateOptions, EvaluateResult, Resampler, ScoreReport } from '../task.js';
import { imageSplits } from './splits.js';

/** CSV or results JSON: by extension, else by the first byte (`[` is JSON). */
export async function readCocoSubmission(file: string, ids: CocoTruthFile): Promise<DetectionTable> {
  const name = path.basename(file);
  if (!fs.existsSync(file)) throw ValidationError.of({ file: name, message: 'does not exist' });
  if (fs.statSync(file).isDirectory()) throw ValidationError.of({ file: name, message: 'is a folder; a COCO truth takes a CSV (image_id,category_id,score,x,y,width,height) or a results JSON array' });
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return readCocoResults(file, ids, name);
  if (ext === '.csv') return readCocoCsv(file, ids, name);
  const head = Buffer.alloc(64);
  const fd = fs.openSync(file, 'r');
  const got = fs.readSync(fd, head, 0, 64, 0);
  fs.closeSync(fd);
  const first = head.subarray(0, got).toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart()[0];
  return first === '[' ? readCocoResults(file, ids, name) : readCocoCsv(file, ids, name);
}

export function loadCocoTruth(truthPath: string): CocoTruthFile {
  return readCocoInstances(truthPath, path.basename(truthPath));
}

export async function validateCoco(truthPath: string, submissionPath: string): Promise<void> {
  await readCocoSubmission(submissionPath, loadCocoTruth(truthPath));
}

export async function evaluateCoco(truthPath: string, submissionPath: string, opts: EvaluateOptions = {}): Promise<EvaluateResult> {
  const ids = loadCocoTruth(truthPath);
  const splits = imageSplits(truthPath, ids.truth.imageIds);
  const detections = await readCocoSubmission(submissionPath, ids);
  const evaluator = cocoEvaluator(ids.truth);
  const state = evaluator.create();
  evaluator.add(state, { detections, images: splits.all });
  const all = evaluator.finish(state);
  const report: ScoreReport = {
    task: 'detection',
    protocol: 'coco',
    metrics: all.metrics,
    per_category: all.perCategory,
    curves: all.curves,
  };
  if (splits.public && splits.private) {
    report.splits = {
      public: evaluator.scoreImages(state, splits.public).metrics,
      private: evaluator.scoreImages(state, splits.private).metrics,
    };
  }
  const result: EvaluateResult = { report };
  if (opts.withResamplers) {
    const resampler = (images: number[]): Resampler => ({
      size: images.length,
      score: (indices) => evaluator.scoreImages(state, Array.from(indices, (i) => images[i]!)).metrics,
    });
    result.resamplers = { all: resampler(splits.all) };
    if (splits.public && splits.private) {
      result.resamplers.public = resampler(splits.public);
      result.resamplers.private = resampler(splits.private);
    }
  }
  return result;
}

export type { CocoResult };
