/**
 * COCO files: the instances JSON of a truth (`images`, `annotations` with `bbox`, `area`,
 * `iscrowd`, `categories`) and a results JSON submission (an array of
 * `{image_id, category_id, bbox: [x, y, w, h], score}`), as pycocotools' `COCO` and `loadRes`
 * read them. Image ids are numbers, or strings throughout (pycocotools takes either: it sorts
 * the ids, so strings rank in code point order, as Python compares them); a file mixing both is
 * refused, as Python 3 cannot sort it.
 *
 * Results files are large (500,000 entries, ~50 MB), so they are scanned from bytes by hand:
 * no object per entry, numbers parsed in place. Anything the scanner does not expect (escaped
 * keys, `null`, odd nesting) sends the whole file to `JSON.parse` and a general walk, which
 * gives the same detections and the same problems.
 */
import fs from 'node:fs';
import { ProblemList, ValidationError } from '../problems.js';
import type { CocoGroundTruth } from '../evaluators/coco.js';
import { parseAsciiNumber } from './ascii-number.js';
import { DetectionBuilder, type DetectionTable } from './detection-builder.js';
import { IdLookup } from './id-lookup.js';
import { stripSegmentation } from './json-without-segmentation.js';

/** A COCO truth with the id -> rank lookups its submission readers need. */
export interface CocoTruthFile {
  truth: CocoGroundTruth;
  /** Numeric image ids -> rank (empty when the truth's image ids are strings). */
  imageRank: IdLookup;
  /** String image ids -> rank, when the truth's image ids are strings. */
  imageKeyRank?: Map<string, number>;
  categoryRank: IdLookup;
}

/** Python's `str` order: by code point (JS `<` compares UTF-16 units, which differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: Json): v is number => typeof v === 'number' && Number.isFinite(v);

function readJson(file: string, name: string): Json {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw ValidationError.of({ file: name, message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw ValidationError.of({ file: name, message: `is not valid JSON (${(e as Error).message})` });
  }
}

/**
 * Reads a COCO instances file. Every problem (duplicate ids, annotations of unknown images or
 * categories, bad boxes, missing area) is collected and thrown together.
 */
export function readCocoInstances(file: string, name = file): CocoTruthFile {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw ValidationError.of({ file: name, message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
  }
  // Polygons are never read for boxes: parse the file without them when that is valid JSON.
  const light = stripSegmentation(bytes);
  if (light) {
    let doc: Json | undefined;
    try {
      doc = JSON.parse(light.toString('utf8').replace(/^\uFEFF/, ''));
    } catch {
      doc = undefined; // the original explains its own syntax errors
    }
    if (doc !== undefined) return cocoInstancesFromJson(doc, name);
  }
  return cocoInstancesFromJson(readJson(file, name), name);
}

/** The same as readCocoInstances, from an already parsed document. */
export function cocoInstancesFromJson(doc: unknown, name: string): CocoTruthFile {
  const problems = new ProblemList();
  if (!isObject(doc)) throw ValidationError.of({ file: name, message: 'expected a COCO instances object with images, annotations and categories' });
  for (const key of ['images', 'annotations', 'categories']) {
    if (!Array.isArray(doc[key])) problems.add({ file: name, column: key, message: `"${key}" must be an array` });
  }
  problems.throwIfAny();
  const images = doc.images as Json[];
  const annotations = doc.annotations as Json[];
  const categories = doc.categories as Json[];

  const imageIds = uniqueImageIds(images, name, problems);
  const categoryIdsRaw = uniqueIds(categories, 'categories', name, problems);
  const namesById = new Map<number, string>();
  categories.forEach((c) => {
    if (isObject(c) && isFiniteNumber(c.id)) namesById.set(c.id, typeof c.name === 'string' ? c.name : String(c.id));
  });
  const stringIds = typeof imageIds[0] === 'string';
  if (stringIds) (imageIds as string[]).sort(compareCodePoints);
  else (imageIds as number[]).sort((a, b) => a - b);
  const categoryIds = [...categoryIdsRaw].sort((a, b) => a - b);
  const imageRank = new IdLookup(stringIds ? [] : (imageIds as number[]));
  const imageKeyRank = stringIds ? new Map((imageIds as string[]).map((id, i) => [id, i])) : undefined;
  const categoryRank = new IdLookup(categoryIds);

  const n = annotations.length;
  const image = new Uint32Array(n);
  const category = new Uint32Array(n);
  const box = new Float64Array(n * 4);
  const area = new Float64Array(n);
  const crowd = new Uint8Array(n);
  annotations.forEach((a, i) => {
    const where = { file: name, row: i + 1 };
    if (!isObject(a)) return problems.add({ ...where, message: 'annotation must be an object' });
    const img = imageKeyRank ? (typeof a.image_id === 'string' ? (imageKeyRank.get(a.image_id) ?? -1) : -1) : isFiniteNumber(a.image_id) ? imageRank.get(a.image_id) : -1;
    if (img < 0) problems.add({ ...where, column: 'image_id', message: `annotation ${i + 1}: image_id ${JSON.stringify(a.image_id)} is not in "images"` });
    const cat = isFiniteNumber(a.category_id) ? categoryRank.get(a.category_id) : -1;
    if (cat < 0) problems.add({ ...where, column: 'category_id', message: `annotation ${i + 1}: category_id ${JSON.stringify(a.category_id)} is not in "categories"` });
    const b = a.bbox;
    if (!Array.isArray(b) || b.length !== 4 || !b.every(isFiniteNumber)) {
      problems.add({ ...where, column: 'bbox', message: `annotation ${i + 1}: bbox must be 4 finite numbers [x, y, width, height]` });
    } else box.set(b as number[], i * 4);
    if (!isFiniteNumber(a.area)) problems.add({ ...where, column: 'area', message: `annotation ${i + 1}: area must be a finite number (it decides the size bucket)` });
    else area[i] = a.area;
    image[i] = Math.max(img, 0);
    category[i] = Math.max(cat, 0);
    crowd[i] = a.iscrowd ? 1 : 0;
  });
  problems.throwIfAny();
  return {
    truth: {
      imageIds,
      categoryIds,
      categoryNames: categoryIds.map((id) => namesById.get(id)!),
      count: n,
      image,
      category,
      box,
      area,
      crowd,
    },
    imageRank,
    imageKeyRank,
    categoryRank,
  };
}

/** Image ids: all numbers or all strings (non-empty), distinct. */
function uniqueImageIds(items: Json[], name: string, problems: ProblemList): number[] | string[] {
  const kindOf = (item: Json) => (isObject(item) ? (isFiniteNumber(item.id) ? 'number' : typeof item.id === 'string' && item.id !== '' ? 'string' : 'bad') : 'bad');
  const first = items.map(kindOf).find((k) => k !== 'bad') ?? 'number';
  const seen = new Set<number | string>();
  const ids: (number | string)[] = [];
  items.forEach((item, i) => {
    const kind = kindOf(item);
    const id = (item as Record<string, Json>)?.id;
    if (kind === 'bad') problems.add({ file: name, column: 'images', message: `images[${i}]: id must be a number or a non-empty string` });
    else if (kind !== first) {
      problems.add({ file: name, column: 'images', message: `images[${i}]: id ${JSON.stringify(id)} is a ${kind} but images[0..] have ${first} ids; give every image id as a ${first} (pycocotools sorts them together)` });
    } else if (seen.has(id as number | string)) problems.add({ file: name, column: 'images', message: `images[${i}]: duplicate id ${JSON.stringify(id)}` });
    else {
      seen.add(id as number | string);
      ids.push(id as number | string);
    }
  });
  return ids as number[] | string[];
}

function uniqueIds(items: Json[], key: string, name: string, problems: ProblemList): number[] {
  const seen = new Set<number>();
  const ids: number[] = [];
  items.forEach((item, i) => {
    const id = isObject(item) ? item.id : undefined;
    if (!isFiniteNumber(id)) problems.add({ file: name, column: key, message: `${key}[${i}]: id must be a number` });
    else if (seen.has(id)) problems.add({ file: name, column: key, message: `${key}[${i}]: duplicate id ${id}` });
    else {
      seen.add(id);
      ids.push(id);
    }
  });
  return ids;
}

/** Where a detection came from, for messages: a CSV file line or a JSON entry (both 1-based). */
export type DetectionSource = { file: string; line: number } | { file: string; row: number };

/**
 * Checks one COCO detection and adds it: known image and category, finite numbers, width and
 * height >= 0. `text(column)` gives the raw text of a field for messages.
 */
export function addCocoDetection(
  out: DetectionBuilder,
  ids: CocoTruthFile,
  problems: ProblemList,
  where: DetectionSource,
  imageId: number | string,
  categoryId: number,
  score: number,
  x: number,
  y: number,
  w: number,
  h: number,
  text: (column: string) => string,
): void {
  const img = typeof imageId === 'number' ? ids.imageRank.get(imageId) : (ids.imageKeyRank?.get(imageId) ?? -1);
  const cat = ids.categoryRank.get(categoryId);
  // The common case, checked without allocating anything.
  if (img >= 0 && cat >= 0 && w >= 0 && h >= 0 && Number.isFinite(score) && Number.isFinite(x) && Number.isFinite(y) && w !== Infinity && h !== Infinity) {
    out.push(img, cat, score, x, y, w, h);
    return;
  }
  let ok = true;
  if (img < 0) {
    ok = false;
    problems.add({ ...where, column: 'image_id', message: imageIdProblem(ids, imageId, text) });
  }
  if (cat < 0) {
    ok = false;
    problems.add({ ...where, column: 'category_id', message: Number.isFinite(categoryId) ? `category_id ${categoryId} is not a category of the truth` : `category_id must be a number, found ${text('category_id')}` });
  }
  const values: Array<[string, number]> = [['score', score], ['x', x], ['y', y], ['width', w], ['height', h]];
  for (const [column, v] of values) {
    if (!Number.isFinite(v)) {
      ok = false;
      problems.add({ ...where, column, message: `${column} must be a finite number, found ${text(column)}` });
    }
  }
  if (w < 0 || h < 0) {
    ok = false;
    problems.add({ ...where, column: w < 0 ? 'width' : 'height', message: `${w < 0 ? 'width' : 'height'} must be >= 0, found ${w < 0 ? w : h}` });
  }
  if (ok) out.push(img, cat, score, x, y, w, h);
}

function imageIdProblem(ids: CocoTruthFile, imageId: number | string, text: (column: string) => string): string {
  if (ids.imageKeyRank) {
    return typeof imageId === 'string'
      ? `image_id ${JSON.stringify(imageId)} is not an image of the truth`
      : `image_id must be a string as the truth's image ids are, found ${text('image_id')}`;
  }
  return typeof imageId === 'number' && Number.isFinite(imageId) ? `image_id ${imageId} is not an image of the truth` : `image_id must be a number, found ${text('image_id')}`;
}

/**
 * Reads a COCO results JSON array. Entries are numbered from 1 in messages (`row`).
 * Throws ValidationError with every problem found.
 */
export function readCocoResults(file: string, ids: CocoTruthFile, name = file): DetectionTable {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw ValidationError.of({ file: name, message: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
  }
  return cocoResultsFromBytes(bytes, ids, name);
}

/** The same as readCocoResults, from the file's bytes. */
export function cocoResultsFromBytes(bytes: Buffer, ids: CocoTruthFile, name: string): DetectionTable {
  const problems = new ProblemList();
  const out = new DetectionBuilder(Math.ceil(bytes.length / 90));
  const where = { file: name, row: 0 }; // copied by a problem, so one object serves every entry
  const columns = ['image_id', 'category_id', 'score', 'x', 'y', 'width', 'height'];
  const current = new Float64Array(7);
  const text = (c: string) => String(current[columns.indexOf(c)]); // only called for a problem
  const plain = scanCocoResults(bytes, (row, imageId, categoryId, score, x, y, w, h) => {
    where.row = row;
    current[0] = imageId; current[1] = categoryId; current[2] = score;
    current[3] = x; current[4] = y; current[5] = w; current[6] = h;
    addCocoDetection(out, ids, problems, where, imageId, categoryId, score, x, y, w, h, text);
  });
  if (plain) {
    problems.throwIfAny();
    return out.table();
  }
  // JSON.parse holds every array and object at once (a 198 MB `[[],[],...]` took 5.7 GB):
  // count them first, in one pass, and refuse more than a results file of this truth needs.
  const allowed = Math.max(1_000_000, 4 * MAX_RESULTS_PER_IMAGE * ids.truth.imageIds.length);
  const containers = countJsonContainers(bytes, allowed);
  if (containers > allowed) {
    throw ValidationError.of({ file: name, message: `holds more than ${allowed.toLocaleString('en')} JSON arrays and objects; results for ${ids.truth.imageIds.length.toLocaleString('en')} images need far fewer (expected a JSON array of {image_id, category_id, bbox, score})` });
  }
  let doc: Json;
  try {
    doc = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw ValidationError.of({ file: name, message: `is not valid JSON (${(e as Error).message})` });
  }
  return walkResults(doc, ids, name);
}

/**
 * A value as a problem message shows it: scalars as JSON (long text cut), containers by kind
 * only. Never JSON.stringify a container: 100,000 nested arrays overflow the stack.
 */
export function describeJsonValue(v: Json): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object' && v !== null) return 'an object';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/** COCO's maxDets is 100; results beyond that are legal but never needed in such numbers. */
const MAX_RESULTS_PER_IMAGE = 100;

/** Arrays and objects opened in a JSON text (outside strings), counting up to just past `stopAt`. */
export function countJsonContainers(bytes: Uint8Array, stopAt: number): number {
  let n = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped byte
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if ((c === 91 || c === 123) && ++n > stopAt) return n;
  }
  return n;
}

/** The general path: `JSON.parse`, then one check per entry. */
function walkResults(doc: Json, ids: CocoTruthFile, name: string): DetectionTable {
  if (!Array.isArray(doc)) throw ValidationError.of({ file: name, message: 'expected a JSON array of {image_id, category_id, bbox, score}' });
  const problems = new ProblemList();
  const out = new DetectionBuilder(doc.length);
  doc.forEach((entry, i) => {
    const where = { file: name, row: i + 1 };
    if (!isObject(entry)) return problems.add({ ...where, message: 'expected an object {image_id, category_id, bbox, score}' });
    let missing = false;
    for (const key of ['image_id', 'category_id', 'bbox', 'score']) {
      if (!(key in entry)) {
        missing = true;
        problems.add({ ...where, column: key, message: `missing "${key}"` });
      }
    }
    if (missing) return;
    const b = entry.bbox;
    if (!Array.isArray(b) || b.length !== 4) return problems.add({ ...where, column: 'bbox', message: 'bbox must be an array of 4 numbers [x, y, width, height]' });
    const num = (v: Json) => (typeof v === 'number' ? v : NaN);
    const raw: Record<string, Json> = { image_id: entry.image_id, category_id: entry.category_id, score: entry.score, x: b[0], y: b[1], width: b[2], height: b[3] };
    const imageId = ids.imageKeyRank && typeof entry.image_id === 'string' ? entry.image_id : num(entry.image_id);
    addCocoDetection(out, ids, problems, where, imageId, num(entry.category_id), num(entry.score), num(b[0]), num(b[1]), num(b[2]), num(b[3]), (c) => describeJsonValue(raw[c]));
  });
  problems.throwIfAny();
  return out.table();
}

const KEY_IMAGE = Buffer.from('image_id');
const KEY_CATEGORY = Buffer.from('category_id');
const KEY_SCORE = Buffer.from('score');
const KEY_BBOX = Buffer.from('bbox');

function keyIs(bytes: Buffer, start: number, end: number, key: Buffer): boolean {
  if (end - start !== key.length) return false;
  for (let i = 0; i < key.length; i++) if (bytes[start + i] !== key[i]) return false;
  return true;
}

const isSpace = (c: number | undefined) => c === 32 || c === 10 || c === 13 || c === 9;
const isNumberByte = (c: number) => (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;

/** Receives one results entry (numbered from 1) of the byte scanner. */
export type CocoEntrySink = (row: number, imageId: number, categoryId: number, score: number, x: number, y: number, w: number, h: number) => void;

/**
 * The fast path over bytes: hands every entry to `sink`. Returns false when the file is not the
 * plain shape it expects (the caller then takes the general path, which also explains syntax
 * errors); entries handed over before that must then be discarded.
 */
export function scanCocoResults(bytes: Buffer, sink: CocoEntrySink): boolean {
  const n = bytes.length;
  let p = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) p = 3;
  const skip = () => {
    while (p < n && isSpace(bytes[p])) p++;
  };
  const number = (): number => {
    const s = p;
    while (p < n && isNumberByte(bytes[p]!)) p++;
    return s === p ? NaN : parseAsciiNumber(bytes, s, p);
  };
  skip();
  if (bytes[p] !== 91) return false; // '['
  p++;
  const box = new Float64Array(4);
  let entry = 0;
  skip();
  if (bytes[p] === 93) {
    p++;
    skip();
    return p === n;
  }
  for (;;) {
    skip();
    if (bytes[p] !== 123) return false; // '{'
    p++;
    entry++;
    let imageId = NaN, categoryId = NaN, score = NaN;
    let seen = 0;
    let boxLength = 0;
    skip();
    if (bytes[p] === 125) return false; // '{}': let the general path name the missing keys
    for (;;) {
      skip();
      if (bytes[p] !== 34) return false;
      const ks = ++p;
      while (p < n && bytes[p] !== 34 && bytes[p] !== 92) p++;
      if (bytes[p] !== 34) return false;
      const ke = p++;
      skip();
      if (bytes[p] !== 58) return false; // ':'
      p++;
      skip();
      if (keyIs(bytes, ks, ke, KEY_BBOX)) {
        if (bytes[p] !== 91) return false;
        p++;
        skip();
        boxLength = 0;
        if (bytes[p] === 93) p++;
        else {
          for (;;) {
            skip();
            const v = number();
            if (Number.isNaN(v)) return false;
            if (boxLength < 4) box[boxLength] = v;
            boxLength++;
            skip();
            if (bytes[p] === 44) p++;
            else if (bytes[p] === 93) {
              p++;
              break;
            } else return false;
          }
        }
        seen |= 8;
      } else {
        const v = number();
        if (Number.isNaN(v)) return false; // a string, null, object, ...: general path
        if (keyIs(bytes, ks, ke, KEY_IMAGE)) {
          imageId = v;
          seen |= 1;
        } else if (keyIs(bytes, ks, ke, KEY_CATEGORY)) {
          categoryId = v;
          seen |= 2;
        } else if (keyIs(bytes, ks, ke, KEY_SCORE)) {
          score = v;
          seen |= 4;
        }
      }
      skip();
      if (bytes[p] === 44) {
        p++;
        continue;
      }
      if (bytes[p] === 125) {
        p++;
        break;
      }
      return false;
    }
    if (seen !== 15 || boxLength !== 4) return false;
    sink(entry, imageId, categoryId, score, box[0]!, box[1]!, box[2]!, box[3]!);
    skip();
    if (bytes[p] === 44) {
      p++;
      continue;
    }
    if (bytes[p] === 93) {
      p++;
      skip();
      return p === n;
    }
    return false;
  }
}
