/**
 * The truth of a segmentation challenge: which images are scored, where their masks are, and
 * their Public / Private / Ignored marks. Two layouts:
 * - a folder of `<id>.png` masks (every PNG in it is an image), usage in `<folder>/usage.csv`;
 * - a VOC root (`SegmentationClass/` + `ImageSets/Segmentation/<split>.txt`, as VOCdevkit's
 *   VOC2012 folder): only the ids the split lists, usage in `<root>/usage.csv`.
 * Masks are not read here; they stream one at a time while scoring.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ProblemList, ValidationError } from '../../problems.js';
import { readUsage } from '../../formats/usage.js';
import { statOrRefuse } from '../../formats/stat-or-refuse.js';

export const USAGE_ALL = 0;
export const USAGE_PUBLIC = 1;
export const USAGE_PRIVATE = 2;
export const USAGE_IGNORED = 3;

export interface SegmentationTruth {
  /** Folder holding `<id>.png`, and how messages name it (relative to the truth path). */
  maskDir: string;
  maskLabel: string;
  ids: string[];
  /** Per id: USAGE_ALL (no usage file), USAGE_PUBLIC, USAGE_PRIVATE or USAGE_IGNORED. */
  usage: Uint8Array;
  hasUsage: boolean;
  /** Masks of a VOC root that its split leaves out (named as such in messages), and the split. */
  outsideSplit: ReadonlySet<string>;
  split?: string;
}

export function readSegmentationTruth(truthPath: string, split: string): SegmentationTruth {
  const label = path.basename(truthPath);
  const stat = statOrRefuse(truthPath, { file: truthPath, message: 'truth not found (expected a folder of PNG masks or a VOC root)' });
  if (!stat.isDirectory()) {
    throw ValidationError.of({ file: truthPath, message: 'truth must be a folder of PNG masks or a VOC root with SegmentationClass/' });
  }
  const problems = new ProblemList();
  let maskDir = truthPath;
  let maskLabel = label;
  let ids: string[];
  let outsideSplit = new Set<string>();
  const vocMasks = path.join(truthPath, 'SegmentationClass');
  if (fs.existsSync(vocMasks)) {
    maskDir = vocMasks;
    maskLabel = `${label}/SegmentationClass`;
    const listFile = path.join(truthPath, 'ImageSets', 'Segmentation', `${split}.txt`);
    const listLabel = `${label}/ImageSets/Segmentation/${split}.txt`;
    if (!fs.existsSync(listFile)) throw ValidationError.of({ file: listLabel, message: `split list not found (option "split" is "${split}")` });
    ids = [];
    const seen = new Set<string>();
    const present = new Set(pngIds(vocMasks));
    outsideSplit = present;
    fs.readFileSync(listFile, 'utf8')
      .split(/\r?\n/)
      .forEach((line, i) => {
        const id = line.trim();
        if (id === '') return;
        if (seen.has(id)) problems.add({ file: listLabel, line: i + 1, message: `duplicate id "${id}"` });
        else if (!present.has(id)) problems.add({ file: listLabel, line: i + 1, message: `no mask ${maskLabel}/${id}.png for id "${id}"` });
        else ids.push(id);
        seen.add(id);
      });
  } else {
    ids = pngIds(truthPath).sort();
  }
  if (ids.length === 0 && problems.total === 0) problems.add({ file: maskLabel, message: 'no PNG masks in the truth' });
  const marks = readUsage(truthPath);
  const usage = new Uint8Array(ids.length);
  if (marks) {
    ids.forEach((id, i) => {
      const mark = marks.get(id);
      if (mark === undefined) problems.add({ file: `${label}/usage.csv`, message: `no usage (Public/Private/Ignored) for id "${id}"` });
      else usage[i] = mark === 'Public' ? USAGE_PUBLIC : mark === 'Private' ? USAGE_PRIVATE : USAGE_IGNORED;
    });
  }
  problems.throwIfAny();
  for (const id of ids) outsideSplit.delete(id);
  return { maskDir, maskLabel, ids, usage, hasUsage: marks !== undefined, outsideSplit, split: maskDir === truthPath ? undefined : split };
}

/** Ids of the `<id>.png` files directly in a folder. */
function pngIds(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.png'))
    .map((e) => e.name.slice(0, -4));
}
