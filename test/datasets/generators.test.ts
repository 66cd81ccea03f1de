/**
 * The mini-challenge generators: same seed -> byte-identical files, the promised structure
 * (long tail, void borders, COCO scales and crowds, mix = s1 + s2, face tracks), and the
 * importers read what the generators write. Small size overrides keep this quick.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePng } from '../../src/formats/png.js';
import { readWav } from '../../src/formats/wav.js';
import { generateInatMini } from '../../src/datasets/inat2018-generate.js';
import { generateVocSegMini } from '../../src/datasets/voc2012-seg-generate.js';
import { generateDetectionMini } from '../../src/datasets/detection-generate.js';
import { generateSeparationMini } from '../../src/datasets/separation-generate.js';
import { espeakVersion } from '../../src/datasets/espeak.js';
import { importInat2018 } from '../../src/datasets/inat2018-import.js';
import { importVocSegmentation } from '../../src/datasets/voc-segmentation-import.js';
import { importVocDetection } from '../../src/datasets/voc-detection-import.js';
import { importCoco } from '../../src/datasets/coco-import.js';
import { importLibriMix } from '../../src/datasets/librimix-import.js';
import { readTree, readCsvRows, tempRoot } from './tmp.js';

const tmp = tempRoot('gen');
const inatSizes = { classes: 12, trainImages: 120, valPerClass: 2, testPerClass: 3 };
const vocSizes = { trainImages: 6, valImages: 5 };
const detSizes = { trainImages: 10, testImages: 12 };
const sepSizes = { trainMixtures: 3, testMixtures: 4 };

function expectSameTree(a: string, b: string): void {
  const ta = readTree(a);
  const tb = readTree(b);
  expect([...ta.keys()]).toEqual([...tb.keys()]);
  for (const [k, v] of ta) expect(Buffer.compare(Buffer.from(v), Buffer.from(tb.get(k)!)), k).toBe(0);
}

function differs(a: string, b: string, file: string): boolean {
  return !fs.readFileSync(path.join(a, file)).equals(fs.readFileSync(path.join(b, file)));
}

describe('inat2018-mini', () => {
  const a = path.join(tmp, 'inat-a');
  const b = path.join(tmp, 'inat-b');
  const c = path.join(tmp, 'inat-c');
  it('is byte-identical for the same seed and differs for another', () => {
    generateInatMini(a, { seed: 11, sizes: inatSizes });
    generateInatMini(b, { seed: 11, sizes: inatSizes });
    generateInatMini(c, { seed: 12, sizes: inatSizes });
    expectSameTree(a, b);
    expect(differs(a, c, 'train2018.json')).toBe(true);
  });

  it('has a long-tailed train set, balanced val and test, taxonomy and 32x32 RGB images', () => {
    const train = JSON.parse(fs.readFileSync(path.join(a, 'train2018.json'), 'utf8'));
    const val = JSON.parse(fs.readFileSync(path.join(a, 'val2018.json'), 'utf8'));
    const test = JSON.parse(fs.readFileSync(path.join(a, 'test2018.json'), 'utf8'));
    expect(train.categories).toHaveLength(12);
    expect(Object.keys(train.categories[0]).sort()).toEqual(['class', 'family', 'genus', 'id', 'kingdom', 'name', 'order', 'phylum', 'supercategory']);
    // Five species a genus: the first five categories share a genus.
    expect(new Set(train.categories.slice(0, 5).map((c: { genus: string }) => c.genus)).size).toBe(1);
    const counts = new Map<number, number>();
    for (const an of train.annotations) counts.set(an.category_id, (counts.get(an.category_id) ?? 0) + 1);
    const sorted = [...counts.values()].sort((x, y) => y - x);
    expect(sorted[0]! / sorted[sorted.length - 1]!).toBeGreaterThan(3);
    expect(val.images).toHaveLength(24);
    expect(test.images).toHaveLength(36);
    expect(test.annotations).toBeUndefined();
    const png = decodePng(fs.readFileSync(path.join(a, test.images[0].file_name)));
    expect([png.width, png.height, png.colorType]).toEqual([32, 32, 'rgb']);
    const solution = readCsvRows(path.join(a, 'solution.csv'));
    expect(solution).toHaveLength(37);
    expect(solution.slice(1).map((r) => Number(r[0]))).toEqual(test.images.map((im: { id: number }) => im.id).sort((x: number, y: number) => x - y));
    expect(readCsvRows(path.join(a, 'sample_submission.csv'))[1]![1]!.split(' ')).toHaveLength(3);
  });

  it('is read by the iNat importer like a real release', () => {
    const s = importInat2018(a, path.join(tmp, 'inat-imported'), 11);
    const train = JSON.parse(fs.readFileSync(path.join(a, 'train2018.json'), 'utf8'));
    expect(s).toMatchObject({ rows: 24, categories: 12, trainImages: train.images.length });
    // val2018.json is the hidden set of an imported release: its labels become the solution.
    const val = JSON.parse(fs.readFileSync(path.join(a, 'val2018.json'), 'utf8'));
    const expected = new Map(val.annotations.map((x: { image_id: number; category_id: number }) => [String(x.image_id), String(x.category_id)]));
    for (const [id, label] of readCsvRows(path.join(tmp, 'inat-imported', 'solution.csv')).slice(1)) expect(label).toBe(expected.get(id!));
  });
});

describe('voc2012-seg-mini', () => {
  const a = path.join(tmp, 'voc-a');
  const b = path.join(tmp, 'voc-b');
  it('is byte-identical for the same seed', async () => {
    await generateVocSegMini(a, { seed: 5, sizes: vocSizes });
    await generateVocSegMini(b, { seed: 5, sizes: vocSizes });
    expectSameTree(a, b);
  });

  it('writes VOC palette masks with classes 0-20 and void borders, boxes and image sets', () => {
    const voc = path.join(a, 'VOC2012');
    const val = fs.readFileSync(path.join(voc, 'ImageSets', 'Segmentation', 'val.txt'), 'utf8').trim().split('\n');
    expect(val).toHaveLength(5);
    const values = new Set<number>();
    for (const id of val) {
      const m = decodePng(fs.readFileSync(path.join(voc, 'SegmentationClass', `${id}.png`)));
      expect([m.width, m.height, m.colorType]).toEqual([64, 64, 'palette']);
      m.data.forEach((v) => values.add(v));
    }
    expect(values.has(0)).toBe(true);
    expect(values.has(255)).toBe(true);
    expect([...values].every((v) => v <= 20 || v === 255)).toBe(true);
    expect(readCsvRows(path.join(voc, 'usage.csv'))).toHaveLength(6);
    expect(fs.readFileSync(path.join(voc, 'Annotations', `${val[0]}.xml`), 'utf8')).toMatch(/<object>\s*<name>[a-z]+<\/name>/);
  });

  it('is read by both VOC importers', async () => {
    expect(await importVocSegmentation(a, path.join(tmp, 'voc-seg-imported'), 5)).toMatchObject({ train: 6, val: 5 });
    const det = importVocDetection(a, path.join(tmp, 'voc-det-imported'), 5);
    expect(det.images).toBe(5);
    expect(det.annotations).toBeGreaterThanOrEqual(5);
  });
});

describe('detection-mini', () => {
  const a = path.join(tmp, 'det-a');
  const b = path.join(tmp, 'det-b');
  it('is byte-identical for the same seed', () => {
    generateDetectionMini(a, { seed: 9, sizes: detSizes });
    generateDetectionMini(b, { seed: 9, sizes: detSizes });
    expectSameTree(a, b);
  });

  it('has tight COCO boxes with measured areas at several scales, and crowd regions', () => {
    const sets = ['train', 'test'].map((s) => JSON.parse(fs.readFileSync(path.join(a, 'annotations', `instances_${s}.json`), 'utf8')));
    const anns = sets.flatMap((s) => s.annotations);
    expect(sets[1].images).toHaveLength(12);
    expect(sets[0].categories.map((c: { id: number }) => c.id)).toEqual([1, 2, 3, 5, 7, 8, 11, 13]);
    for (const an of anns) {
      const [x, y, w, h] = an.bbox;
      expect(x >= 0 && y >= 0 && x + w <= 128 && y + h <= 128).toBe(true);
      expect(an.area).toBeLessThanOrEqual(w * h);
      expect(an.area).toBeGreaterThan(0);
    }
    expect(anns.some((an) => an.area < 32 * 32)).toBe(true);
    expect(anns.some((an) => an.area >= 32 * 32 && an.area < 96 * 96)).toBe(true);
    const crowd = anns.filter((an) => an.iscrowd === 1);
    // A crowd's RLE covers exactly its area (runs alternate background / object, column-major).
    for (const an of crowd) {
      const ones = an.segmentation.counts.filter((_: number, i: number) => i % 2 === 1).reduce((s: number, v: number) => s + v, 0);
      expect(ones).toBe(an.area);
      expect(an.segmentation.counts.reduce((s: number, v: number) => s + v, 0)).toBe(128 * 128);
    }
    const usage = readCsvRows(path.join(a, 'annotations', 'instances_test.usage.csv'));
    expect(usage.slice(1).map((r) => Number(r[0]))).toEqual(sets[1].images.map((im: { id: number }) => im.id));
  });

  it('finds crowds and large objects in a bigger set', () => {
    const big = path.join(tmp, 'det-big');
    const s = generateDetectionMini(big, { seed: 2018, sizes: { trainImages: 60, testImages: 20 } });
    expect(s.crowd + JSON.parse(fs.readFileSync(path.join(big, 'annotations', 'instances_train.json'), 'utf8')).annotations.filter((x: { iscrowd: number }) => x.iscrowd).length).toBeGreaterThan(0);
    expect(s.large).toBeGreaterThan(0);
  });

  it('is read by the COCO importer', () => {
    expect(importCoco(path.join(a, 'annotations', 'instances_test.json'), path.join(tmp, 'det-imported'), 9)).toMatchObject({ images: 12, categories: 8 });
  });
});

describe('separation-mini', () => {
  const check = async (synthesizer: 'espeak-ng' | 'built-in') => {
    const a = path.join(tmp, `sep-${synthesizer}-a`);
    const b = path.join(tmp, `sep-${synthesizer}-b`);
    const s = await generateSeparationMini(a, { seed: 3, sizes: sepSizes, synthesizer });
    await generateSeparationMini(b, { seed: 3, sizes: sepSizes, synthesizer });
    expectSameTree(a, b);
    expect(s.synthesizer).toBe(synthesizer);
    const meta = JSON.parse(fs.readFileSync(path.join(a, 'test', 'metadata.json'), 'utf8'));
    expect(meta.synthesizer).toBe(synthesizer);
    expect(meta.mixtures).toHaveLength(4);
    for (const m of meta.mixtures) {
      expect(m.s1.voice).not.toBe(m.s2.voice);
      expect(Math.abs(m.s1.gain_db - m.s2.gain_db)).toBeLessThanOrEqual(5.001);
      const [mix, s1, s2] = ['mix', 's1', 's2'].map((d) => readWav(path.join(a, 'test', d, `${m.id}.wav`)));
      expect([mix!.sampleRate, mix!.length, mix!.encoding]).toEqual([8000, 16000, 'pcm16']);
      // The files hold mix = s1 + s2 exactly (sources quantized before summing).
      for (let i = 0; i < mix!.length; i++) expect(mix!.samples[i]).toBe(s1!.samples[i]! + s2!.samples[i]!);
      const energy = (x: Float64Array) => x.reduce((e, v) => e + v * v, 0);
      expect(energy(s1!.samples)).toBeGreaterThan(0);
      expect(energy(s2!.samples)).toBeGreaterThan(0);
      const face = readCsvRows(path.join(a, 'test', 'face', `${m.id}.csv`));
      expect(face[0]).toEqual(['frame', 's1', 's2']);
      expect(face).toHaveLength(51); // 2 s at 25 fps
      const values = face.slice(1).flatMap((r) => [Number(r[1]), Number(r[2])]);
      expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(Math.max(...values)).toBeGreaterThan(0.3);
    }
    expect(readCsvRows(path.join(a, 'test', 'usage.csv'))).toHaveLength(5);
    expect(await importLibriMix(path.join(a, 'test'), path.join(tmp, `sep-${synthesizer}-imported`), 3)).toMatchObject({ mixtures: 4, sources: 2, sampleRate: 8000 });
  };

  it.skipIf(!espeakVersion())('with espeak-ng: byte-identical, mix = s1 + s2, face tracks at 25 fps', () => check('espeak-ng'));
  it('with the built-in synthesizer: the same guarantees', () => check('built-in'));

  it('face tracks follow loudness: a silent speaker keeps the mouth closed', async () => {
    const { mouthOpenness } = await import('../../src/datasets/face-track.js');
    const silence = new Float64Array(8000);
    const loud = Float64Array.from({ length: 8000 }, (_, i) => 0.3 * Math.sin(i * 0.3));
    expect(mouthOpenness(silence, 8000).every((v) => v === 0)).toBe(true);
    expect(mouthOpenness(loud, 8000).every((v) => v > 0.9)).toBe(true);
    expect(mouthOpenness(silence, 8000)).toHaveLength(25);
  });
});
