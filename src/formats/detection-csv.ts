/**
 * Detection submissions as CSV:
 * - COCO truth: `image_id,category_id,score,x,y,width,height` (numeric ids, box as COCO
 *   `[x, y, width, height]`);
 * - VOC truth: `image_id,class,score,xmin,ymin,xmax,ymax` (class by name, devkit pixels).
 *
 * The COCO form is the big one (500,000 rows), so it is read from bytes by hand: no string
 * per field, numbers parsed in place. A file with any `"` (quoted fields) or non-ASCII byte
 * takes the general reader in csv.ts instead; both give the same rows, row numbers and problems.
 * Rows are numbered as csv.ts does, by file line: the header is line 1, empty lines are skipped
 * but counted.
 */
import fs from 'node:fs';
import { ProblemList, ValidationError } from '../problems.js';
import { parseAsciiNumber, plainDecimal } from './ascii-number.js';
import { addCocoDetection, type CocoTruthFile } from './coco-json.js';
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
  if (isPlainAscii(bytes)) {
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
        addCocoDetection(out, ids, problems, { file: name, line }, v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!, v[6]!, text);
      },
    });
  }
  problems.throwIfAny();
  return out.table();
}

/** True when the fast path applies: no quote, no NUL, no byte above 127. */
export function isPlainAscii(bytes: Buffer): boolean {
  if (bytes.indexOf(34) !== -1 || bytes.indexOf(0) !== -1) return false;
  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  // Checking 8 bytes at a time would be faster; a plain loop costs ~10 ms for 25 MB.
  for (let i = start; i < bytes.length; i++) if (bytes[i]! > 127) return false;
  return bytes.length > start;
}

/** Receives one data row of the byte scanner: its file line, 7 values (NaN where not a number) and texts. */
export type CocoCsvSink = (line: number, values: Float64Array, text: (column: string) => string) => void;

/**
 * The byte fast path for a plain-ASCII COCO CSV (see isPlainAscii): checks the header (throws),
 * adds rows with a wrong column count to `problems`, hands every other row to `sink`.
 */
export function scanCocoCsv(bytes: Buffer, name: string, problems: ProblemList, sink: CocoCsvSink): void {
  const n = bytes.length;
  let p = bytes[0] === 0xef ? 3 : 0;
  // The header line.
  let nl = bytes.indexOf(10, p);
  if (nl === -1) nl = n;
  const headerEnd = nl > p && bytes[nl - 1] === 13 ? nl - 1 : nl;
  const header = bytes.toString('latin1', p, headerEnd);
  if (header !== COCO_CSV_HEADER.join(',')) {
    throw ValidationError.of({ file: name, line: 1, message: `header must be "${COCO_CSV_HEADER.join(',')}", found "${header.length > 80 ? header.slice(0, 80) + '...' : header}"` });
  }
  p = nl + 1;
  const starts = new Int32Array(8);
  const ends = new Int32Array(8);
  const v = new Float64Array(7);
  // The raw text of a field of the current row, for messages only.
  const text = (column: string) => {
    const f = COCO_CSV_HEADER.indexOf(column as (typeof COCO_CSV_HEADER)[number]);
    return quoteText(bytes.toString('latin1', starts[f]!, ends[f]!).trim());
  };
  let line = 2;
  while (p < n) {
    nl = bytes.indexOf(10, p);
    if (nl === -1) nl = n;
    const lineEnd = nl > p && bytes[nl - 1] === 13 ? nl - 1 : nl;
    if (lineEnd > p) {
      let fields = 0;
      let s = p;
      for (let i = p; i <= lineEnd; i++) {
        if (i === lineEnd || bytes[i] === 44) {
          if (fields < 8) {
            starts[fields] = s;
            ends[fields] = i;
          }
          fields++;
          s = i + 1;
        }
      }
      if (fields !== 7) {
        problems.add({ file: name, line, message: `expected 7 columns (${COCO_CSV_HEADER.join(',')}), found ${fields}` });
      } else {
        for (let f = 0; f < 7; f++) {
          let a = starts[f]!;
          let b = ends[f]!;
          while (a < b && (bytes[a] === 32 || bytes[a] === 9)) a++;
          while (b > a && (bytes[b - 1] === 32 || bytes[b - 1] === 9)) b--;
          v[f] = a === b ? NaN : parseAsciiNumber(bytes, a, b);
        }
        sink(line, v, text);
      }
    }
    line++;
    p = nl + 1;
  }
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
