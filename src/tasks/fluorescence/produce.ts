/**
 * Scoring units of the fluorescence task: one unit an example, its item the moments of its
 * (truth, prediction) pairs (evaluators/fluorescence.ts). Pairs are read a few at a time, in
 * order (inflating on libuv's thread pool while this thread unfilters and sums), and examples
 * are handed to the sink in unit order, so memory holds a few images whatever the number of
 * examples and the states add up in the same order however the work overlapped.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FluorescenceEvaluator, FluorescenceState } from '../../evaluators/fluorescence.js';
import type { Problem } from '../../problems.js';
import type { UnitSink } from '../../scoring/task-definition.js';
import { loadPair } from './images.js';
import { predictionReader, type PredictionLocation } from './submission.js';

/** What scoring needs, as plain data (it may cross into a worker thread). */
export interface FluorescenceContext {
  truthDir: string;
  /** How messages name the truth folder. */
  truthLabel: string;
  ids: string[];
  conditions: string[];
  conditionOf: Uint32Array;
  channels: string[];
  /** Per example, the channel indices acquired in the truth. */
  acquired: number[][];
  /** Examples marked Ignored: their predictions must exist but are not read. */
  ignored: Uint8Array;
  predictions: PredictionLocation[][];
}

/**
 * Image pairs read and decoded at once (a pair is about 9 MB at 1024 x 1024, 16-bit: both
 * files, the zip entry and both inflated images): enough to keep libuv's pool inflating while
 * this thread unfilters and sums, few enough that memory holds a handful of images whatever
 * the number of examples.
 */
const PAIRS_AT_ONCE = 3;

/** An example being scored: its item fills as its pairs finish; `left` counts the unfinished ones. */
interface Example {
  unit: number;
  item: FluorescenceState;
  problems: Problem[];
  pairs: Promise<void>[];
  left: number;
}

type Read = (location: PredictionLocation) => Promise<Uint8Array>;

async function scorePair(ctx: FluorescenceContext, evaluator: FluorescenceEvaluator, read: Read, example: Example, channel: number): Promise<void> {
  const { unit, problems } = example;
  const id = ctx.ids[unit]!;
  const name = ctx.channels[channel]!;
  const location = ctx.predictions[unit]![channel]!;
  const truthFile = path.join(ctx.truthDir, 'targets', id, `${name}.png`);
  const sink = (host: boolean) => ({ add: (p: Problem) => problems.push(host ? { ...p, fault: 'host' as const } : p) });
  const [truthBytes, predictionBytes] = await Promise.all([fs.promises.readFile(truthFile), read(location)]);
  const images = await loadPair({ bytes: truthBytes, file: `${ctx.truthLabel}/targets/${id}/${name}.png` }, { bytes: predictionBytes, file: location.label }, sink(false), sink(true));
  // Each pair fills its own (condition, channel) slot, so the order pairs finish in does not matter.
  if (images) evaluator.addPair(example.item, { channel, condition: ctx.conditionOf[unit]!, ...images });
}

export async function produceExamples(ctx: FluorescenceContext, evaluator: FluorescenceEvaluator, units: Uint32Array, sink: UnitSink<FluorescenceState>): Promise<void> {
  const read = predictionReader();
  const open: Example[] = []; // started, in unit order, not yet handed to the sink
  const running: Promise<void>[] = []; // pairs started, oldest first
  const hand = async (example: Example) => {
    await Promise.all(example.pairs); // settled already, unless this is the end; a failure surfaces here
    for (const p of example.problems) sink.problem(example.unit, p);
    if (example.problems.length === 0) sink.item(example.unit, example.item);
  };
  for (const unit of units) {
    const example: Example = { unit, item: evaluator.create(), problems: [], pairs: [], left: 0 };
    open.push(example);
    for (const channel of ctx.ignored[unit] ? [] : ctx.acquired[unit]!) {
      while (running.length >= PAIRS_AT_ONCE) await running.shift();
      const pair = scorePair(ctx, evaluator, read, example, channel);
      example.left++;
      // Also marks a failure as handled until it is awaited (by running.shift() or hand).
      pair.then(() => example.left--, () => example.left--);
      running.push(pair);
      example.pairs.push(pair);
    }
    while (open.length > 0 && open[0]!.left === 0) await hand(open.shift()!);
  }
  for (const example of open) await hand(example);
}
