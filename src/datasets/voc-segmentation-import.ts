/**
 * `podium data import voc-segmentation <src> <dest>`: a PASCAL VOC 2012 devkit folder into a
 * segmentation challenge. The val split of ImageSets/Segmentation is the hidden test set (VOC's
 * own test masks were never published): dest/VOC2012 gets its SegmentationClass masks,
 * ImageSets/Segmentation/{train,val}.txt, usage.csv (seeded Public / Private split) and a link to
 * the source JPEGImages; dest/sample_submission.zip holds an all-background mask a val image.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readPngHeader, PngError } from '../formats/png.js';
import { ProblemList } from '../problems.js';
import { writeFile, writeUsageCsv } from './dataset-files.js';
import { splitUsage } from './usage-split.js';
import { writeChallengeFile } from './challenge-file.js';
import { findVocRoot, readImageSet } from './voc-format.js';
import { writeBackgroundSubmission } from './voc2012-seg-generate.js';

export interface VocSegImportSummary {
  train: number;
  val: number;
  public: number;
  private: number;
  challengeFile?: string;
}

export async function importVocSegmentation(src: string, dest: string, seed: number): Promise<VocSegImportSummary> {
  const voc = findVocRoot(src);
  const sets = path.join(voc, 'ImageSets', 'Segmentation');
  const trainFile = path.join(sets, 'train.txt');
  const train = fs.existsSync(trainFile) ? readImageSet(trainFile) : [];
  const val = readImageSet(path.join(sets, 'val.txt'));

  // Every val mask must be an 8-bit grey or palette PNG; collect all problems before writing.
  const problems = new ProblemList();
  const sizes = new Map<string, { width: number; height: number }>();
  for (const id of val) {
    const file = path.join(voc, 'SegmentationClass', `${id}.png`);
    if (!fs.existsSync(file)) {
      problems.add({ file, message: `missing mask for val id ${id}` });
      continue;
    }
    try {
      const h = readPngHeader(fs.readFileSync(file), file);
      if (h.bitDepth !== 8 || (h.colorType !== 'palette' && h.colorType !== 'gray')) {
        problems.add({ file, message: `expected an 8-bit palette or grey mask, found ${h.bitDepth}-bit ${h.colorType}` });
      } else sizes.set(id, { width: h.width, height: h.height });
    } catch (e) {
      problems.add({ file, message: e instanceof PngError ? e.reason : 'not a PNG file' });
    }
  }
  problems.throwIfAny();

  const out = path.join(dest, 'VOC2012');
  for (const id of val) {
    writeFile(path.join(out, 'SegmentationClass', `${id}.png`), fs.readFileSync(path.join(voc, 'SegmentationClass', `${id}.png`)));
  }
  writeFile(path.join(out, 'ImageSets', 'Segmentation', 'train.txt'), train.map((id) => id + '\n').join(''));
  writeFile(path.join(out, 'ImageSets', 'Segmentation', 'val.txt'), val.map((id) => id + '\n').join(''));
  const usage = splitUsage(val, seed);
  writeUsageCsv(path.join(out, 'usage.csv'), usage);
  const images = path.join(voc, 'JPEGImages');
  const link = path.join(out, 'JPEGImages');
  if (fs.existsSync(images) && !fs.existsSync(link)) fs.symlinkSync(path.resolve(images), link, 'dir');
  await writeBackgroundSubmission(path.join(dest, 'sample_submission.zip'), val.map((id) => ({ id, ...sizes.get(id)! })));
  const challengeFile = writeChallengeFile(dest, {
    title: `PASCAL VOC segmentation (imported from ${path.basename(path.resolve(src))})`,
    task: 'segmentation',
    truth: 'VOC2012',
    primary_metric: 'miou',
    options: { split: 'val' },
    sample_submission: 'sample_submission.zip',
    description: 'Imported PASCAL VOC devkit; the Segmentation val split is the hidden test set. Mean IoU over 21 classes, 255 = void.',
  });
  const nPublic = [...usage.values()].filter((u) => u === 'Public').length;
  return { train: train.length, val: val.length, public: nPublic, private: val.length - nPublic, challengeFile };
}
