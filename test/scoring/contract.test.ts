/**
 * The evaluator contract (src/evaluators/evaluator.ts), checked against every evaluator the way
 * torcheval's MetricClassTester and torchmetrics' MetricTester do: one pass over the items
 * equals the items split into 4 shards and merged in any order and grouping; an empty state
 * finishes like a merge of nothing; a state survives the codec (state-codec.ts), and the
 * transfer to another thread (thread-data.ts), and still merges and finishes the same; neither
 * merge nor finish changes its inputs.
 */
import { describe, expect, it } from 'vitest';
import type { Evaluator } from '../../src/evaluators/evaluator.js';
import { cocoEvaluator } from '../../src/evaluators/coco.js';
import { countMaskPair, segmentationEvaluator } from '../../src/evaluators/segmentation.js';
import { separationEvaluator, type MixtureScores } from '../../src/evaluators/separation.js';
import { stabilizationEvaluator } from '../../src/evaluators/stabilization.js';
import { topKEvaluator } from '../../src/evaluators/topk.js';
import { fluorescenceEvaluator } from '../../src/evaluators/fluorescence.js';
import { vocEvaluator } from '../../src/evaluators/voc-detection.js';
import { readCocoInstances, readCocoResults } from '../../src/formats/coco-json.js';
import { readVocCsv } from '../../src/formats/detection-csv.js';
import { readVocFolder } from '../../src/formats/voc-xml.js';
import { mulberry32 } from '../../src/random.js';
import { decodeState, encodeState } from '../../src/scoring/state-codec.js';
import { transferList } from '../../src/scoring/thread-data.js';
import { fixture } from '../helpers/cli.js';

interface Case {
  name: string;
  evaluator: Evaluator<unknown, unknown, unknown>;
  items: () => Promise<unknown[]>;
}

const random = mulberry32(11);
const pick = (n: number) => Math.floor(random() * n);

const cases: Case[] = [
  {
    name: 'topk (classification)',
    evaluator: topKEvaluator([1, 3, 5], 7) as Evaluator<unknown, unknown, unknown>,
    // One row a batch; ranks -1..6 so every k and the per-class top-1 counts are exercised.
    items: async () => Array.from({ length: 80 }, () => ({ trueClass: Int32Array.of(pick(7)), rank: Int16Array.of(pick(8) - 1) })),
  },
  {
    name: 'segmentation (confusion matrix)',
    evaluator: segmentationEvaluator(4) as Evaluator<unknown, unknown, unknown>,
    items: async () =>
      Array.from({ length: 24 }, () => {
        const truth = Uint8Array.from({ length: 60 }, () => (random() < 0.1 ? 255 : pick(4)));
        const prediction = Uint8Array.from({ length: 60 }, () => pick(4));
        return countMaskPair(4, { truth, prediction });
      }),
  },
  {
    name: 'separation (per-mixture means)',
    evaluator: separationEvaluator as Evaluator<unknown, unknown, unknown>,
    items: async () =>
      Array.from({ length: 30 }, (_, i): MixtureScores => {
        const v = () => (random() < 0.05 ? null : random() * 30 - 5);
        return { id: `m${i}`, sdr: [v(), v()], sir: [v(), v()], sar: [v(), v()], perm: [0, 1], si_sdr: [v(), v()], si_sdr_perm: [1, 0], sdri: [v(), v()], si_sdri: [v(), v()] };
      }),
  },
  {
    name: 'stabilization (per-clip rows)',
    evaluator: stabilizationEvaluator as Evaluator<unknown, unknown, unknown>,
    // More clips than the state's initial room, so growing is exercised too.
    items: async () => Array.from({ length: 37 }, () => Float64Array.from({ length: 8 }, () => random())),
  },
  {
    name: 'COCO detection',
    evaluator: (() => {
      const truth = readCocoInstances(fixture('det/instances.json'));
      return cocoEvaluator(truth.truth) as Evaluator<unknown, unknown, unknown>;
    })(),
    items: async () => {
      const truth = readCocoInstances(fixture('det/instances.json'));
      const detections = readCocoResults(fixture('det/submission.json'), truth);
      return truth.truth.imageIds.map((_, i) => ({ detections, images: [i] }));
    },
  },
  {
    name: 'VOC detection',
    evaluator: (() => vocEvaluator(readVocFolder(fixture('voc')).truth) as Evaluator<unknown, unknown, unknown>)(),
    items: async () => {
      const truth = readVocFolder(fixture('voc'));
      const detections = await readVocCsv(fixture('voc/results.csv'), truth);
      return truth.truth.imageIds.map((_, i) => ({ detections, images: [i] }));
    },
  },
  {
    name: 'fluorescence (pooled Pearson r, MAE)',
    evaluator: fluorescenceEvaluator(['DAPI', 'MAP2'], ['A', 'B']) as Evaluator<unknown, unknown, unknown>,
    // One example an item: its pairs' moments (8- and 16-bit, some channels not acquired).
    items: async () => {
      const ev = fluorescenceEvaluator(['DAPI', 'MAP2'], ['A', 'B']);
      return Array.from({ length: 20 }, (_, i) => {
        const item = ev.create();
        for (const channel of [0, 1]) {
          if (random() < 0.25) continue;
          const truth = Uint16Array.from({ length: 40 }, () => pick(65536));
          const prediction = i % 3 ? Uint16Array.from(truth, (v) => (v + pick(20000)) % 65536) : Uint8Array.from({ length: 40 }, () => pick(256));
          ev.addPair(item, { channel, condition: i % 2, truth: { data: truth, bitDepth: 16 }, prediction: { data: prediction, bitDepth: prediction instanceof Uint8Array ? 8 : 16 } });
        }
        return item;
      });
    },
  },
];

/** Deep equality with numbers equal to 1e-12 (relative above 1): float sums may be reordered. */
function expectClose(a: unknown, b: unknown): void {
  const mismatches: string[] = [];
  const walk = (x: unknown, y: unknown, where: string): void => {
    if (mismatches.length > 5) return;
    if (typeof x === 'number' && typeof y === 'number') {
      const same = Number.isNaN(x) ? Number.isNaN(y) : Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(x));
      if (!same) mismatches.push(`${where}: ${x} vs ${y}`);
      return;
    }
    if (ArrayBuffer.isView(x) && ArrayBuffer.isView(y)) return walk(Array.from(x as Float64Array), Array.from(y as Float64Array), where);
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) mismatches.push(`${where}: length ${x.length} vs ${y.length}`);
      else x.forEach((v, i) => walk(v, y[i], `${where}[${i}]`));
      return;
    }
    if (x && y && typeof x === 'object' && typeof y === 'object') {
      const kx = Object.keys(x).sort().join();
      const ky = Object.keys(y).sort().join();
      if (kx !== ky) mismatches.push(`${where}: keys ${kx} vs ${ky}`);
      else for (const k of Object.keys(x)) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${where}.${k}`);
      return;
    }
    if (x !== y) mismatches.push(`${where}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
  };
  walk(a, b, 'result');
  expect(mismatches).toEqual([]);
}

describe.each(cases)('the evaluator contract: $name', ({ evaluator: ev, items: makeItems }) => {
  const fill = (items: unknown[]) => {
    const s = ev.create();
    for (const item of items) ev.add(s, item);
    return s;
  };

  it('one pass equals 4 shards merged in any order and grouping', async () => {
    const items = await makeItems();
    const whole = ev.finish(fill(items));
    // Interleaved and contiguous shards, one of them empty.
    const interleaved = [0, 1, 2, 3].map((k) => fill(items.filter((_, i) => i % 4 === k)));
    const q = Math.floor(items.length / 3);
    const contiguous = [fill(items.slice(0, q)), fill([]), fill(items.slice(q, 2 * q)), fill(items.slice(2 * q))];
    for (const shards of [interleaved, contiguous]) {
      const [a, b, c, d] = shards as [unknown, unknown, unknown, unknown];
      expectClose(ev.finish(ev.merge([a, b, c, d])), whole);
      expectClose(ev.finish(ev.merge([d, b, a, c])), whole);
      expectClose(ev.finish(ev.merge([ev.merge([c, a]), ev.merge([d]), b])), whole);
      expectClose(ev.finish(ev.merge([ev.merge([b, d]), ev.merge([a, c])])), whole);
    }
  });

  it('an empty state finishes like a merge of nothing, and merging it changes nothing', async () => {
    const items = await makeItems();
    expectClose(ev.finish(ev.create()), ev.finish(ev.merge([])));
    expectClose(ev.finish(ev.merge([ev.create(), ev.create()])), ev.finish(ev.create()));
    const full = fill(items);
    expectClose(ev.finish(ev.merge([ev.create(), full, ev.create()])), ev.finish(full));
  });

  it('states survive the codec: decoded shards merge and finish the same', async () => {
    const items = await makeItems();
    const shards = [0, 1, 2, 3].map((k) => fill(items.filter((_, i) => i % 4 === k)));
    const decoded = shards.map((s) => decodeState(encodeState(s)));
    expect(decoded.map(encodeState)).toEqual(shards.map(encodeState));
    expectClose(ev.finish(ev.merge(decoded)), ev.finish(ev.merge(shards)));
    expectClose(ev.finish(decoded[2]), ev.finish(shards[2]));
  });

  it('the codec writes an object shared by several states once, and decodes it shared', async () => {
    const items = await makeItems();
    const state = fill(items);
    const one = encodeState(state).length;
    const twice = decodeState<unknown[]>(encodeState([state, state, state]));
    expect(encodeState([state, state, state]).length).toBeLessThan(one + 200);
    expect(twice[1]).toBe(twice[0]);
    expectClose(ev.finish(twice[2]), ev.finish(state));
  });

  it('states cross a thread by transfer: moved shards merge and finish the same', async () => {
    const items = await makeItems();
    const shards = () => [0, 1, 2, 3].map((k) => fill(items.filter((_, i) => i % 4 === k)));
    const kept = shards();
    const sent = shards();
    // As a scoring thread posts them: all shards in one message, their buffers transferred.
    const moved = structuredClone(sent, { transfer: transferList(sent) });
    expect(moved.map(encodeState)).toEqual(kept.map(encodeState));
    expectClose(ev.finish(ev.merge(moved)), ev.finish(ev.merge(kept)));
  });

  it('merge and finish leave their inputs as they were; a finished state can grow', async () => {
    const items = await makeItems();
    const half = Math.floor(items.length / 2);
    const a = fill(items.slice(0, half));
    const b = fill(items.slice(half));
    const before = [encodeState(a), encodeState(b)];
    const merged = ev.merge([a, b]);
    ev.finish(merged);
    ev.finish(a);
    expect([encodeState(a), encodeState(b)]).toEqual(before);
    // The merged state is new: adding to it leaves a and b alone.
    ev.add(merged, items[0]);
    expect([encodeState(a), encodeState(b)]).toEqual(before);
    // finish, add, finish equals one pass.
    const grown = fill(items.slice(0, half));
    ev.finish(grown);
    for (const item of items.slice(half)) ev.add(grown, item);
    expectClose(ev.finish(grown), ev.finish(fill(items)));
  });
});
