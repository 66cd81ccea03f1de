/**
 * `podium data import coco <instances.json> <dest>`: a COCO instances file (e.g. COCO 2017's
 * instances_val2017.json) into a detection challenge: the checked file as
 * annotations/instances_test.json, the seeded Public / Private split by image id, and a sample
 * submission. With a folder as source, annotations/instances_val2017.json (or the single
 * instances_*.json there) is taken. Images stay where they are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../problems.js';
import { writeChallengeFile } from './challenge-file.js';
import { instancesPerCategory, readCocoInstances } from './coco-format.js';
import { writeDetectionSolution, type DetectionSolution } from './detection-solution.js';
import { mostFrequent } from './inat2018-format.js';

export interface CocoImportSummary extends DetectionSolution {
  categories: number;
  challengeFile?: string;
}

function findInstancesFile(src: string): string {
  if (!fs.existsSync(src) || !fs.statSync(src).isDirectory()) return src;
  for (const dir of [path.join(src, 'annotations'), src]) {
    if (!fs.existsSync(dir)) continue;
    const preferred = path.join(dir, 'instances_val2017.json');
    if (fs.existsSync(preferred)) return preferred;
    const found = fs.readdirSync(dir).filter((f) => /^instances_.*\.json$/.test(f)).sort();
    if (found.length === 1) return path.join(dir, found[0]!);
    if (found.length > 1) {
      throw ValidationError.of({ file: dir, message: `several instances files (${found.join(', ')}); name the one to import` });
    }
  }
  throw ValidationError.of({ file: src, message: 'no instances_*.json here or in annotations/; expected a COCO instances file' });
}

export function importCoco(src: string, dest: string, seed: number): CocoImportSummary {
  const file = findInstancesFile(src);
  const instances = readCocoInstances(file);
  const guess = mostFrequent(instancesPerCategory(instances), 1)[0] ?? instances.categories[0]?.id ?? 1;
  const solution = writeDetectionSolution(dest, instances, guess, seed);
  const challengeFile = writeChallengeFile(dest, {
    title: `COCO detection (imported from ${path.basename(file)})`,
    task: 'detection',
    truth: 'annotations/instances_test.json',
    primary_metric: 'AP',
    sample_submission: 'sample_submission.csv',
    description: `Imported COCO instances (${path.basename(file)}), scored with the 12 COCO numbers.`,
  });
  return { ...solution, categories: instances.categories.length, challengeFile };
}
