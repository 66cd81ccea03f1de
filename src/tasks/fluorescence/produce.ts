/**
 * Scoring units of the fluorescence task: one unit an example, its item the moments of its
 * (truth, prediction) pairs (evaluators/fluorescence.ts). Examples are read a few at a time
 * (each example's pairs decode together, inflating on libuv's thread pool) and handed to the
 * sink in unit order, so memory holds a window of examples whatever their number and the
 * states add up in the same order however the work overlapped.
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
  zip?: string;
  predictions: PredictionLocation[][];
}

/** Examples read at once. */
const WINDOW = 3;

interface ExampleResult {
  unit: number;
  item?: FluorescenceState;
  problems: Problem[];
}

async function scoreExample(ctx: FluorescenceContext, evaluator: FluorescenceEvaluator, read: (l: PredictionLocation) => Promise<Uint8Array>, unit: number): Promise<ExampleResult> {
  const item = evaluator.create();
  const problems: Problem[] = [];
  if (ctx.ignored[unit]) return { unit, item, problems };
  const id = ctx.ids[unit]!;
  const sink = (host: boolean) => ({ add: (p: Problem) => problems.push(host ? { ...p, fault: 'host' as const } : p) });
  await Promise.all(
    ctx.acquired[unit]!.map(async (channel) => {
      const name = ctx.channels[channel]!;
      const location = ctx.predictions[unit]![channel]!;
      const truthFile = path.join(ctx.truthDir, 'targets', id, `${name}.png`);
      const [truthBytes, predictionBytes] = await Promise.all([fs.promises.readFile(truthFile), read(location)]);
      const images = await loadPair({ bytes: truthBytes, file: `${ctx.truthLabel}/targets/${id}/${name}.png` }, { bytes: predictionBytes, file: location.label }, sink(false), sink(true));
      if (images) evaluator.addPair(item, { channel, condition: ctx.conditionOf[unit]!, ...images });
    }),
  );
  // Channel order, whichever pair finished first.
  return { unit, item: problems.length ? undefined : item, problems };
}

export async function produceExamples(ctx: FluorescenceContext, evaluator: FluorescenceEvaluator, units: Uint32Array, sink: UnitSink<FluorescenceState>): Promise<void> {
  const read = await predictionReader(ctx.zip, { maxEntries: Math.max(1000, ctx.ids.length * ctx.channels.length * 2 + 100) });
  const inFlight: Promise<ExampleResult>[] = [];
  let next = 0;
  const start = () => inFlight.push(scoreExample(ctx, evaluator, read, units[next++]!));
  while (next < units.length && inFlight.length < WINDOW) start();
  while (inFlight.length > 0) {
    const result = await inFlight.shift()!;
    if (next < units.length) start();
    for (const p of result.problems) sink.problem(result.unit, p);
    if (result.item) sink.item(result.unit, result.item);
  }
}
