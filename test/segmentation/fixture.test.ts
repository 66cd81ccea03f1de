/** The shared VOC fixture (40 masks, numbers from numpy) reproduced from every submission form. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../src/formats/png.js';
import { encodeRle } from '../../src/formats/rle.js';
import { writeZip } from '../../src/formats/zip.js';
import { definition } from '../../src/tasks/segmentation/index.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';

const task = taskFromDefinition(definition);
import { VOC_CLASSES } from '../../src/tasks/segmentation/classes.js';
import { fixture, podiumJson } from '../helpers/cli.js';

const voc40 = fixture('seg/voc40');
const truthDir = path.join(voc40, 'truth');
const submissionDir = path.join(voc40, 'submission');
const expected = JSON.parse(fs.readFileSync(path.join(voc40, 'expected.json'), 'utf8'));
const expectedSplit = JSON.parse(fs.readFileSync(path.join(voc40, 'expected_split.json'), 'utf8'));
const ids = fs.readdirSync(submissionDir).map((f) => f.slice(0, -4)).sort();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-seg-'));
const zipPath = path.join(tmp, 'submission.zip');
const csvPath = path.join(tmp, 'submission.csv');
const vocRoot = path.join(tmp, 'VOC2012');
const valIds = fs.readFileSync(path.join(voc40, 'val.txt'), 'utf8').split('\n').filter(Boolean);
const vocZip = path.join(tmp, 'val.zip');
const vocCsv = path.join(tmp, 'val.csv');
const vocFolder = path.join(tmp, 'val-masks');

/** The same masks zipped (inside a folder, as people zip them) and as id,class,rle rows. */
async function writeForms(ids: string[], zip: string, csv: string) {
  await writeZip(zip, ids.map((id) => ({ name: `results/${id}.png`, data: fs.readFileSync(path.join(submissionDir, `${id}.png`)), compress: id < '2007_000020' })));
  const lines = ['id,class,rle'];
  for (const id of ids) {
    const labels = decodePng(fs.readFileSync(path.join(submissionDir, `${id}.png`))).data;
    VOC_CLASSES.forEach((name, c) => {
      const rle = encodeRle(labels, c);
      // Background is implied for uncovered pixels; write it for half of the images only.
      if (rle !== '' && (c > 0 || id.endsWith('0') || id.endsWith('2'))) lines.push(`${id},${c % 2 === 0 ? name : c},${rle}`);
    });
  }
  fs.writeFileSync(csv, lines.join('\r\n') + '\r\n');
}

beforeAll(async () => {
  await writeForms(ids, zipPath, csvPath);
  await writeForms(valIds, vocZip, vocCsv);
  fs.mkdirSync(vocFolder);
  for (const id of valIds) fs.copyFileSync(path.join(submissionDir, `${id}.png`), path.join(vocFolder, `${id}.png`));
  // A VOC root: SegmentationClass + ImageSets/Segmentation/val.txt + usage.csv.
  fs.mkdirSync(path.join(vocRoot, 'ImageSets/Segmentation'), { recursive: true });
  fs.cpSync(truthDir, path.join(vocRoot, 'SegmentationClass'), { recursive: true });
  fs.copyFileSync(path.join(voc40, 'val.txt'), path.join(vocRoot, 'ImageSets/Segmentation/val.txt'));
  fs.copyFileSync(path.join(voc40, 'usage.csv'), path.join(vocRoot, 'usage.csv'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function expectClose(actual: Record<string, unknown>, wanted: Record<string, number>) {
  for (const [name, value] of Object.entries(wanted)) expect(Math.abs((actual[name] as number) - value), name).toBeLessThan(1e-12);
}
function expectIou(actual: Record<string, number | null>, wanted: (number | null)[]) {
  expect(Object.keys(actual)).toEqual([...VOC_CLASSES]);
  wanted.forEach((v, c) => {
    if (v === null) expect(actual[VOC_CLASSES[c]!]).toBeNull();
    else expect(Math.abs(actual[VOC_CLASSES[c]!]! - v)).toBeLessThan(1e-12);
  });
}

describe('numpy numbers on the 40-mask fixture', () => {
  for (const [form, submission] of [['folder', submissionDir], ['zip', zipPath], ['RLE CSV', csvPath]] as const) {
    it(`from a ${form}`, async () => {
      const { report } = await task.evaluate(truthDir, submission);
      expectClose(report.metrics, expected.metrics);
      expectIou(report.iou as Record<string, number | null>, expected.iou);
      expect(report.images).toBe(40);
      expect(report.splits).toBeUndefined();
    });
  }

  it('from a VOC root: only the split ids, with public and private splits', async () => {
    const { report } = await task.evaluate(vocRoot, vocZip, { options: { split: 'val' } });
    expectClose(report.metrics, expectedSplit.all);
    expectClose(report.splits!.public!, expectedSplit.public);
    expectClose(report.splits!.private!, expectedSplit.private);
    expectIou(report.iou as Record<string, number | null>, expectedSplit.iou);
  });

  it('end to end through `podium evaluate --json`', () => {
    const out = podiumJson(['evaluate', '--task', 'segmentation', '--truth', vocRoot, '--submission', vocCsv]);
    expect(out.task).toBe('segmentation');
    expectClose(out.metrics, expectedSplit.all);
    expectClose(out.splits.private, expectedSplit.private);
    expect(out.version).toBe(task.version);
  });

  it('resamplers: drawing every image once gives the full score; splits draw their own images', async () => {
    const { report, resamplers } = await task.evaluate(vocRoot, vocFolder, { withResamplers: true });
    const all = resamplers!.all;
    expect(all.size).toBe(report.images);
    expectClose(all.score(Uint32Array.from({ length: all.size }, (_, i) => i)), expectedSplit.all);
    const pub = resamplers!.public!;
    expectClose(pub.score(Uint32Array.from({ length: pub.size }, (_, i) => i)), expectedSplit.public);
    // Repeats count twice: one image drawn twice scores as that image alone.
    expect(all.score(Uint32Array.of(3, 3))).toEqual(all.score(Uint32Array.of(3)));
  });
});
