import { describe, expect, it } from 'vitest';
import { channelLabel, fluorescenceEvaluator, pairMoments, type FluorescencePair, type IntensityImage } from '../../src/evaluators/fluorescence.js';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Random pairs over 2 channels and 2 conditions, 16- and 8-bit. */
function pairs(count: number, seed: number): FluorescencePair[] {
  const rand = lcg(seed);
  return Array.from({ length: count }, (_, i) => {
    const n = 50 + ((i * 37) % 90);
    const t = Uint16Array.from({ length: n }, () => Math.floor(rand() * 65536));
    const p = i % 3 === 0 ? Uint8Array.from(t, (v) => Math.min(255, Math.floor(v / 257 + rand() * 40))) : Uint16Array.from(t, (v) => (v + Math.floor(rand() * 9000)) % 65536);
    return { channel: i % 2, condition: (i >> 1) % 2, truth: { data: t, bitDepth: 16 }, prediction: p instanceof Uint8Array ? { data: p, bitDepth: 8 } : { data: p, bitDepth: 16 } };
  });
}

const ev = fluorescenceEvaluator(['DAPI', 'MAP2'], ['A', 'B']);

function stateOf(list: FluorescencePair[]) {
  const s = ev.create();
  for (const p of list) ev.addPair(s, p);
  return s;
}

describe('fluorescence evaluator', () => {
  const all = pairs(24, 3);
  const one = ev.finish(stateOf(all));

  it('one pass equals 4 shards merged in any order, to 1e-13', () => {
    const shards = [0, 1, 2, 3].map((k) => stateOf(all.filter((_, i) => i % 4 === k)));
    for (const order of [[0, 1, 2, 3], [3, 1, 0, 2], [2, 3, 1, 0]]) {
      const merged = ev.finish(ev.merge(order.map((k) => shards[k]!)));
      for (const [k, v] of Object.entries(one.metrics)) expect(Math.abs(merged.metrics[k]! - v!), k).toBeLessThan(1e-13);
      expect(merged.perCondition.B!.MAP2!.pearson).toBeCloseTo(one.perCondition.B!.MAP2!.pearson!, 13);
    }
  });
  it('merge and finish do not change their inputs', () => {
    const a = stateOf(all.slice(0, 10));
    const b = stateOf(all.slice(10));
    const copies = [a.moments.slice(), b.moments.slice()];
    ev.finish(ev.merge([a, b]));
    ev.finish(a);
    expect(a.moments).toEqual(copies[0]);
    expect(b.moments).toEqual(copies[1]);
  });
  it('serialises as a plain array and back', () => {
    const s = stateOf(all);
    const back = { moments: Float64Array.from(JSON.parse(JSON.stringify(Array.from(s.moments))) as number[]) };
    expect(ev.finish(back)).toEqual(one);
  });
  it('empty: every score null; merging empties is empty', () => {
    const empty = ev.finish(ev.merge([ev.create(), ev.create()]));
    expect(Object.values(empty.metrics).every((v) => v === null)).toBe(true);
    expect(ev.finish(ev.merge([ev.create(), stateOf(all)]))).toEqual(ev.finish(ev.merge([stateOf(all)])));
  });
  it('images as PNG rows (filter byte between rows, 16-bit big-endian) give the same moments, bit for bit, as packed samples', () => {
    /** The PNG-row layout of packed samples: `pad` bytes before each row, 16-bit as two big-endian bytes. */
    const asRows = (image: IntensityImage, width: number, pad: number): IntensityImage => {
      const bytes = image.bitDepth >> 3;
      const stride = width * bytes + pad;
      const height = image.data.length / width;
      const data = new Uint8Array(height * stride);
      image.data.forEach((v, i) => {
        const o = Math.floor(i / width) * stride + pad + (i % width) * bytes;
        if (bytes === 2) (data[o] = v >> 8), (data[o + 1] = v & 255);
        else data[o] = v;
      });
      return { data: data.subarray(pad), bitDepth: image.bitDepth, rows: { width, height, stride } };
    };
    const rand = lcg(11);
    // 7 x 1500 pixels: blocks of 4096 pixels start and end inside rows.
    const t = Uint16Array.from({ length: 7 * 1500 }, () => Math.floor(rand() * 65536));
    const p8 = Uint8Array.from(t, (v) => Math.min(255, Math.floor(v / 257 + rand() * 40)));
    const p16 = Uint16Array.from(t, (v) => (v + Math.floor(rand() * 9000)) % 65536);
    for (const prediction of [{ data: p8, bitDepth: 8 as const }, { data: p16, bitDepth: 16 as const }]) {
      const packed = pairMoments({ data: t, bitDepth: 16 }, prediction);
      expect(pairMoments(asRows({ data: t, bitDepth: 16 }, 1500, 1), asRows(prediction, 1500, 1))).toEqual(packed);
      expect(pairMoments({ data: t, bitDepth: 16 }, asRows(prediction, 1500, 3))).toEqual(packed);
    }
    expect(() => pairMoments({ data: new Uint8Array(10), bitDepth: 16, rows: { width: 3, height: 2, stride: 7 } }, { data: new Uint16Array(6), bitDepth: 16 })).toThrow(/cannot hold 2 rows/);
  });
  it('a constant prediction has no r (null), but an MAE; mean_pearson skips it', () => {
    const flat = fluorescenceEvaluator(['DAPI', 'NFH']);
    const s = flat.create();
    flat.addPair(s, { channel: 0, condition: 0, truth: { data: Uint16Array.of(0, 65535, 100), bitDepth: 16 }, prediction: { data: Uint16Array.of(7, 7, 7), bitDepth: 16 } });
    flat.addPair(s, { channel: 1, condition: 0, truth: { data: Uint8Array.of(0, 255, 10), bitDepth: 8 }, prediction: { data: Uint16Array.of(0, 65535, 2570), bitDepth: 16 } });
    const { metrics, perCondition } = flat.finish(s);
    expect(metrics.pearson_DAPI).toBeNull();
    expect(metrics.mae_DAPI).toBeCloseTo((7 + 65528 + 93) / 3 / 65535, 15);
    // 8-bit v is 257 v / 65535 exactly: identical images, r = 1, MAE = 0
    expect(metrics.pearson_NFH).toBe(1);
    expect(metrics.mae_NFH).toBe(0);
    expect(metrics.mean_pearson).toBe(1);
    expect(perCondition).toEqual({});
  });
  it('r is exactly symmetric in a 2-pixel case, and -1 for a reversed ramp', () => {
    const e = fluorescenceEvaluator(['X']);
    const s = e.create();
    e.addPair(s, { channel: 0, condition: 0, truth: { data: Uint16Array.of(1, 2, 3, 4), bitDepth: 16 }, prediction: { data: Uint16Array.of(40, 30, 20, 10), bitDepth: 16 } });
    expect(e.finish(s).metrics.pearson_X).toBeCloseTo(-1, 15);
  });
  it('names the usual labels readably', () => {
    expect(channelLabel('MAP2_CONFOCAL')).toBe('dendrites (MAP2, confocal)');
    expect(channelLabel('DAPI')).toBe('nuclei (DAPI)');
    expect(channelLabel('DEAD')).toBe('dead cells');
    expect(channelLabel('XYZ')).toBe('XYZ');
    expect(ev.metrics.map((m) => m.name)).toEqual(['mean_pearson', 'mean_mae', 'pearson_DAPI', 'mae_DAPI', 'pearson_MAP2', 'mae_MAP2']);
  });
});
