/**
 * Segmentation's scoring units: for each image, its truth mask and predicted mask read,
 * decoded, checked against each other and counted into a classes x classes matrix. A small
 * window of images is read ahead (zip entries inflate asynchronously), results are handed on
 * in truth order, so memory is the window times the largest mask, never the data set. The same
 * code runs on this thread or in a scoring thread (the pipeline decides), from plain context.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Problem } from '../../problems.js';
import { ProblemList } from '../../problems.js';
import type { UnitSink } from '../../scoring/task-definition.js';
import { decodeMask, type LabelMask } from './masks.js';
import { countPair } from './pair.js';
import { openSubmission, type Submission } from './submission.js';

/** Plain data: crosses to a scoring thread as it is. */
export interface SegmentationContext {
  truth: { maskDir: string; maskLabel: string; ids: string[]; outsideSplit: string[]; split?: string };
  submissionPath: string;
  classNames: string[];
  /** Images scored for `metrics` (not ignored). */
  images: number;
}

/** Images read ahead of the one being counted. */
const WINDOW = 16;

/** Submissions opened on this thread, by context (a scoring thread opens its own). */
const opened = new WeakMap<SegmentationContext, Submission>();

export function rememberSubmission(context: SegmentationContext, submission: Submission): void {
  opened.set(context, submission);
}

async function submissionOf(context: SegmentationContext): Promise<Submission> {
  let submission = opened.get(context);
  if (!submission) {
    // Already checked on the main thread: the problems of opening it again are known.
    submission = await openSubmission(context.submissionPath, expectedIds(context), context.classNames, new ProblemList());
    opened.set(context, submission);
  }
  return submission;
}

interface Outcome {
  counts?: Uint32Array;
  problems: Problem[];
}

/** Loads, checks and counts the given images into `sink`, in order. */
export async function produceImages(context: SegmentationContext, units: Uint32Array, sink: UnitSink<ArrayLike<number>>): Promise<void> {
  const submission = await submissionOf(context);
  const classes = context.classNames.length;
  const inFlight: Promise<Outcome>[] = [];
  let next = 0;
  try {
    for (let i = 0; i < units.length; i++) {
      while (next < units.length && next < i + WINDOW) inFlight.push(scoreImage(context, submission, units[next++]!, classes));
      const outcome = await inFlight.shift()!;
      for (const p of outcome.problems) sink.problem(units[i]!, p);
      if (outcome.counts) sink.item(units[i]!, outcome.counts);
    }
  } finally {
    // On a thrown error, let the work already started settle before the caller moves on.
    await Promise.allSettled(inFlight);
  }
}

async function scoreImage(context: SegmentationContext, submission: Submission, unit: number, classes: number): Promise<Outcome> {
  const found: Problem[] = [];
  const sink = { add: (p: Problem) => void found.push(p) };
  const id = context.truth.ids[unit]!;
  const truthFile = `${context.truth.maskLabel}/${id}.png`;
  let truthBytes: Uint8Array | undefined;
  try {
    // Masks are a few KB: a synchronous read is cheaper than the promise machinery.
    truthBytes = fs.readFileSync(path.join(context.truth.maskDir, `${id}.png`));
  } catch {
    found.push({ file: truthFile, message: 'cannot read the truth mask', fault: 'host' });
  }
  let t: LabelMask | undefined;
  let p: LabelMask | undefined;
  const hostSink = { add: (problem: Problem) => void found.push({ ...problem, fault: 'host' }) };
  if (submission.needsSize) {
    t = truthBytes && decodeMask(truthBytes, truthFile, hostSink);
    p = t && (await submission.load(id, sink, t.width, t.height));
  } else {
    const predicted = await submission.bytes(id, sink);
    t = truthBytes && decodeMask(truthBytes, truthFile, hostSink);
    p = predicted && t && decodeMask(predicted.bytes, predicted.file, sink, t);
  }
  if (!t || !p) return { problems: found };
  const counts = new Uint32Array(classes * classes);
  return countPair(t, p, classes, counts, sink) ? { counts, problems: found } : { problems: found };
}

/** The truth ids a submission is matched against, and why an id of the VOC root is refused. */
export function expectedIds(context: SegmentationContext) {
  const { truth } = context;
  const outside = new Set(truth.outsideSplit);
  return {
    ids: truth.ids,
    whyNot: (id: string) => (outside.has(id) ? `id "${id}" is not in the ${truth.split} split; submit masks for the ${truth.split} ids only` : undefined),
  };
}
