/** The confusion-matrix formulas on matrices small enough to work out by hand. */
import { describe, expect, it } from 'vitest';
import { addCounts, classIou, confusionScores, countMaskPair, countPixels, countRows, segmentationEvaluator } from '../../src/evaluators/segmentation.js';
import { decodeRle, encodeRle } from '../../src/formats/rle.js';

const u8 = (...v: number[]) => Uint8Array.from(v);

describe('segmentation evaluator', () => {
  it('skips void truth pixels and leaves a class never seen out of the mean (null IoU)', () => {
    const ev = segmentationEvaluator(3);
    const s = ev.create();
    // truth 0 0 0 1 1 (and a void pixel predicted as 7, which is not counted)
    ev.add(s, countMaskPair(ev.create().classes, { truth: u8(0, 0, 1, 1, 255, 0), prediction: u8(0, 1, 1, 1, 7, 1) }));
    // M = [[1, 2, 0], [0, 2, 0], [0, 0, 0]]: IoU = 1/3, 2/4, null
    expect(classIou(s)).toEqual([1 / 3, 0.5, null]);
    const scores = ev.finish(s);
    expect(scores.miou).toBeCloseTo(5 / 12, 15);
    expect(scores.pixel_accuracy).toBeCloseTo(3 / 5, 15);
    expect(scores.mean_class_accuracy).toBeCloseTo(2 / 3, 15);
    expect(scores.fwiou).toBeCloseTo((3 / 5) * (1 / 3) + (2 / 5) * 0.5, 15);
  });
  it('counts a class that is only predicted as IoU 0 in the mean, but not in class accuracy', () => {
    const ev = segmentationEvaluator(3);
    const s = ev.create();
    ev.add(s, countMaskPair(ev.create().classes, { truth: u8(0, 0, 0, 1, 1), prediction: u8(0, 2, 1, 1, 1) }));
    // M = [[1, 1, 1], [0, 2, 0], [0, 0, 0]]: IoU = 1/3, 2/3, 0
    expect(classIou(s)).toEqual([1 / 3, 2 / 3, 0]);
    const scores = ev.finish(s);
    expect(scores.miou).toBeCloseTo(1 / 3, 15);
    expect(scores.mean_class_accuracy).toBeCloseTo(2 / 3, 15);
    expect(scores.fwiou).toBeCloseTo((3 / 5) * (1 / 3) + (2 / 5) * (2 / 3), 15);
  });
  it('gives null scores when no pixel is scored', () => {
    const ev = segmentationEvaluator(2);
    const s = ev.create();
    ev.add(s, countMaskPair(ev.create().classes, { truth: u8(255, 255), prediction: u8(0, 1) }));
    expect(ev.finish(s)).toEqual({ miou: null, pixel_accuracy: null, mean_class_accuracy: null, fwiou: null });
  });
  it('merges shards exactly', () => {
    const ev = segmentationEvaluator(4);
    const items = Array.from({ length: 6 }, (_, k) => ({
      truth: Uint8Array.from({ length: 50 }, (_, i) => (i * 7 + k) % 4),
      prediction: Uint8Array.from({ length: 50 }, (_, i) => (i * 3 + k * k) % 4),
    }));
    const whole = ev.create();
    items.forEach((it) => ev.add(whole, countMaskPair(4, it)));
    const a = ev.create();
    const b = ev.create();
    items.forEach((it, i) => ev.add(i % 2 ? a : b, countMaskPair(4, it)));
    expect(ev.merge([a, b]).matrix).toEqual(whole.matrix);
    expect(ev.finish(ev.merge([a, b]))).toEqual(ev.finish(whole));
  });
  it('keeps counts exact past 2^32 (float64 matrix)', () => {
    const s = segmentationEvaluator(2).create();
    for (let i = 0; i < 3; i++) addCounts(s, Uint32Array.of(0xffffffff, 0, 0, 1));
    expect(s.matrix[0]).toBe(3 * 0xffffffff);
    expect(confusionScores(s).pixel_accuracy).toBe(1);
  });
  it('reports labels out of range instead of counting them', () => {
    const counts = new Uint32Array(4);
    const check = countPixels(u8(0, 1, 9, 255, 1), u8(0, 5, 1, 200, 6), 2, counts);
    expect(check).toEqual({ badPredictions: 2, firstBadPrediction: 5, badTruth: 1, firstBadTruth: 9 });
    expect([...counts]).toEqual([1, 0, 0, 0]);
    expect(() => countMaskPair(2, { truth: u8(0), prediction: u8(2) })).toThrow(/out of range/);
  });
});

describe('countPixels', () => {
  /** The definition, pixel by pixel. */
  function naive(truth: Uint8Array, prediction: Uint8Array, classes: number): number[] {
    const m = new Array(classes * classes).fill(0);
    truth.forEach((t, i) => {
      if (t < classes && prediction[i]! < classes) m[t * classes + prediction[i]!]++;
    });
    return m;
  }
  it('matches the pixel-by-pixel definition on runs and noise, aligned or not', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const length = 4003;
    const buffer = new Uint8Array(length + 8);
    const other = new Uint8Array(length + 8);
    for (let i = 0; i < buffer.length; ) {
      // Runs of one value (what masks are made of), some void, some single noisy pixels.
      const run = random() < 0.3 ? 1 : 1 + Math.floor(random() * 40);
      const t = random() < 0.1 ? 255 : Math.floor(random() * 5);
      const p = Math.floor(random() * 5);
      for (let k = 0; k < run && i < buffer.length; k++, i++) {
        buffer[i] = t;
        other[i] = random() < 0.05 ? (p + 1) % 5 : p;
      }
    }
    for (const [ta, pa] of [[0, 0], [1, 1], [0, 3], [2, 0]]) {
      const truth = buffer.subarray(ta, ta + length);
      const prediction = other.subarray(pa, pa + length);
      const counts = new Uint32Array(25);
      expect(countPixels(truth, prediction, 5, counts)).toEqual({ badPredictions: 0, firstBadPrediction: -1, badTruth: 0, firstBadTruth: -1 });
      expect([...counts]).toEqual(naive(truth, prediction, 5));
    }
  });
});

describe('countRows', () => {
  it('counts only the pixels of each row, whatever the strides and offsets', () => {
    const width = 23;
    const height = 7;
    const compactTruth = Uint8Array.from({ length: width * height }, (_, i) => (i % 11 < 6 ? 1 : i % 3));
    const compactPrediction = Uint8Array.from({ length: width * height }, (_, i) => (i % 13 < 8 ? 1 : (i * 7) % 3));
    const wanted = new Uint32Array(9);
    countPixels(compactTruth, compactPrediction, 3, wanted);
    /** The same mask with `stride - width` junk bytes (255s, 9s) after each row, `offset` bytes in. */
    const spread = (compact: Uint8Array, stride: number, offset: number, junk: number) => {
      const buffer = new Uint8Array(offset + stride * height).fill(junk);
      for (let y = 0; y < height; y++) buffer.set(compact.subarray(y * width, (y + 1) * width), offset + y * stride);
      return { data: buffer.subarray(offset), width, height, stride };
    };
    for (const [ts, to, ps, po] of [[24, 1, 24, 1], [24, 1, 23, 0], [27, 3, 24, 2], [23, 0, 23, 0]]) {
      const counts = new Uint32Array(9);
      const check = countRows(spread(compactTruth, ts!, to!, 9), spread(compactPrediction, ps!, po!, 255), 3, counts);
      expect(check.badTruth + check.badPredictions).toBe(0);
      expect(counts).toEqual(wanted);
    }
  });
});

describe('run-length encoding', () => {
  it('encodes 1-based, row-major runs and decodes them back', () => {
    const labels = u8(0, 3, 3, 0, 3, 3, 3, 0, 0, 3);
    expect(encodeRle(labels, 3)).toBe('2 2 5 3 10 1');
    expect(encodeRle(labels, 5)).toBe('');
    expect([...(decodeRle('2 2 5 3 10 1', 10) as Uint32Array)]).toEqual([1, 2, 4, 3, 9, 1]);
    expect([...(decodeRle('  ', 10) as Uint32Array)]).toEqual([]);
  });
  it('says what is wrong with bad runs', () => {
    expect(decodeRle('1 2 3', 10)).toMatch(/odd number of values \(3\)/);
    expect(decodeRle('1 x', 10)).toMatch(/run 1 "1 x" is not two whole numbers/);
    expect(decodeRle('0 2', 10)).toMatch(/starts at 0; starts are 1-based/);
    expect(decodeRle('3 0', 10)).toMatch(/length 0/);
    expect(decodeRle('5 2 6 1', 10)).toMatch(/run 2 starts at 6, before the previous run ends/);
    expect(decodeRle('9 3', 10)).toMatch(/run 1 \(9 3\) goes past the last pixel 10/);
  });
});
