/**
 * COCO image ids given as strings, as pycocotools accepts them: it sorts the ids (`sorted`,
 * `np.unique`), and that order decides how detections of equal score from different images
 * are ranked (a stable sort over images in id order). So a string-id truth scores exactly as
 * the same truth with numeric ids renumbered in the strings' code point order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, ValidationError } from '../../src/problems.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';
import { definition } from '../../src/tasks/detection/index.js';
import { compareCodePoints } from '../../src/formats/coco-json.js';
import { fixture } from '../helpers/cli.js';
import { tempDir } from './tmp.js';

const task = taskFromDefinition(definition);
const dir = tempDir('string-ids');
type Doc = { images: { id: unknown }[]; annotations: { image_id: unknown }[]; categories: unknown[] };
type Result = { image_id: unknown; category_id: number; bbox: number[]; score: number };

const instances = JSON.parse(fs.readFileSync(fixture('det/instances.json'), 'utf8')) as Doc;
const results = JSON.parse(fs.readFileSync(fixture('det/submission.json'), 'utf8')) as Result[];

/** Writes the fixture with image ids mapped by `f`, as truth .json, results .json and CSV. */
function write(name: string, f: (id: number) => string | number) {
  const truth = path.join(dir, `${name}.json`);
  fs.writeFileSync(truth, JSON.stringify({
    ...instances,
    images: instances.images.map((im) => ({ ...im, id: f(im.id as number) })),
    annotations: instances.annotations.map((a) => ({ ...a, image_id: f(a.image_id as number) })),
  }));
  const json = path.join(dir, `${name}-results.json`);
  fs.writeFileSync(json, JSON.stringify(results.map((r) => ({ ...r, image_id: f(r.image_id as number) }))));
  const csv = path.join(dir, `${name}-results.csv`);
  fs.writeFileSync(csv, 'image_id,category_id,score,x,y,width,height\n' + results.map((r) => [f(r.image_id as number), r.category_id, r.score, ...r.bbox].join(',')).join('\n') + '\n');
  return { truth, json, csv };
}

async function metrics(truth: string, submission: string) {
  return (await task.evaluate(truth, submission)).report.metrics;
}

describe('COCO string image ids', () => {
  it('score as the numeric ids when the strings sort the same way (zero-padded)', async () => {
    const numeric = await metrics(fixture('det/instances.json'), fixture('det/submission.json'));
    const padded = write('padded', (id) => `img${String(id).padStart(12, '0')}`);
    expect(await metrics(padded.truth, padded.json)).toEqual(numeric);
    expect(await metrics(padded.truth, padded.csv)).toEqual(numeric);
  });

  it('rank in code point order ("10" before "9"), as the numbers renumbered in that order', async () => {
    const ids = instances.images.map((im) => im.id as number);
    const order = ids.map(String).sort(compareCodePoints);
    const renumbered = write('renumbered', (id) => order.indexOf(String(id)) + 1);
    const strings = write('strings', (id) => String(id));
    const expected = await metrics(renumbered.truth, renumbered.json);
    expect(await metrics(strings.truth, strings.json)).toEqual(expected);
    expect(await metrics(strings.truth, strings.csv)).toEqual(expected);
  });

  it('the order decides ties between images: AP 1 when "10" ranks first, 0.5 for the numbers 9 < 10', async () => {
    const truth = (ids: [unknown, unknown]) => ({
      images: [{ id: ids[0] }, { id: ids[1] }],
      categories: [{ id: 1, name: 'thing' }],
      annotations: [{ id: 1, image_id: ids[0], category_id: 1, bbox: [0, 0, 50, 50], area: 2500, iscrowd: 0 }],
    });
    // One object, on image "10"; two detections of equal score: a hit on "10", a miss on "9".
    const run = async (name: string, ids: [unknown, unknown]) => {
      const t = path.join(dir, `${name}.json`);
      const s = path.join(dir, `${name}-results.json`);
      fs.writeFileSync(t, JSON.stringify(truth(ids)));
      fs.writeFileSync(s, JSON.stringify([
        { image_id: ids[1], category_id: 1, bbox: [0, 0, 50, 50], score: 0.5 },
        { image_id: ids[0], category_id: 1, bbox: [0, 0, 50, 50], score: 0.5 },
      ]));
      return (await metrics(t, s)).AP;
    };
    expect(await run('tie-strings', ['10', '9'])).toBeCloseTo(1, 12);
    expect(await run('tie-numbers', [10, 9])).toBeCloseTo(0.5, 12);
  });

  it('refuses a truth mixing number and string ids, and ids of the wrong kind in a submission, naming them', async () => {
    const mixed = path.join(dir, 'mixed.json');
    fs.writeFileSync(mixed, JSON.stringify({ images: [{ id: 'a' }, { id: 2 }, { id: 'a' }], categories: [{ id: 1, name: 'x' }], annotations: [] }));
    const e = (await task.validate(mixed, fixture('det/submission.json')).catch((x) => x)) as ValidationError;
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.problems.map(formatProblem)).toEqual([
      'mixed.json, column images: images[1]: id 2 is a number but images[0..] have string ids; give every image id as a string (pycocotools sorts them together)',
      'mixed.json, column images: images[2]: duplicate id "a"',
    ]);

    const strings = write('kinds', (id) => String(id));
    const sub = path.join(dir, 'kinds-bad.json');
    fs.writeFileSync(sub, JSON.stringify([
      { image_id: 9, category_id: 1, bbox: [0, 0, 1, 1], score: 0.5 },
      { image_id: 'nope', category_id: 1, bbox: [0, 0, 1, 1], score: 0.5 },
    ]));
    const f = (await task.validate(strings.truth, sub).catch((x) => x)) as ValidationError;
    expect(f.problems.map(formatProblem)).toEqual([
      "kinds-bad.json, row 1, column image_id: image_id must be a string as the truth's image ids are, found 9",
      'kinds-bad.json, row 2, column image_id: image_id "nope" is not an image of the truth',
    ]);
    const csv = path.join(dir, 'kinds-bad.csv');
    fs.writeFileSync(csv, 'image_id,category_id,score,x,y,width,height\nnope,1,0.5,0,0,1,1\n');
    const g = (await task.validate(strings.truth, csv).catch((x) => x)) as ValidationError;
    expect(g.problems.map(formatProblem)).toEqual(['kinds-bad.csv, line 2, column image_id: image_id "nope" is not an image of the truth']);
  });

  it('compares code points, not UTF-16 units', () => {
    // U+FF61 is one UTF-16 unit above the surrogates that encode U+1F600.
    expect(['\u{1F600}', '\uFF61'].sort(compareCodePoints)).toEqual(['\uFF61', '\u{1F600}']);
    expect(['b', 'a', 'ab', ''].sort(compareCodePoints)).toEqual(['', 'a', 'ab', 'b']);
  });
});
