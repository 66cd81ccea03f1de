/**
 * The numeric helpers the COCO and VOC numbers rest on: numpy's summation order for means,
 * hand-parsed decimals equal to `Number` (the reference: correctly rounded, as Python's float),
 * and the stable radix order by (group, score descending).
 */
import { describe, expect, it } from 'vitest';
import { IOU_THRESHOLDS, RECALL_THRESHOLDS } from '../../src/evaluators/coco.js';
import { numpyMean } from '../../src/evaluators/numpy-mean.js';
import { orderByGroupThenScore } from '../../src/evaluators/score-order.js';
import { parseAsciiNumber } from '../../src/formats/ascii-number.js';
import { mulberry32 as rng } from '../../src/random.js';


describe('numpyMean', () => {
  // np.mean(a) for a[i] = ((i*2654435761) % 1000003) / 1000003, from numpy 1.24.
  const NUMPY: Record<number, number> = {
    5: 0.45559543321370033,
    100: 0.5259869720390838,
    1000: 0.5029594451216647,
    8192: 0.5006264883549099,
    20000: 0.5002172101983693,
    80800: 0.5000525534933296,
  };
  for (const [n, mean] of Object.entries(NUMPY)) {
    it(`n = ${n} bit-identical to numpy`, () => {
      const a = Float64Array.from({ length: Number(n) }, (_, i) => Number((BigInt(i) * 2654435761n) % 1000003n) / 1000003);
      expect(numpyMean(a)).toBe(mean);
    });
  }
  it('differs from a plain running sum where numpy does (n = 100)', () => {
    const a = Float64Array.from({ length: 100 }, (_, i) => Number((BigInt(i) * 2654435761n) % 1000003n) / 1000003);
    expect(a.reduce((s, v) => s + v, 0) / 100).toBe(0.525986972039084);
  });
});

describe('thresholds as numpy.linspace makes them', () => {
  it('IoU .50:.05:.95 with 0.8999999999999999 at 8', () => {
    expect(Array.from(IOU_THRESHOLDS)).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95]);
  });
  it('recall 0:.01:1, i*0.01 (which is not i/100 at some i)', () => {
    // Values numpy 1.24 prints for np.linspace(0, 1, 101) where they differ from i/100.
    expect(RECALL_THRESHOLDS[35]).toBe(0.35000000000000003);
    expect(RECALL_THRESHOLDS[41]).toBe(0.41000000000000003);
    expect(RECALL_THRESHOLDS[57]).toBe(0.5700000000000001);
    expect(RECALL_THRESHOLDS[69]).toBe(0.6900000000000001);
    expect(RECALL_THRESHOLDS[7]).toBe(0.07);
    expect(RECALL_THRESHOLDS[100]).toBe(1);
  });
});

describe('parseAsciiNumber', () => {
  const parse = (s: string) => {
    const b = Buffer.from(s, 'latin1');
    return parseAsciiNumber(b, 0, b.length);
  };
  it('equals Number on 20,000 random decimals, short and long, with exponents', () => {
    const r = rng(7);
    for (let i = 0; i < 20000; i++) {
      const digits = 1 + Math.floor(r() * 20);
      let s = r() < 0.3 ? '-' : '';
      for (let k = 0; k < digits; k++) s += Math.floor(r() * 10);
      if (r() < 0.7) s = s.slice(0, 1 + Math.floor(r() * s.length)) + '.' + s.slice(1 + Math.floor(r() * s.length));
      if (r() < 0.2) s += `e${Math.floor(r() * 60) - 30}`;
      const cleaned = s.replace(/^(-?)\./, '$10.').replace(/\.$/, '');
      if (!/^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/.test(cleaned)) continue;
      expect(parse(cleaned), cleaned).toBe(Number(cleaned));
    }
  });
  it('edge forms', () => {
    expect(parse('0')).toBe(0);
    expect(Object.is(parse('-0'), -0)).toBe(true);
    expect(parse('1e308')).toBe(1e308);
    expect(parse('1e309')).toBe(Infinity); // non-finite: readers report it
    expect(parse('.5')).toBe(0.5);
    expect(parse('+2.5E-3')).toBe(0.0025);
    expect(parse('0.1234567890123456789')).toBe(0.1234567890123456789);
    for (const bad of ['', '-', 'abc', '1.2.3', 'NaN', 'Infinity', '0x10', '1e', '1 ', ' 1', '1,5']) expect(parse(bad), bad).toBeNaN();
  });
});

describe('orderByGroupThenScore', () => {
  it('matches a stable comparison sort, ties (and -0/+0) in input order', () => {
    const r = rng(3);
    const n = 5000;
    const group = Uint32Array.from({ length: n }, () => Math.floor(r() * 70000));
    const score = Float64Array.from({ length: n }, () => [0, -0, 0.5, -1.25][Math.floor(r() * 4)]! + (r() < 0.5 ? Math.round(r() * 100) / 100 : 0));
    const want = Array.from({ length: n }, (_, i) => i).sort((a, b) => group[a]! - group[b]! || score[b]! - score[a]!);
    expect(Array.from(orderByGroupThenScore(group, score))).toEqual(want);
  });
  it.each([20000, 40000])('%i records (8- and 16-bit digits), with and without a tie key', (n) => {
    const r = rng(5);
    const group = Uint32Array.from({ length: n }, () => Math.floor(r() * 3) * 40000);
    const score = Float64Array.from({ length: n }, () => (r() < 0.1 ? -0 : r() < 0.5 ? Math.round(r() * 50) / 50 - 0.5 : r() * 1e6 - 5e5));
    const tie = Uint32Array.from({ length: n }, () => Math.floor(r() * 2 ** 32));
    const byScore = (a: number, b: number) => group[a]! - group[b]! || score[b]! - score[a]!;
    const ids = Array.from({ length: n }, (_, i) => i);
    expect(Array.from(orderByGroupThenScore(group, score))).toEqual([...ids].sort(byScore));
    expect(Array.from(orderByGroupThenScore(group, score, n, tie))).toEqual([...ids].sort((a, b) => byScore(a, b) || tie[a]! - tie[b]!));
  });
});

describe('stripSegmentation', () => {
  it('drops polygons and RLE, keeps everything else, leaves strings alone', async () => {
    const { stripSegmentation } = await import('../../src/formats/json-without-segmentation.js');
    const doc = {
      info: { description: 'a "segmentation": [1, 2] inside a string', segmentation: null },
      annotations: [
        { id: 1, segmentation: [[1.5, 2, 3, 4e2], [5, 6]], bbox: [0, 0, 1, 1], area: 1 },
        { id: 2, segmentation: { counts: 'ab"c\\\\d]}', size: [3, 4] }, iscrowd: 1, bbox: [1, 2, 3, 4], area: 2 },
        { id: 3, segmentation: 7, bbox: [0, 0, 2, 2], area: 4 },
      ],
    };
    for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 2)]) {
      const out = JSON.parse(stripSegmentation(Buffer.from(text))!.toString());
      expect(out.info.description).toBe(doc.info.description);
      expect(out.info.segmentation).toBe(0);
      expect(out.annotations.map((a: { segmentation: unknown }) => a.segmentation)).toEqual([0, 0, 0]);
      expect(out.annotations.map((a: { bbox: number[] }) => a.bbox)).toEqual(doc.annotations.map((a) => a.bbox));
    }
    expect(stripSegmentation(Buffer.from('{"images": []}'))).toBeUndefined();
  });
});
