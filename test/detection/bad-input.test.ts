/**
 * Bad submissions and truths: every problem collected with file, row and column, and the
 * message says what was expected. Both CSV paths (byte fast path and csv-parse for quoted
 * files) and both JSON paths (byte scanner and JSON.parse) must report the same way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, ValidationError } from '../../src/problems.js';
import { definition } from '../../src/tasks/detection/index.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';

const task = taskFromDefinition(definition);
import { fixture } from '../helpers/cli.js';
import { tempDir } from './tmp.js';

const dir = tempDir('bad');
const cocoTruth = fixture('det/instances.json');
const vocTruth = fixture('voc');

async function problems(truth: string, name: string, content: string | Buffer): Promise<string[]> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  try {
    await task.validate(truth, file);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).problems.map(formatProblem);
  }
  return [];
}

const HEADER = 'image_id,category_id,score,x,y,width,height';
const BAD_ROWS = ['3,2,0.5,1,2,3,4', '999999,2,0.5,1,2,3,4', '3,777,0.5,1,2,3,4', '3,2,abc,1,2,3,4', '3,2,0.5,1,2,-3,4', '3,2,0.5,1,2,3', '3,2,inf,1,2,3,4', '3,2,0.5,NaN,2,3,4'];
const EXPECTED = [
  'line 3, column image_id: image_id 999999 is not an image of the truth',
  'line 4, column category_id: category_id 777 is not a category of the truth',
  'line 5, column score: score must be a finite number, found "abc"',
  'line 6, column width: width must be >= 0, found -3',
  'line 7: expected 7 columns (image_id,category_id,score,x,y,width,height), found 6',
  'line 8, column score: score must be a finite number, found "inf"',
  'line 9, column x: x must be a finite number, found "NaN"',
];

describe('COCO CSV submissions', () => {
  it('fast path: every problem, with row and column', async () => {
    const found = await problems(cocoTruth, 'bad.csv', [HEADER, ...BAD_ROWS].join('\n') + '\n');
    expect(found).toEqual(EXPECTED.map((m) => `bad.csv, ${m}`));
  });

  it('quoted file (csv-parse path): the same problems', async () => {
    const rows = BAD_ROWS.map((r) => r.replace(/^(\d+),/, '"$1",'));
    const found = await problems(cocoTruth, 'quoted.csv', [HEADER, ...rows].join('\r\n') + '\r\n');
    expect(found).toEqual(EXPECTED.map((m) => `quoted.csv, ${m}`));
  });

  it('a wrong header is named with what was expected', async () => {
    expect(await problems(cocoTruth, 'header.csv', 'image_id,category,score,x,y,width,height\n3,2,0.5,1,2,3,4\n')).toEqual([
      'header.csv, line 1: header must be "image_id,category_id,score,x,y,width,height", found "image_id,category,score,x,y,width,height"',
    ]);
  });

  it('a valid file with BOM, CRLF and a blank line passes', async () => {
    expect(await problems(cocoTruth, 'ok.csv', `\uFEFF${HEADER}\r\n3,2,0.5,1,2,3,4\r\n\r\n6,2,1e-3,1.5,2,0,0\r\n`)).toEqual([]);
  });
});

describe('COCO results JSON submissions', () => {
  it('entries with bad or missing fields, numbered from 1', async () => {
    const entries = '[{"image_id":3,"category_id":2,"bbox":[1,2,3],"score":0.5},{"image_id":3,"category_id":2,"bbox":[1,2,3,4]},{"image_id":5,"category_id":2,"bbox":[1,2,3,4],"score":"x"},{"image_id":3,"category_id":2,"bbox":[1,2,3,-4],"score":0.1}]';
    expect(await problems(cocoTruth, 'bad.json', entries)).toEqual([
      'bad.json, row 1, column bbox: bbox must be an array of 4 numbers [x, y, width, height]',
      'bad.json, row 2, column score: missing "score"',
      'bad.json, row 3, column image_id: image_id 5 is not an image of the truth',
      'bad.json, row 3, column score: score must be a finite number, found "x"',
      'bad.json, row 4, column height: height must be >= 0, found -4',
    ]);
  });

  it('the byte scanner reports like JSON.parse: unknown ids and negative sizes', async () => {
    const entries = '[{"image_id": 1, "category_id": 2, "bbox": [1, 2, 3, 4], "score": 0.5},\n {"image_id": 3, "category_id": 777, "bbox": [1, 2, -3, 4], "score": 0.5, "id": 7}]';
    expect(await problems(cocoTruth, 'scan.json', entries)).toEqual([
      'scan.json, row 1, column image_id: image_id 1 is not an image of the truth',
      'scan.json, row 2, column category_id: category_id 777 is not a category of the truth',
      'scan.json, row 2, column width: width must be >= 0, found -3',
    ]);
  });

  it('not JSON, or not an array', async () => {
    expect(await problems(cocoTruth, 'broken.json', '[{"image_id": 3,')).toEqual([expect.stringMatching(/^broken\.json: is not valid JSON/)]);
    expect(await problems(cocoTruth, 'object.json', '{"image_id": 3}')).toEqual(['object.json: expected a JSON array of {image_id, category_id, bbox, score}']);
  });
});

describe('VOC submissions', () => {
  it('CSV: unknown image and class, inverted box, empty score', async () => {
    const csv = ['image_id,class,score,xmin,ymin,xmax,ymax', '2007_000296,cat,0.5,1,2,3,4', 'nope,cat,0.5,1,2,3,4', '2007_000296,kitty,0.5,1,2,3,4', '2007_000296,cat,0.5,5,2,3,4', '2007_000296,cat,,1,2,3,4'];
    const found = await problems(vocTruth, 'v.csv', csv.join('\n') + '\n');
    expect(found).toHaveLength(4);
    expect(found[0]).toBe('v.csv, line 3, column image_id: image_id "nope" is not an image of the truth');
    expect(found[1]).toMatch(/^v\.csv, line 4, column class: class "kitty" is not a class of the truth \(aeroplane, /);
    expect(found[2]).toBe('v.csv, line 5, column xmax: xmax must be >= xmin (a box is xmin,ymin,xmax,ymax)');
    expect(found[3]).toBe('v.csv, line 6, column score: score must be a finite number, found an empty field');
  });

  it('devkit folder: unknown class file, stray file, short line, unknown image', async () => {
    const res = path.join(dir, 'vres');
    fs.mkdirSync(res);
    fs.writeFileSync(path.join(res, 'comp3_det_test_cat.txt'), '2007_000296 0.5 1 2 3 4\n2007_000296 0.5 1 2 3\nnope 0.4 1 2 3 4\n');
    fs.writeFileSync(path.join(res, 'comp3_det_test_kitty.txt'), 'x\n');
    fs.writeFileSync(path.join(res, 'notes.md'), 'x');
    await expect(task.validate(vocTruth, res)).rejects.toMatchObject({ total: 4 });
    const e = await task.validate(vocTruth, res).catch((x: ValidationError) => x);
    const found = (e as ValidationError).problems.map(formatProblem);
    expect(found).toContain('vres/comp3_det_test_cat.txt, line 2: expected 6 values "<image_id> <score> <xmin> <ymin> <xmax> <ymax>", found 5');
    expect(found).toContain('vres/comp3_det_test_cat.txt, line 3, column image_id: image_id "nope" is not an image of the truth');
    expect(found).toContain('vres/notes.md: unexpected file; expected comp<N>_det_<set>_<class>.txt (e.g. comp3_det_test_aeroplane.txt)');
    expect(found.some((m) => m.startsWith('vres/comp3_det_test_kitty.txt: "kitty" is not a class of the truth'))).toBe(true);
  });
});

describe('bad truths', () => {
  it('COCO: annotations of unknown images, bad boxes, missing area', async () => {
    const truth = path.join(dir, 'truth.json');
    fs.writeFileSync(
      truth,
      JSON.stringify({
        images: [{ id: 1 }, { id: 1 }],
        categories: [{ id: 1, name: 'a' }],
        annotations: [
          { id: 1, image_id: 2, category_id: 1, bbox: [0, 0, 1, 1], area: 1 },
          { id: 2, image_id: 1, category_id: 1, bbox: [0, 0, 1], area: 1 },
          { id: 3, image_id: 1, category_id: 1, bbox: [0, 0, 1, 1] },
        ],
      }),
    );
    const e = (await task.validate(truth, fixture('det/submission.csv')).catch((x) => x)) as ValidationError;
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.problems.map(formatProblem)).toEqual([
      'truth.json, column images: images[1]: duplicate id 1',
      'truth.json, row 1, column image_id: annotation 1: image_id 2 is not in "images"',
      'truth.json, row 2, column bbox: annotation 2: bbox must be 4 finite numbers [x, y, width, height]',
      'truth.json, row 3, column area: annotation 3: area must be a finite number (it decides the size bucket)',
    ]);
  });

  it('a truth that is neither a .json file nor a VOC folder', async () => {
    await expect(task.validate(path.join(dir), fixture('det/submission.csv'))).rejects.toThrow(/must hold VOC Annotations/);
    await expect(task.validate(fixture('det/submission.csv'), fixture('det/submission.csv'))).rejects.toThrow(/COCO instances \.json file or a VOC folder/);
  });
});
