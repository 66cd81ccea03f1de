/**
 * Worker thread for scan.ts: decodes a truth and a predicted mask PNG and counts the pair.
 * The main thread only reads bytes and hands them over, so decoding and counting use every core.
 */
import { parentPort } from 'node:worker_threads';
import type { Problem } from '../../problems.js';
import { decodeMaskSync } from './masks.js';
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

parentPort?.on('message', (job: CountJob) => {
  const problems: Problem[] = [];
  const sink = { add: (p: Problem) => void problems.push(p) };
  let counts: Uint32Array | undefined;
  const truth = decodeMaskSync(job.truth.bytes, job.truth.file, sink);
  const prediction = decodeMaskSync(job.prediction.bytes, job.prediction.file, sink);
  if (truth && prediction) {
    const c = new Uint32Array(job.classes * job.classes);
    if (countPair(truth, prediction, job.classes, c, sink)) counts = c;
  }
  const result: CountResult = { index: job.index, counts, problems };
  parentPort!.postMessage(result, counts ? [counts.buffer as ArrayBuffer] : []);
});
