import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture } from '../helpers/cli.js';
import { ValidationError } from '../../src/problems.js';
import { decodePng } from '../../src/formats/png.js';
import { readZip } from '../../src/formats/zip.js';
import { importInat2018 } from '../../src/datasets/inat2018-import.js';
import { importCoco } from '../../src/datasets/coco-import.js';
import { importVocDetection } from '../../src/datasets/voc-detection-import.js';
import { importVocSegmentation } from '../../src/datasets/voc-segmentation-import.js';
import { importLibriMix } from '../../src/datasets/librimix-import.js';
import { readCsvRows, tempRoot } from './tmp.js';

const fx = (...p: string[]) => fixture('datasets', ...p);
const tmp = tempRoot('import');

async function zipEntries(file: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for await (const e of readZip(file)) out.set(e.name, await e.buffer());
  return out;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e.problems.map((p) => `${p.column ?? ''}: ${p.message}`);
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('iNaturalist 2018 importer', () => {
  it('turns val2018.json into solution.csv with a seeded split, sample labels and taxonomy', () => {
    const dest = path.join(tmp, 'inat');
    const s = importInat2018(fx('inat2018'), dest, 7);
    expect(s).toMatchObject({ rows: 10, public: 3, private: 7, categories: 3, trainImages: 12 });
    const rows = readCsvRows(path.join(dest, 'solution.csv'));
    expect(rows[0]).toEqual(['id', 'expected', 'usage']);
    expect(rows.slice(1).map((r) => [r[0], r[1]])).toEqual(
      [0, 1, 2, 0, 1, 2, 0, 1, 2, 2].map((label, i) => [String(100 + i), String(label)]),
    );
    expect(rows.slice(1).filter((r) => r[2] === 'Public')).toHaveLength(3);
    // The three most frequent training classes (7, 3 and 2 images), most frequent first.
    expect(readCsvRows(path.join(dest, 'sample_submission.csv'))[1]).toEqual(['100', '0 1 2']);
    const cats = JSON.parse(fs.readFileSync(path.join(dest, 'categories.json'), 'utf8'));
    expect(cats[2]).toMatchObject({ id: 2, name: 'Turdus merula', kingdom: 'Animalia', family: 'Turdidae', genus: 'Turdus' });
    const test = JSON.parse(fs.readFileSync(path.join(dest, 'test2018.json'), 'utf8'));
    expect(test.images).toHaveLength(10);
    expect(test.annotations).toBeUndefined();
  });

  it('gives the same split for the same seed and another for another seed', () => {
    const usage = (seed: number, name: string) => {
      importInat2018(fx('inat2018'), path.join(tmp, name), seed);
      return readCsvRows(path.join(tmp, name, 'solution.csv')).map((r) => r[2]).join();
    };
    expect(usage(7, 'inat-a')).toBe(usage(7, 'inat-b'));
    const others = [8, 9, 10, 11].map((s) => usage(s, `inat-s${s}`));
    expect(others.some((u) => u !== usage(7, 'inat-c'))).toBe(true);
  });

  it('lists every problem of a broken annotation file', () => {
    const problems = problemsOf(() => importInat2018(fx('inat2018-bad'), path.join(tmp, 'inat-bad'), 1));
    expect(problems).toEqual(expect.arrayContaining([
      'images[2].id: duplicate image id 2',
      'annotations[1].category_id: unknown category id 7',
      'annotations[3].image_id: unknown image id 55',
    ]));
  });
});

describe('COCO importer', () => {
  it('checks the instances file and writes truth, usage by image id and a sample submission', () => {
    const dest = path.join(tmp, 'coco-imported');
    const s = importCoco(fx('coco'), dest, 3);
    expect(s).toMatchObject({ images: 3, annotations: 4, crowd: 1, public: 1, private: 2, categories: 3 });
    const truth = JSON.parse(fs.readFileSync(path.join(dest, 'annotations', 'instances_test.json'), 'utf8'));
    expect(truth.annotations.find((a: { id: number }) => a.id === 900100)).toMatchObject({ iscrowd: 1, area: 1400, segmentation: { size: [230, 352] } });
    expect(truth.categories.map((c: { id: number }) => c.id)).toEqual([1, 44, 90]);
    const usage = readCsvRows(path.join(dest, 'annotations', 'instances_test.usage.csv'));
    expect(usage.map((r) => r[0])).toEqual(['id', '37777', '252219', '397133']);
    // One centred half-size box an image, labelled with the most common category (ties: lowest id).
    const sample = readCsvRows(path.join(dest, 'sample_submission.csv'));
    expect(sample[0]).toEqual(['image_id', 'category_id', 'score', 'x', 'y', 'width', 'height']);
    expect(sample[1]).toEqual(['397133', '1', '0.5', '160', '107', '320', '214']);
    expect(fs.existsSync(path.join(dest, 'challenge.yaml'))).toBe(true);
  });

  it('reports unknown categories, malformed boxes and duplicate ids together', () => {
    const problems = problemsOf(() => importCoco(fx('coco', 'bad_instances.json'), path.join(tmp, 'coco-bad'), 1));
    expect(problems).toEqual(expect.arrayContaining([
      'images[2].id: duplicate image id 397133',
      'annotations[0].category_id: unknown category id 3',
      expect.stringContaining('annotations[1]: expected {id, image_id, category_id: integers, bbox: [x, y, w, h]}'),
    ]));
  });
});

describe('PASCAL VOC importers', () => {
  it('converts devkit boxes (1-based, inclusive) to COCO boxes, difficult as crowd', () => {
    const dest = path.join(tmp, 'voc-det');
    const s = importVocDetection(fx('VOCdevkit'), dest, 5);
    expect(s).toMatchObject({ images: 2, annotations: 3, crowd: 0, trainImages: 3 });
    const test = JSON.parse(fs.readFileSync(path.join(dest, 'annotations', 'instances_test.json'), 'utf8'));
    expect(test.categories).toHaveLength(20);
    expect(test.images.map((im: { file_name: string }) => im.file_name)).toEqual(['2007_000063.jpg', '2011_003353.jpg']);
    const boxes = test.annotations.map((a: { category_id: number; bbox: number[]; area: number }) => [a.category_id, a.bbox, a.area]);
    expect(boxes).toEqual([
      [12, [0, 0, 22, 24], 528], // dog 1..22 x 1..24
      [9, [14, 7, 26, 18], 468], // chair 15..40 x 8..25
      [15, [2.5, 1, 18, 23], 414], // person with decimal corners 3.5..20.5
    ]);
    const train = JSON.parse(fs.readFileSync(path.join(dest, 'annotations', 'instances_train.json'), 'utf8'));
    expect(train.annotations.filter((a: { iscrowd: number }) => a.iscrowd === 1)).toHaveLength(1); // the difficult person
    // 2007_000027: a person with a head and a hand part; the parts are not objects.
    const withParts = train.images.find((im: { file_name: string }) => im.file_name === '2007_000027.jpg');
    const its = train.annotations.filter((a: { image_id: number }) => a.image_id === withParts.id);
    expect(its.map((a: { category_id: number; bbox: number[] }) => [a.category_id, a.bbox])).toEqual([[15, [173, 100, 176, 251]]]);
    expect([withParts.width, withParts.height]).toEqual([486, 500]);
  });

  it('copies val masks, writes usage and an all-background sample zip', async () => {
    const dest = path.join(tmp, 'voc-seg');
    const s = await importVocSegmentation(fx('VOCdevkit'), dest, 5);
    expect(s).toMatchObject({ train: 2, val: 2, public: 1, private: 1 });
    const src = fx('VOCdevkit', 'VOC2012', 'SegmentationClass', '2011_003353.png');
    expect(fs.readFileSync(path.join(dest, 'VOC2012', 'SegmentationClass', '2011_003353.png'))).toEqual(fs.readFileSync(src));
    expect(fs.existsSync(path.join(dest, 'VOC2012', 'SegmentationClass', '2007_000032.png'))).toBe(false);
    expect(fs.readFileSync(path.join(dest, 'VOC2012', 'ImageSets', 'Segmentation', 'val.txt'), 'utf8')).toBe('2007_000063\n2011_003353\n');
    expect(fs.lstatSync(path.join(dest, 'VOC2012', 'JPEGImages')).isSymbolicLink()).toBe(true);
    const zip = await zipEntries(path.join(dest, 'sample_submission.zip'));
    expect([...zip.keys()].sort()).toEqual(['2007_000063.png', '2011_003353.png']);
    const mask = decodePng(zip.get('2011_003353.png')!);
    expect([mask.width, mask.height, mask.colorType]).toEqual([30, 25, 'palette']);
    expect(mask.data.every((v) => v === 0)).toBe(true);
  });

  it('names a folder that is not a devkit', () => {
    expect(problemsOf(() => importVocDetection(fx('coco'), path.join(tmp, 'voc-bad'), 1))[0]).toContain('not a PASCAL VOC folder');
  });
});

describe('wsj0-2mix / LibriMix importer', () => {
  it('reads a LibriMix split (mix_clean by default) and copies it to test/{mix,s1,s2}', async () => {
    const src = fx('Libri2Mix', 'wav8k', 'min', 'test');
    const dest = path.join(tmp, 'libri');
    const s = await importLibriMix(src, dest, 2);
    expect(s).toMatchObject({ mixtures: 2, sources: 2, sampleRate: 8000, mixFolder: 'mix_clean' });
    const id = '1089-134686-0000_121-121726-0000';
    expect(fs.readFileSync(path.join(dest, 'test', 'mix', `${id}.wav`))).toEqual(fs.readFileSync(path.join(src, 'mix_clean', `${id}.wav`)));
    expect(fs.readFileSync(path.join(dest, 'test', 's2', `${id}.wav`))).toEqual(fs.readFileSync(path.join(src, 's2', `${id}.wav`)));
    expect(readCsvRows(path.join(dest, 'test', 'usage.csv'))).toHaveLength(3);
    const zip = await zipEntries(path.join(dest, 'sample_submission.zip'));
    expect([...zip.keys()].sort()).toEqual([`s1/${id}.wav`, `s1/1188-133604-0012_2300-131720-0031.wav`, `s2/${id}.wav`, `s2/1188-133604-0012_2300-131720-0031.wav`].sort());
    expect((await importLibriMix(src, path.join(tmp, 'libri-both'), 2, 'mix_both')).mixFolder).toBe('mix_both');
  });

  it('reads a wsj0-2mix split', async () => {
    const s = await importLibriMix(fx('wsj0-2mix', 'wav8k', 'min', 'tt'), path.join(tmp, 'wsj'), 2);
    expect(s).toMatchObject({ mixtures: 3, sources: 2, mixFolder: 'mix' });
  });

  it('lists missing sources and mismatched sample rates', async () => {
    const err = await importLibriMix(fx('wsj0-2mix-broken', 'tt'), path.join(tmp, 'wsj-bad'), 2).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    const messages = (err as ValidationError).problems.map((p) => `${path.basename(path.dirname(p.file))}/${path.basename(p.file)}: ${p.message}`);
    expect(messages).toEqual([
      's1/050a050a_1.7262_446o030a_-1.7262.wav: sample rate 16000 Hz, the others have 8000 Hz',
      's2/22ha010f_0.31203_050c0109_-0.31203.wav: missing; every mixture needs s1, s2',
    ]);
  });
});
