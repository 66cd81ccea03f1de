/**
 * `podium data import voc-detection <src> <dest>`: a PASCAL VOC devkit's Annotations into a
 * COCO-scored detection challenge. ImageSets/Main/val.txt is the hidden test set, train.txt the
 * training set; each becomes a COCO instances file with VOC's 20 classes as categories 1-20.
 * Boxes: VOC corners are 1-based and inclusive, so x = xmin - 1, width = xmax - xmin + 1 (the
 * conversion Detectron and torchvision use); area = width * height (VOC has no instance masks
 * for most images). A "difficult" object becomes iscrowd 1: COCOeval then ignores detections
 * matched to it, as the VOC devkit does for difficult objects.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ProblemList } from '../problems.js';
import { writeJson } from './dataset-files.js';
import { writeChallengeFile } from './challenge-file.js';
import { instancesPerCategory, type CocoInstances } from './coco-format.js';
import { writeDetectionSolution, type DetectionSolution } from './detection-solution.js';
import { mostFrequent } from './inat2018-format.js';
import { findVocRoot, readImageSet, readVocAnnotation, VOC_CLASSES } from './voc-format.js';

export const VOC_CATEGORIES = VOC_CLASSES.map((name, i) => ({ id: i + 1, name, supercategory: 'voc' }));

/** Converts the devkit annotations of the listed ids into one COCO instances object. */
export function vocToCoco(voc: string, ids: string[], firstImageId: number, problems: ProblemList): CocoInstances {
  const out: CocoInstances = { info: { description: `converted from PASCAL VOC ${path.basename(voc)}` }, licenses: [], images: [], annotations: [], categories: VOC_CATEGORIES };
  const classId = new Map<string, number>(VOC_CATEGORIES.map((c) => [c.name, c.id]));
  let annotationId = 0;
  ids.forEach((vocId, i) => {
    const file = path.join(voc, 'Annotations', `${vocId}.xml`);
    if (!fs.existsSync(file)) return problems.add({ file, message: `missing annotation for id ${vocId}` });
    const a = readVocAnnotation(file, problems);
    if (!a) return;
    const imageId = firstImageId + i;
    out.images.push({ id: imageId, file_name: a.filename || `${vocId}.jpg`, width: a.width, height: a.height });
    a.objects.forEach((o, k) => {
      const category = classId.get(o.name);
      if (category === undefined) return problems.add({ file, column: `object[${k}].name`, message: `"${o.name}" is not a VOC class` });
      const w = o.xmax - o.xmin + 1;
      const h = o.ymax - o.ymin + 1;
      out.annotations.push({
        id: ++annotationId, image_id: imageId, category_id: category, bbox: [o.xmin - 1, o.ymin - 1, w, h],
        area: w * h, iscrowd: o.difficult ? 1 : 0, segmentation: [],
      });
    });
  });
  return out;
}

export interface VocDetImportSummary extends DetectionSolution {
  trainImages: number;
  challengeFile?: string;
}

export function importVocDetection(src: string, dest: string, seed: number): VocDetImportSummary {
  const voc = findVocRoot(src);
  const main = path.join(voc, 'ImageSets', 'Main');
  const testIds = readImageSet(path.join(main, 'val.txt'));
  const trainIds = fs.existsSync(path.join(main, 'train.txt')) ? readImageSet(path.join(main, 'train.txt')) : [];
  const problems = new ProblemList();
  const train = vocToCoco(voc, trainIds, 1, problems);
  const test = vocToCoco(voc, testIds, trainIds.length + 1, problems);
  problems.throwIfAny();
  writeJson(path.join(dest, 'annotations', 'instances_train.json'), train);
  const counts = instancesPerCategory(train.annotations.length ? train : test);
  const solution = writeDetectionSolution(dest, test, mostFrequent(counts, 1)[0] ?? 1, seed);
  writeJson(path.join(dest, 'annotations', 'voc_ids.json'), Object.fromEntries([...test.images, ...train.images].map((im) => [im.id, path.parse(im.file_name).name])));
  const challengeFile = writeChallengeFile(dest, {
    title: `PASCAL VOC detection, COCO metrics (imported from ${path.basename(path.resolve(src))})`,
    task: 'detection',
    truth: 'annotations/instances_test.json',
    primary_metric: 'AP',
    sample_submission: 'sample_submission.csv',
    description: 'Imported PASCAL VOC devkit Annotations (Main val split as the hidden test set), scored with the COCO metrics.',
  });
  return { ...solution, trainImages: train.images.length, challengeFile };
}
