/**
 * Detection submissions as CSV:
 * - COCO truth: `image_id,category_id,score,x,y,width,height` (numeric ids, or the image's
 *   string id when the truth's are strings; box as COCO `[x, y, width, height]`);
 * - VOC truth: `image_id,class,score,xmin,ymin,xmax,ymax` (class by name, devkit pixels).
 *
 * The COCO form is the big one (500,000 rows), so a plain-ASCII file is read from bytes
 * (ascii-csv.ts) with numbers parsed in place; others take csv.ts. Both give the same rows,
 * line numbers and problems.
 */
import fs from 'node:fs';
import { ProblemList, ValidationError } from '../problems.js';
import { parseAsciiNumber, plainDecimal } from './ascii-number.js';
import { addCocoDetection, type CocoTruthFile } from './coco-json.js';
import { isPlainAscii, scanAsciiCsv } from './ascii-csv.js';
import { readCsv } from './csv.js';
import { DetectionBuilder, type DetectionTable } from './detection-builder.js';

export const COCO_CSV_HEADER = ['image_id', 'category_id', 'score', 'x', 'y', 'width', 'height'] as const;
export const VOC_CSV_HEADER = ['image_id', 'class', 'score', 'xmin', 'ymin', 'xmax', 'ymax'] as const;

/** A CSV field as a number the way Python's float would read it; NaN when it is not one. */
export function fieldNumber(text: string): number {
  return plainDecimal(text.trim());
}

const quoteText = (t: string) => (t === '' ? 'an empty field' : `"${t.length > 40 ? t.slice(0, 40) + '...' : t}"`);

/** Reads a COCO-style detection CSV; throws ValidationError with every problem found. */
export async function readCocoCsv(file: string, ids: CocoTruthFile, name = file): Promise<DetectionTable> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw ValidationError.of({ file: name, message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
  }
  const problems = new ProblemList();
  let out: DetectionBuilder;
  // String image ids are looked up by their text: the general reader keeps it.
  if (!ids.imageKeyRank && isPlainAscii(bytes)) {
    const builder = new DetectionBuilder(Math.ceil(bytes.length / 40));
    const where = { file: name, line: 0 }; // copied by a problem, so one object serves every row
    scanCocoCsv(bytes, name, problems, (line, v, text) => {
      where.line = line;
      addCocoDetection(builder, ids, problems, where, v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!, v[6]!, text);
    });
    out = builder;
  }
  else {
    out = new DetectionBuilder();
    await readCsv(file, {
      name,
      headers: [COCO_CSV_HEADER],
      problems,
      onRow(fields, line) {
        const v = fields.map(fieldNumber);
        const text = (column: string) => quoteText(fields[COCO_CSV_HEADER.indexOf(column as (typeof COCO_CSV_HEADER)[number])] ?? '');
        const imageId = ids.imageKeyRank ? (fields[0] ?? '').trim() : v[0]!;
        addCocoDetection(out, ids, problems, { file: name, line }, imageId, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!, v[6]!, text);
      },
    });
  }
  problems.throwIfAny();
  return out.table();
}

/** Receives one data row of the byte scanner: its file line, 7 values (NaN where not a number) and texts. */
export type CocoCsvSink = (line: number, values: Float64Array, text: (column: string) => string) => void;

/**
 * The byte fast path for a plain-ASCII COCO CSV (see isPlainAscii): checks the header (throws),
 * adds rows with a wrong column count to `problems`, hands every other row to `sink`.
 */
export function scanCocoCsv(bytes: Buffer, name: string, problems: ProblemList, sink: CocoCsvSink): void {
  const v = new Float64Array(7);
  let starts: Int32Array, ends: Int32Array;
  // The raw text of a field of the current row, for messages only.
  const text = (column: string) => {
    const f = COCO_CSV_HEADER.indexOf(column as (typeof COCO_CSV_HEADER)[number]);
    return quoteText(bytes.toString('latin1', starts[f]!, ends[f]!));
  };
  scanAsciiCsv(bytes, name, COCO_CSV_HEADER, problems, (line, s, e) => {
    starts = s;
    ends = e;
    for (let f = 0; f < 7; f++) v[f] = s[f] === e[f] ? NaN : parseAsciiNumber(bytes, s[f]!, e[f]!);
    sink(line, v, text);
  });
}

/** What a VOC submission reader needs from the truth: image ids and class names to indices. */
export interface VocIds {
  imageRank: Map<string, number>;
  classRank: Map<string, number>;
}

/**
 * Checks one VOC detection and adds it: known image and class, finite numbers, xmax >= xmin
 * and ymax >= ymin.
 */
export function addVocDetection(
  out: DetectionBuilder,
  ids: VocIds,
  problems: ProblemList,
  where: { file: string; line: number } | { file: string; row: number },
  imageId: string,
  className: string,
  fields: readonly string[],
): void {
  let ok = true;
  const img = ids.imageRank.get(imageId);
  if (img === undefined) {
    ok = false;
    problems.add({ ...where, column: 'image_id', message: `image_id ${quoteText(imageId)} is not an image of the truth` });
  }
  const cls = ids.classRank.get(className);
  if (cls === undefined) {
    ok = false;
    problems.add({ ...where, column: 'class', message: `class ${quoteText(className)} is not a class of the truth (${[...ids.classRank.keys()].join(', ')})` });
  }
  const names = ['score', 'xmin', 'ymin', 'xmax', 'ymax'];
  const v = fields.map(fieldNumber);
  names.forEach((column, i) => {
    if (!Number.isFinite(v[i])) {
      ok = false;
      problems.add({ ...where, column, message: `${column} must be a finite number, found ${quoteText(fields[i] ?? '')}` });
    }
  });
  if (v[3]! < v[1]! || v[4]! < v[2]!) {
    ok = false;
    const bad = v[3]! < v[1]! ? 'xmax' : 'ymax';
    problems.add({ ...where, column: bad, message: `${bad} must be >= ${bad === 'xmax' ? 'xmin' : 'ymin'} (a box is xmin,ymin,xmax,ymax)` });
  }
  if (ok) out.push(img!, cls!, v[0]!, v[1]!, v[2]!, v[3]!, v[4]!);
}

/** Reads a VOC-style detection CSV; throws ValidationError with every problem found. */
export async function readVocCsv(file: string, ids: VocIds, name = file): Promise<DetectionTable> {
  const problems = new ProblemList();
  const out = new DetectionBuilder();
  await readCsv(file, {
    name,
    headers: [VOC_CSV_HEADER],
    problems,
    onRow(fields, line) {
      addVocDetection(out, ids, problems, { file: name, line }, fields[0]!.trim(), fields[1]!.trim(), fields.slice(2));
    },
  });
  problems.throwIfAny();
  return out.table();
}
