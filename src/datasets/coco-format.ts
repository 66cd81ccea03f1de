/**
 * COCO instances JSON (cocodataset.org/#format-data): `images` [{id, file_name, width, height}],
 * `annotations` [{id, image_id, category_id, bbox: [x, y, w, h], area, iscrowd, segmentation}],
 * `categories` [{id, name, supercategory}]. Boxes are in pixels with (x, y) the top-left corner;
 * `area` is the area of the segmentation (what COCOeval's small / medium / large ranges use);
 * a crowd region (iscrowd 1) carries an RLE mask.
 */
import { ProblemList, ValidationError } from '../problems.js';
import { isInt, isRecord, readJsonInput } from './import-input.js';

export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
}

/** Uncompressed RLE as COCO writes it for crowd regions: column-major runs, starting with zeros. */
export interface CocoRle {
  counts: number[];
  size: [number, number];
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0 | 1;
  segmentation: number[][] | CocoRle;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory: string;
}

export interface CocoInstances {
  info?: Record<string, unknown>;
  licenses?: unknown[];
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

const WHAT = 'a COCO instances file ({images, annotations, categories})';

/** Reads and checks a COCO instances file; every problem is collected with its place. */
export function readCocoInstances(file: string): CocoInstances {
  const raw = readJsonInput(file, WHAT);
  if (!isRecord(raw)) throw ValidationError.of({ file, message: `expected a JSON object; expected ${WHAT}` });
  const problems = new ProblemList();
  const list = (key: string): unknown[] => {
    if (Array.isArray(raw[key])) return raw[key] as unknown[];
    problems.add({ file, column: key, message: 'missing or not a list' });
    return [];
  };

  const images: CocoImage[] = [];
  const imageIds = new Set<number>();
  list('images').forEach((im, i) => {
    const at = `images[${i}]`;
    if (!isRecord(im) || !isInt(im.id) || typeof im.file_name !== 'string' || !isInt(im.width) || !isInt(im.height)) {
      return problems.add({ file, column: at, message: 'expected {id, file_name, width, height} with integer id and size' });
    }
    if (imageIds.has(im.id)) return problems.add({ file, column: `${at}.id`, message: `duplicate image id ${im.id}` });
    imageIds.add(im.id);
    images.push({ id: im.id, file_name: im.file_name, width: im.width, height: im.height });
  });

  const categories: CocoCategory[] = [];
  const categoryIds = new Set<number>();
  list('categories').forEach((c, i) => {
    const at = `categories[${i}]`;
    if (!isRecord(c) || !isInt(c.id) || typeof c.name !== 'string') return problems.add({ file, column: at, message: 'expected {id: integer, name, supercategory}' });
    if (categoryIds.has(c.id)) return problems.add({ file, column: `${at}.id`, message: `duplicate category id ${c.id}` });
    categoryIds.add(c.id);
    categories.push({ id: c.id, name: c.name, supercategory: String(c.supercategory ?? '') });
  });

  const annotations: CocoAnnotation[] = [];
  const annotationIds = new Set<number>();
  list('annotations').forEach((a, i) => {
    const at = `annotations[${i}]`;
    if (!isRecord(a)) return problems.add({ file, column: at, message: 'expected an object' });
    const bbox = a.bbox;
    const okBox = Array.isArray(bbox) && bbox.length === 4 && bbox.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!isInt(a.id) || !isInt(a.image_id) || !isInt(a.category_id) || !okBox) {
      return problems.add({ file, column: at, message: 'expected {id, image_id, category_id: integers, bbox: [x, y, w, h]}' });
    }
    if (annotationIds.has(a.id)) return problems.add({ file, column: `${at}.id`, message: `duplicate annotation id ${a.id}` });
    annotationIds.add(a.id);
    if (!imageIds.has(a.image_id)) return problems.add({ file, column: `${at}.image_id`, message: `unknown image id ${a.image_id}` });
    if (!categoryIds.has(a.category_id)) return problems.add({ file, column: `${at}.category_id`, message: `unknown category id ${a.category_id}` });
    const [, , w, h] = bbox as number[];
    if (w! < 0 || h! < 0) return problems.add({ file, column: `${at}.bbox`, message: 'width and height must not be negative' });
    if (a.iscrowd !== undefined && a.iscrowd !== 0 && a.iscrowd !== 1) return problems.add({ file, column: `${at}.iscrowd`, message: 'must be 0 or 1' });
    const area = typeof a.area === 'number' && Number.isFinite(a.area) ? a.area : w! * h!;
    annotations.push({
      id: a.id, image_id: a.image_id, category_id: a.category_id, bbox: bbox as CocoAnnotation['bbox'],
      area, iscrowd: a.iscrowd === 1 ? 1 : 0, segmentation: (a.segmentation ?? []) as CocoAnnotation['segmentation'],
    });
  });
  problems.throwIfAny();
  return {
    info: isRecord(raw.info) ? raw.info : undefined,
    licenses: Array.isArray(raw.licenses) ? raw.licenses : undefined,
    images, annotations, categories,
  };
}

/**
 * COCO's uncompressed RLE of a binary mask given row-major: runs over the column-major order
 * (pycocotools `mask.encode` on a Fortran-ordered array), the first run counting zeros.
 */
export function encodeRle(mask: ArrayLike<number>, width: number, height: number): CocoRle {
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x] ? 1 : 0;
      if (v !== current) {
        counts.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { counts, size: [height, width] };
}

/** Annotations per category (crowd regions excluded), for the sample submission's guess. */
export function instancesPerCategory(instances: CocoInstances): Map<number, number> {
  const counts = new Map<number, number>();
  for (const a of instances.annotations) if (!a.iscrowd) counts.set(a.category_id, (counts.get(a.category_id) ?? 0) + 1);
  return counts;
}
