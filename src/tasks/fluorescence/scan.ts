/**
 * Streams the (example, channel) pairs of a truth and a submission through the evaluator, a
 * few pairs at a time: memory holds `concurrency` pairs of images whatever the number of
 * examples. Each example gets its own small state (its moments), kept for the splits and the
 * bootstrap; examples marked Ignored are not read.
 */
import path from 'node:path';
import fs from 'node:fs';
import type { FluorescenceEvaluator, FluorescenceState } from '../../evaluators/fluorescence.js';
import { ProblemList, type Problem } from '../../problems.js';
import { loadPair } from './images.js';
import { readPrediction, type FluorescenceSubmission } from './submission.js';
import type { FluorescenceTruth } from './truth.js';

export interface ScanOptions {
  /** Pairs read and decoded at once (inflate runs on libuv's thread pool). */
  concurrency?: number;
  /** Called once per pair scored. */
  onPair?: () => void;
  signal?: AbortSignal;
}

export interface ScanResult {
  /** One state per example (in truth order); undefined for Ignored examples. */
  perExample: (FluorescenceState | undefined)[];
  problems: ProblemList;
  /** Problems with the truth's own images (the host's data). */
  truthProblems: ProblemList;
}

export const DEFAULT_CONCURRENCY = 4;

/** The pairs to score: every acquired channel of every example that is not Ignored. */
export function scoredPairs(truth: FluorescenceTruth): { example: number; channel: number }[] {
  const out: { example: number; channel: number }[] = [];
  truth.ids.forEach((_, example) => {
    if (truth.usage?.[example] === 'Ignored') return;
    for (const channel of truth.acquired[example]!) out.push({ example, channel });
  });
  return out;
}

export async function scanPairs(
  truth: FluorescenceTruth,
  submission: FluorescenceSubmission,
  evaluator: FluorescenceEvaluator,
  opts: ScanOptions = {},
): Promise<ScanResult> {
  const problems = new ProblemList();
  const truthProblems = new ProblemList();
  const perExample: (FluorescenceState | undefined)[] = truth.ids.map((_, i) => (truth.usage?.[i] === 'Ignored' ? undefined : evaluator.create()));
  const pairs = scoredPairs(truth);
  // Problems per pair, handed to the lists in pair order at the end (pairs finish in any order).
  const found: { pair: number; problem: Problem; host: boolean }[] = [];
  const sink = (pair: number, host: boolean) => ({ add: (problem: Problem) => found.push({ pair, problem, host }) });
  let next = 0;
  const worker = async () => {
    while (next < pairs.length && found.length < problems.cap) {
      const index = next;
      opts.signal?.throwIfAborted();
      const { example, channel } = pairs[next++]!;
      const id = truth.ids[example]!;
      const name = truth.channels[channel]!;
      const truthFile = path.join(truth.dir, 'targets', id, `${name}.png`);
      const location = submission.predictions[example]![channel]!;
      const [truthBytes, predictionBytes] = await Promise.all([fs.promises.readFile(truthFile), readPrediction(location)]);
      const images = await loadPair(
        { bytes: truthBytes, file: `${truth.label}/targets/${id}/${name}.png` },
        { bytes: predictionBytes, file: location.label },
        sink(index, false),
        sink(index, true),
      );
      if (images) evaluator.add(perExample[example]!, { channel, condition: truth.conditionOf[example]!, ...images });
      opts.onPair?.();
    }
  };
  const threads = Math.max(1, Math.min(opts.concurrency ?? DEFAULT_CONCURRENCY, pairs.length));
  await Promise.all(Array.from({ length: threads }, worker));
  found.sort((a, b) => a.pair - b.pair);
  for (const f of found) (f.host ? truthProblems : problems).add(f.problem);
  return { perExample, problems, truthProblems };
}
