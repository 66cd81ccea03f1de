import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/datasets/rng.js';
import { splitUsage, compareIds } from '../../src/datasets/usage-split.js';
import { resample } from '../../src/datasets/resample.js';
import { encodeRle } from '../../src/datasets/coco-format.js';

describe('seeded random numbers', () => {
  it('repeats a stream for a seed, and forks by name independently of draws made before', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.u32());
    expect(Array.from({ length: 5 }, () => b.u32())).toEqual(xs);
    expect(new Set(xs).size).toBe(5);
    const fresh = new Rng(42).fork('images').u32();
    expect(a.fork('images').u32()).toBe(fresh); // draws on the parent do not move a fork
    expect(new Rng(42).fork('masks').u32()).not.toBe(fresh);
    expect(new Rng(43).fork('images').u32()).not.toBe(fresh);
  });

  it('draws integers in range, uniform enough, and shuffles into a permutation', () => {
    const r = new Rng(7);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(0, 5)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    const items = [...Array(50).keys()];
    const s = r.shuffled(items);
    expect([...s].sort((x, y) => x - y)).toEqual(items);
    expect(s).not.toEqual(items);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < 20_000; i++) {
      const v = r.normal();
      sum += v;
      sq += v * v;
    }
    expect(Math.abs(sum / 20_000)).toBeLessThan(0.03);
    expect(Math.abs(sq / 20_000 - 1)).toBeLessThan(0.05);
  });
});

describe('public / private split', () => {
  it('puts 30 % in Public, depends on the id set and seed only, not on the order given', () => {
    const ids = Array.from({ length: 100 }, (_, i) => String(i));
    const u = splitUsage(ids, 1);
    expect([...u.values()].filter((x) => x === 'Public')).toHaveLength(30);
    expect(splitUsage([...ids].reverse(), 1)).toEqual(u);
    expect(splitUsage(ids, 2)).not.toEqual(u);
    expect(['10', '9', 'b', 'a'].sort(compareIds)).toEqual(['9', '10', 'a', 'b']);
  });
});

describe('resampling', () => {
  it('keeps a tone below the new Nyquist and removes one above it', () => {
    const from = 22050;
    const tone = (f: number) => Float64Array.from({ length: from }, (_, i) => Math.sin((2 * Math.PI * f * i) / from));
    const rms = (x: Float64Array) => Math.sqrt(x.slice(200, -200).reduce((s, v) => s + v * v, 0) / (x.length - 400));
    const kept = resample(tone(1000), from, 8000);
    expect(kept.length).toBe(8000);
    expect(rms(kept)).toBeGreaterThan(0.69); // 1/sqrt(2) for a unit sine
    expect(rms(kept)).toBeLessThan(0.72);
    // A 1 kHz sine sampled at 8 kHz: compare with the exact samples.
    let err = 0;
    for (let i = 100; i < 7900; i++) err = Math.max(err, Math.abs(kept[i]! - Math.sin((2 * Math.PI * 1000 * i) / 8000)));
    expect(err).toBeLessThan(0.02);
    expect(rms(resample(tone(6000), from, 8000))).toBeLessThan(0.02); // would alias to 2 kHz
  });
});

describe('COCO RLE', () => {
  it('runs over columns, starting with zeros (pycocotools order)', () => {
    // 3 wide, 2 high; row-major [[0,1,1],[0,1,0]] -> column-major 0,0,1,1,1,0
    expect(encodeRle([0, 1, 1, 0, 1, 0], 3, 2)).toEqual({ counts: [2, 3, 1], size: [2, 3] });
    expect(encodeRle([1, 1, 1, 1], 2, 2)).toEqual({ counts: [0, 4], size: [2, 2] });
  });
});
