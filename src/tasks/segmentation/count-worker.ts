/**
 * Worker thread for scan.ts: decodes a truth and a predicted mask PNG and counts the pair.
 * The main thread only reads bytes and hands them over, so decoding and counting use every core.
 */
import { parentPort } from 'node:worker_threads';
import type { Problem } from '../../problems.js';
import { decodeMask } from './masks.js';
import { countPair } from './pair.js';

export interface CountJob {
  index: number;
  classes: number;
  truth: { bytes: Uint8Array; file: string };
  prediction: { bytes: Uint8Array; file: string };
}

export interface CountResult {
  index: number;
  /** classes x classes counts, absent when the pair has problems. */
  counts?: Uint32Array;
  problems: Problem[];
}

/** Jobs arrive in batches (one message each way per batch: messages cost more than small masks). */
parentPort?.on('message', (jobs: CountJob[]) => {
  const results = jobs.map(count);
  parentPort!.postMessage(results, results.flatMap((r) => (r.counts ? [r.counts.buffer as ArrayBuffer] : [])));
});

function count(job: CountJob): CountResult {
  const problems: Problem[] = [];
  const sink = { add: (p: Problem) => void problems.push(p) };
  let counts: Uint32Array | undefined;
  const truth = decodeMask(job.truth.bytes, job.truth.file, sink);
  const prediction = truth && decodeMask(job.prediction.bytes, job.prediction.file, sink, truth);
  if (truth && prediction) {
    const c = new Uint32Array(job.classes * job.classes);
    if (countPair(truth, prediction, job.classes, c, sink)) counts = c;
  }
  return { index: job.index, counts, problems };
}
