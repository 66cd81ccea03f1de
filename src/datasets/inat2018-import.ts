/**
 * `podium data import inat2018 <src> <dest>`: an iNaturalist 2018 release (train2018.json,
 * val2018.json, optional categories.json) into a classification challenge. The test labels of
 * iNat 2018 were never published, so the labelled val2018.json becomes the hidden test set:
 * solution.csv `id,expected,usage` (seeded Public/Private split), test2018.json (its images
 * without labels, for participants), categories.json (taxonomy) and a sample submission guessing
 * the three most frequent training classes. Images stay where they are (file_name is relative
 * to the source folder).
 * `src` may also be one annotation file: that file is the hidden set.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeJson } from './dataset-files.js';
import { writeClassificationSolution, type ClassificationSolution } from './classification-solution.js';
import { writeChallengeFile } from './challenge-file.js';
import { countsByCategory, labelsOf, mergeTaxonomy, mostFrequent, readInatFile } from './inat2018-format.js';
import { requireFile } from './import-input.js';

export interface InatImportSummary extends ClassificationSolution {
  categories: number;
  trainImages: number;
  challengeFile?: string;
}

export function importInat2018(src: string, dest: string, seed: number): InatImportSummary {
  const isDir = fs.existsSync(src) && fs.statSync(src).isDirectory();
  const holdoutFile = isDir ? path.join(src, 'val2018.json') : src;
  requireFile(holdoutFile, isDir ? 'val2018.json in an iNaturalist 2018 folder' : 'an iNaturalist 2018 annotation JSON file');
  const holdout = readInatFile(holdoutFile, { requireAnnotations: true });
  const trainFile = isDir ? path.join(src, 'train2018.json') : undefined;
  const train = trainFile && fs.existsSync(trainFile) ? readInatFile(trainFile, { requireAnnotations: true }) : undefined;
  const srcDir = isDir ? src : path.dirname(src);
  const categories = mergeTaxonomy(holdout.categories.length ? holdout.categories : (train?.categories ?? []), path.join(srcDir, 'categories.json'));

  fs.mkdirSync(dest, { recursive: true });
  const guess = mostFrequent(countsByCategory(train ?? holdout), 3);
  const solution = writeClassificationSolution(dest, labelsOf(holdout), guess, seed);
  const imagesRoot = path.relative(path.resolve(dest), path.resolve(srcDir)) || '.';
  writeJson(path.join(dest, 'test2018.json'), {
    info: { ...holdout.info, podium: `labels removed; file_name is relative to ${imagesRoot}` },
    images: holdout.images,
    categories,
  });
  writeJson(path.join(dest, 'categories.json'), categories, 1);
  const challengeFile = writeChallengeFile(dest, {
    title: `iNaturalist 2018 (imported from ${path.basename(path.resolve(src))})`,
    task: 'classification',
    truth: 'solution.csv',
    primary_metric: 'top3_error',
    options: { predictions: 3 },
    sample_submission: 'sample_submission.csv',
    description: 'Imported iNaturalist 2018 annotations; the labelled val set is the hidden test set. Top-3 error.',
  });
  return { ...solution, categories: categories.length, trainImages: train?.images.length ?? 0, challengeFile };
}
