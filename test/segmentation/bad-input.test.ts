/** Every kind of bad segmentation input gives a ValidationError whose message names the file. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng, VOC_PALETTE } from '../../src/formats/png.js';
import { encodeRle } from '../../src/formats/rle.js';
import { writeZip } from '../../src/formats/zip.js';
import { ValidationError } from '../../src/problems.js';
import { definition } from '../../src/tasks/segmentation/index.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';

const task = taskFromDefinition(definition);
import { podium } from '../helpers/cli.js';
import { rawZip } from './raw-zip.js';

const W = 8;
const H = 6;
const ids = ['img_a', 'img_b', 'img_c'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-seg-bad-'));
const truthDir = path.join(tmp, 'truth');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A mask with a void border and a few classes, different for each image. */
function maskFor(k: number, width = W, height = H): Uint8Array {
  return Uint8Array.from({ length: width * height }, (_, i) => (i < width ? 255 : (i * (k + 3)) % 21));
}
const pngOf = (labels: Uint8Array, width = W, height = H) => encodePng({ width, height, colorType: 'palette', palette: VOC_PALETTE, data: labels });

let n = 0;
/** A submission folder with the good masks, changed by `edit` (file name -> bytes, or null to delete). */
function folder(edit: Record<string, Uint8Array | string | null> = {}): string {
  const dir = path.join(tmp, `sub${n++}`);
  fs.mkdirSync(dir);
  const files: Record<string, Uint8Array | string | null> = Object.fromEntries(ids.map((id, k) => [`${id}.png`, pngOf(maskFor(k))]));
  Object.assign(files, edit);
  for (const [name, data] of Object.entries(files)) if (data !== null) fs.writeFileSync(path.join(dir, name), data);
  return dir;
}
function file(name: string, data: Uint8Array | string): string {
  const p = path.join(tmp, `${n++}-${name}`);
  fs.writeFileSync(p, data);
  return p;
}

async function problems(submission: string, truth = truthDir, options?: Record<string, unknown>): Promise<string[]> {
  try {
    await task.validate(truth, submission, { options });
  } catch (e) {
    if (e instanceof ValidationError) return e.problems.map((p) => `${p.file}${p.line !== undefined ? ` line ${p.line}` : ''}${p.row !== undefined ? ` row ${p.row}` : ''}: ${p.message}`);
    throw e;
  }
  return [];
}

beforeAll(() => {
  fs.mkdirSync(truthDir);
  ids.forEach((id, k) => fs.writeFileSync(path.join(truthDir, `${id}.png`), pngOf(maskFor(k))));
});

describe('bad PNG submissions', () => {
  it('accepts the good submission (so the failures below are the edits)', async () => {
    expect(await problems(folder())).toEqual([]);
  });
  it('missing mask', async () => {
    expect(await problems(folder({ 'img_b.png': null }))).toEqual([expect.stringMatching(/^sub\d+: missing mask img_b\.png$/)]);
  });
  it('unknown and misnamed masks, with a hint', async () => {
    const found = await problems(folder({ 'img_c.png': null, 'img_c_pred.png': pngOf(maskFor(2)), 'IMG_A.png': pngOf(maskFor(0)), 'notes.txt': 'hi' }));
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/img_c_pred\.png: no truth image has id "img_c_pred" \(did you mean img_c\.png\?\)/),
        expect.stringMatching(/IMG_A\.png: no truth image has id "IMG_A" \(did you mean img_a\.png\?\)/),
        expect.stringMatching(/notes\.txt: unexpected file; a submission holds <id>\.png masks only/),
        expect.stringMatching(/missing mask img_c\.png/),
      ]),
    );
    expect(found).toHaveLength(4);
  });
  it('size mismatch', async () => {
    expect(await problems(folder({ 'img_a.png': pngOf(maskFor(0, 9, 6), 9, 6) }))).toEqual([
      expect.stringMatching(/sub\d+\/img_a\.png: mask is 9 x 6, the truth truth\/img_a\.png is 8 x 6/),
    ]);
  });
  it('label out of range, and 255 on a scored pixel', async () => {
    const bad = maskFor(1);
    bad[20] = 21;
    bad[21] = 21;
    const voidPrediction = maskFor(2);
    voidPrediction[30] = 255;
    expect(await problems(folder({ 'img_b.png': pngOf(bad), 'img_c.png': pngOf(voidPrediction) }))).toEqual([
      expect.stringMatching(/img_b\.png: label 21 at 2 pixel\(s\) is not a class \(expected 0\.\.20\)/),
      expect.stringMatching(/img_c\.png: label 255 at 1 pixel\(s\) is not a class/),
    ]);
  });
  it('corrupt PNG', async () => {
    const png = pngOf(maskFor(0));
    expect(await problems(folder({ 'img_a.png': png.subarray(0, png.length - 20), 'img_b.png': 'not a png' }))).toEqual([
      expect.stringMatching(/img_a\.png: corrupt or unsupported PNG: truncated file/),
      expect.stringMatching(/img_b\.png: corrupt or unsupported PNG: not a PNG file \(bad signature\)/),
    ]);
  });
  it('RGB image instead of a label mask', async () => {
    const rgb = encodePng({ width: W, height: H, colorType: 'rgb', data: new Uint8Array(W * H * 3) });
    expect(await problems(folder({ 'img_a.png': rgb }))).toEqual([expect.stringMatching(/img_a\.png: is a rgb PNG; a mask must be an 8-bit palette or grayscale PNG/)]);
  });
  it('unsupported submission type', async () => {
    expect(await problems(file('masks.tar', 'x'))).toEqual([expect.stringMatching(/masks\.tar: expected a folder or \.zip of <id>\.png masks, or a CSV "id,class,rle"/)]);
    expect(await problems(path.join(tmp, 'nowhere.zip'))).toEqual(['nowhere.zip: submission not found']);
  });
});

describe('bad zip submissions', () => {
  const good = () => ids.map((id, k) => ({ name: `${id}.png`, data: pngOf(maskFor(k)) }));
  it('path traversal', async () => {
    const zip = file('traversal.zip', rawZip([...good(), { name: '../../etc/img_a.png', data: pngOf(maskFor(0)) }]));
    expect(await problems(zip)).toEqual([expect.stringMatching(/traversal\.zip: unsafe entry name "\.\.\/\.\.\/etc\/img_a\.png": path traversal/)]);
  });
  it('nested zip', async () => {
    const inner = rawZip(good());
    expect(await problems(file('nested.zip', rawZip([{ name: 'masks.zip', data: inner }])))).toEqual([
      expect.stringMatching(/nested\.zip: entry "masks\.zip" is an archive; nested archives are not allowed/),
    ]);
  });
  it('zip bomb: an entry inflating past its declared size, reported with the rest', async () => {
    const [a, b, c] = good();
    const bomb = { name: 'img_b.png', data: Buffer.alloc(8 * 1024 * 1024), deflate: true, declaredSize: b!.data.length };
    const found = await problems(file('bomb.zip', rawZip([a!, bomb, c!])));
    expect(found).toEqual([expect.stringMatching(/bomb\.zip: entry "img_b\.png": inflates to more than .* refusing a possible zip bomb/)]);
  });
  it('symlink entry', async () => {
    expect(await problems(file('link.zip', rawZip([...good(), { name: 'x.png', data: Buffer.from('/etc/passwd'), unixMode: 0o120777 }])))).toEqual([
      expect.stringMatching(/link\.zip: entry "x\.png" is a symbolic link/),
    ]);
  });
  it('a zip saved without its extension is still read as a zip', async () => {
    expect(await problems(file('upload', rawZip(good())))).toEqual([]);
  });
  it('macOS clutter is ignored, masks in a folder are found', async () => {
    const zip = path.join(tmp, 'mac.zip');
    await writeZip(zip, [...good().map((e) => ({ ...e, name: `preds/${e.name}` })), { name: '__MACOSX/preds/._img_a.png', data: 'x' }, { name: 'preds/.DS_Store', data: 'x' }]);
    expect(await problems(zip)).toEqual([]);
  });
});

describe('bad RLE CSV submissions', () => {
  const rows = (k: number, id: string) => {
    const labels = maskFor(k);
    return Array.from({ length: 21 }, (_, c) => encodeRle(labels, c))
      .map((rle, c) => (rle && c > 0 ? `${id},${c},${rle}` : ''))
      .filter(Boolean);
  };
  const goodLines = () => ['id,class,rle', ...ids.flatMap((id, k) => rows(k, id))];
  it('accepts the good CSV', async () => {
    expect(await problems(file('good.csv', goodLines().join('\n')))).toEqual([]);
  });
  it('overlapping classes, runs past the end, unknown class, duplicate row, unknown and missing ids', async () => {
    const lines = goodLines().filter((l) => !l.startsWith('img_c,'));
    lines.push('img_a,aeroplane,9 3'); // img_a has no aeroplane, but pixels 9-11 are already class 3
    lines.push('img_b,background,40 20'); // 48 pixels in an 8 x 6 mask
    lines.push('img_b,unicorn,1 1');
    lines.push(lines[1]!.replace(/,(\d+),.*/, ',$1,1 1')); // a second row for img_a and that class
    lines.push('img_z,1,1 1');
    lines.push('img_a,bicycle,5 2 x'); // odd count
    const found = await problems(file('bad.csv', lines.join('\n')));
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/bad\.csv line \d+: pixel 9 of "img_a" is also class 3 \(line 2\); classes must not overlap/),
        expect.stringMatching(/bad\.csv line \d+: run 1 \(40 20\) goes past the last pixel 48 of the image \(image "img_b" is 8 x 6\)/),
        expect.stringMatching(/bad\.csv line \d+: "unicorn" is not a class \(expected 0\.\.20 or a class name\)/),
        expect.stringMatching(/bad\.csv line \d+: second row for id "img_a" and class \d+ \(first at line 2\)/),
        expect.stringMatching(/bad\.csv line \d+: no truth image has id "img_z"/),
        expect.stringMatching(/bad\.csv line \d+: odd number of values \(3\); expected "start length" pairs/),
        expect.stringMatching(/bad\.csv: missing id "img_c" \(an all-background image needs one row: img_c,0,\)/),
      ]),
    );
  });
  it('overlap between two classes names both rows', async () => {
    const found = await problems(file('overlap.csv', [...goodLines(), 'img_b,0,9 3'].join('\n')));
    expect(found).toEqual([expect.stringMatching(/overlap\.csv line \d+: pixel 9 of "img_b" is also class 11 \(line \d+\); classes must not overlap/)]);
  });
  it('an id whose only rows are bad is reported for them, not again as missing', async () => {
    const lines = goodLines().filter((l) => !l.startsWith('img_c,'));
    lines.push('img_c,unicorn,1 1', 'img_c,1');
    const found = await problems(file('bad-only.csv', lines.join('\n')));
    expect(found).toEqual([
      expect.stringMatching(new RegExp(`bad-only\\.csv line ${lines.length - 1}: "unicorn" is not a class`)),
      expect.stringMatching(new RegExp(`bad-only\\.csv line ${lines.length}: expected 3 columns \\(id,class,rle\\), found 2`)),
    ]);
  });
  it('wrong header', async () => {
    expect(await problems(file('header.csv', 'image,class,rle\nimg_a,1,1 1\n'))).toEqual([expect.stringMatching(/header\.csv line 1: header must be "id,class,rle"/)]);
  });
});

describe('bad truths', () => {
  it('truth label out of range names the truth file', async () => {
    const dir = path.join(tmp, 'bad-truth');
    fs.mkdirSync(dir);
    const labels = maskFor(0);
    labels[10] = 40;
    fs.writeFileSync(path.join(dir, 'img_a.png'), pngOf(labels));
    fs.writeFileSync(path.join(dir, 'img_b.png'), pngOf(maskFor(1)));
    fs.writeFileSync(path.join(dir, 'img_c.png'), pngOf(maskFor(2)));
    expect(await problems(folder(), dir)).toEqual([expect.stringMatching(/bad-truth\/img_a\.png: truth label 40 at 1 pixel\(s\) is not a class \(0\.\.20\) nor 255 \(void\)/)]);
  });
  it('VOC root: ids outside the split, and a missing split list', async () => {
    const root = path.join(tmp, 'VOC');
    fs.mkdirSync(path.join(root, 'ImageSets/Segmentation'), { recursive: true });
    fs.cpSync(truthDir, path.join(root, 'SegmentationClass'), { recursive: true });
    fs.writeFileSync(path.join(root, 'ImageSets/Segmentation/val.txt'), 'img_a\nimg_b\n');
    expect(await problems(folder(), root)).toEqual([expect.stringMatching(/img_c\.png: id "img_c" is not in the val split; submit masks for the val ids only/)]);
    expect(await problems(folder(), root, { split: 'test' })).toEqual(['VOC/ImageSets/Segmentation/test.txt: split list not found (option "split" is "test")']);
  });
});

describe('the command line', () => {
  it('exits 2 with one line naming the file, and validate lists every problem', () => {
    const sub = folder({ 'img_a.png': 'garbage', 'img_b.png': null });
    const r = podium(['evaluate', '--task', 'segmentation', '--truth', truthDir, '--submission', sub]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^podium: sub\d+: missing mask img_b\.png \(and 1 more problem\)\n$/);
    const v = podium(['validate', '--task', 'segmentation', '--truth', truthDir, '--submission', sub, '--json']);
    expect(v.code).toBe(2);
    const out = JSON.parse(v.stdout);
    expect(out.total).toBe(2);
    expect(out.problems.map((p: { message: string }) => p.message)).toEqual([expect.stringMatching(/missing mask/), expect.stringMatching(/not a PNG file/)]);
  });
});
