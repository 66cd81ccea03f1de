/**
 * Detection against a COCO instances truth: read truth and submission (CSV or results JSON),
 * score every image once with the COCO evaluator, then accumulate all / public / private.
 *
 * Large submissions use a second thread (coco-worker.ts): it scans the submission while this
 * thread reads the truth, then matches half of the images. The evaluator's state merges
 * shards exactly, so the numbers are the same as on one thread.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cocoEvaluator, type CocoDetections } from '../../evaluators/coco.js';
import { addCocoDetection, readCocoInstances, readCocoResults, type CocoTruthFile } from '../../formats/coco-json.js';
import { readCocoCsv } from '../../formats/detection-csv.js';
import { DetectionBuilder, type DetectionTable } from '../../formats/detection-builder.js';
import { ProblemList, ValidationError } from '../../problems.js';
import type { EvaluateOptions, EvaluateResult, ScoreReport } from '../task.js';
import { CocoWorker, useSecondThread } from './coco-parallel.js';
import { RAW_STRIDE } from './coco-worker.js';
import { imageSplits, withSplits } from './splits.js';

/** CSV or results JSON: by extension, else by the first byte (`[` is JSON). Throws for a folder. */
function submissionKind(file: string): 'csv' | 'json' {
  const name = path.basename(file);
  if (!fs.existsSync(file)) throw ValidationError.of({ file: name, message: 'does not exist' });
  if (fs.statSync(file).isDirectory()) throw ValidationError.of({ file: name, message: 'is a folder; a COCO truth takes a CSV (image_id,category_id,score,x,y,width,height) or a results JSON array' });
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  const head = Buffer.alloc(64);
  const fd = fs.openSync(file, 'r');
  const got = fs.readSync(fd, head, 0, 64, 0);
  fs.closeSync(fd);
  const first = head.subarray(0, got).toString('latin1').replace(/^\xEF\xBB\xBF/, '').trimStart()[0];
  return first === '[' ? 'json' : 'csv';
}

export async function readCocoSubmission(file: string, ids: CocoTruthFile): Promise<DetectionTable> {
  const name = path.basename(file);
  return submissionKind(file) === 'json' ? readCocoResults(file, ids, name) : readCocoCsv(file, ids, name);
}

/** Rows scanned by the worker (numbers already checked finite): ids looked up, sizes checked. */
function resolveRaw(raw: { buffer: SharedArrayBuffer; count: number }, ids: CocoTruthFile, name: string, kind: 'csv' | 'json'): DetectionTable {
  const v = new Float64Array(raw.buffer);
  const problems = new ProblemList();
  const out = new DetectionBuilder(raw.count, true);
  const columns = ['image_id', 'category_id', 'score', 'x', 'y', 'width', 'height'];
  let o = 0;
  const text = (c: string) => String(v[o + columns.indexOf(c)]); // only called for a problem
  // A CSV's rows are numbered by file line, a results JSON's by entry.
  const atLine = { file: name, line: 0 };
  const atEntry = { file: name, row: 0 };
  const where = kind === 'csv' ? atLine : atEntry;
  for (let i = 0; i < raw.count; i++) {
    o = i * RAW_STRIDE;
    atLine.line = atEntry.row = v[o + 7]!;
    addCocoDetection(out, ids, problems, where, v[o]!, v[o + 1]!, v[o + 2]!, v[o + 3]!, v[o + 4]!, v[o + 5]!, v[o + 6]!, text);
  }
  problems.throwIfAny();
  return out.table();
}

export function loadCocoTruth(truthPath: string): CocoTruthFile {
  return readCocoInstances(truthPath, path.basename(truthPath));
}

export async function validateCoco(truthPath: string, submissionPath: string): Promise<void> {
  await readCocoSubmission(submissionPath, loadCocoTruth(truthPath));
}

export async function evaluateCoco(truthPath: string, submissionPath: string, opts: EvaluateOptions = {}): Promise<EvaluateResult> {
  const kind = submissionKind(submissionPath);
  const worker = useSecondThread(fs.statSync(submissionPath).size) ? CocoWorker.start() : undefined;
  try {
    const scanned = worker?.scan(path.resolve(submissionPath), kind);
    scanned?.catch(() => undefined); // observed below
    const ids = loadCocoTruth(truthPath);
    const splits = imageSplits(truthPath, ids.truth.imageIds);
    // A worker that fails (it should not) costs time, not the result: read on this thread.
    const raw = scanned ? await scanned.catch(() => null) : null;
    const detections = raw ? resolveRaw(raw, ids, path.basename(submissionPath), kind) : await readCocoSubmission(submissionPath, ids);

    const evaluator = cocoEvaluator(ids.truth);
    const state = evaluator.create();
    if (worker) {
      // Interleaved halves balance the work; the worker takes the odd positions.
      const mine = splits.all.filter((_, i) => i % 2 === 0);
      const theirs = Uint32Array.from(splits.all.filter((_, i) => i % 2 === 1));
      const matched = worker.match({ type: 'match', truth: ids.truth, detections: plainDetections(detections), images: theirs });
      matched.catch(() => undefined);
      evaluator.add(state, { detections, images: mine });
      const chunks = await matched.catch(() => undefined);
      if (chunks) state.chunks.push(...chunks);
      else evaluator.add(state, { detections, images: theirs });
    } else {
      evaluator.add(state, { detections, images: splits.all });
    }
    return report(evaluator, state, splits, opts);
  } finally {
    worker?.close();
  }
}

/** The detection arrays only (what postMessage copies). */
function plainDetections(d: DetectionTable): CocoDetections {
  return { count: d.count, image: d.image, category: d.category, score: d.score, box: d.box };
}

function report(
  evaluator: ReturnType<typeof cocoEvaluator>,
  state: ReturnType<ReturnType<typeof cocoEvaluator>['create']>,
  splits: ReturnType<typeof imageSplits>,
  opts: EvaluateOptions,
): EvaluateResult {
  const all = evaluator.finish(state);
  const report: ScoreReport = {
    task: 'detection',
    protocol: 'coco',
    metrics: all.metrics,
    per_category: all.perCategory,
    curves: all.curves,
  };
  return withSplits(report, splits, (images) => evaluator.scoreImages(state, images).metrics, opts.withResamplers);
}
