/**
 * Reading a detection challenge: the truth (a COCO instances .json file, or a VOC folder with
 * Annotations/) and the submission (CSV, COCO results JSON, or VOC devkit result files), and
 * each truth image's usage mark (formats/usage.ts: `<truth>.usage.csv` / `usage.csv`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { readCocoInstances, readCocoResults, type CocoTruthFile } from '../../formats/coco-json.js';
import { readCocoCsv, readVocCsv } from '../../formats/detection-csv.js';
import type { DetectionTable } from '../../formats/detection-builder.js';
import { readUsage, usageFileFor } from '../../formats/usage.js';
import { readVocFolder, readVocResultFiles, type VocTruthFile } from '../../formats/voc-xml.js';
import { ProblemList, ValidationError } from '../../problems.js';
import { USAGE_ALL, USAGE_IGNORED, usageCode } from '../../scoring/usage.js';

export type Protocol = 'coco' | 'voc';

/** COCO for a .json file, VOC for a folder with Annotations/. */
export function truthProtocol(truthPath: string): Protocol {
  const name = path.basename(truthPath);
  if (!fs.existsSync(truthPath)) throw ValidationError.of({ file: name, message: 'truth does not exist' });
  if (fs.statSync(truthPath).isDirectory()) {
    if (fs.existsSync(path.join(truthPath, 'Annotations'))) return 'voc';
    throw ValidationError.of({ file: name, message: 'a detection truth folder must hold VOC Annotations/<id>.xml' });
  }
  if (path.extname(truthPath).toLowerCase() === '.json') return 'coco';
  throw ValidationError.of({ file: name, message: 'a detection truth is a COCO instances .json file or a VOC folder with Annotations/' });
}

export function loadCocoTruth(truthPath: string): CocoTruthFile {
  return readCocoInstances(truthPath, path.basename(truthPath));
}

export function loadVocTruth(truthPath: string): VocTruthFile {
  return readVocFolder(truthPath, path.basename(truthPath));
}

/** CSV or results JSON: by extension, else by the first byte (`[` is JSON). Throws for a folder. */
function submissionKind(file: string): 'csv' | 'json' {
  const name = path.basename(file);
  if (!fs.existsSync(file)) throw ValidationError.of({ file: name, message: 'does not exist' });
  if (fs.statSync(file).isDirectory()) throw ValidationError.of({ file: name, message: 'is a folder; a COCO truth takes a CSV (image_id,category_id,score,x,y,width,height) or a results JSON array' });
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  const head = Buffer.alloc(64);
  const fd = fs.openSync(file, 'r');
  const got = fs.readSync(fd, head, 0, 64, 0);
  fs.closeSync(fd);
  const first = head.subarray(0, got).toString('latin1').replace(/^\xEF\xBB\xBF/, '').trimStart()[0];
  return first === '[' ? 'json' : 'csv';
}

export async function readCocoSubmission(file: string, ids: CocoTruthFile): Promise<DetectionTable> {
  const name = path.basename(file);
  return submissionKind(file) === 'json' ? readCocoResults(file, ids, name) : readCocoCsv(file, ids, name);
}

/** A CSV, a folder of devkit files, or a .zip of them. */
export async function readVocSubmission(file: string, ids: VocTruthFile): Promise<DetectionTable> {
  const name = path.basename(file);
  if (!fs.existsSync(file)) throw ValidationError.of({ file: name, message: 'does not exist' });
  if (fs.statSync(file).isDirectory() || path.extname(file).toLowerCase() === '.zip') return readVocResultFiles(file, ids, name);
  return readVocCsv(file, ids, name);
}

/** One usage code a truth image (by rank); all USAGE_ALL when the truth has no usage marks. */
export function imageUsage(truthPath: string, imageIds: readonly (string | number)[]): { usage: Uint8Array; hasSplits: boolean } {
  const marks = readUsage(truthPath);
  const usage = new Uint8Array(imageIds.length).fill(USAGE_ALL);
  if (!marks) return { usage, hasSplits: false };
  const file = usageFileFor(truthPath);
  const problems = new ProblemList();
  const known = new Set(imageIds.map(String));
  for (const id of marks.keys()) {
    if (!known.has(id)) problems.add({ file, column: 'id', message: `"${id}" is not an image of the truth` });
  }
  imageIds.forEach((id, i) => {
    const mark = marks.get(String(id));
    if (!mark) problems.add({ file, column: 'id', message: `image "${id}" has no usage mark (Public, Private or Ignored)` });
    usage[i] = mark ? usageCode(mark) : USAGE_IGNORED;
  });
  problems.throwIfAny();
  return { usage, hasSplits: true };
}
