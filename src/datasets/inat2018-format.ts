/**
 * The iNaturalist 2018 annotation format (github.com/visipedia/inat_comp, 2018): COCO-style JSON
 * with `images` [{id, file_name, width, height}], `annotations` [{id, image_id, category_id}] and
 * `categories` [{id, name, supercategory, kingdom, phylum, class, order, family, genus}].
 * In the 2018 release the taxonomy ranks live in a separate `categories.json`; both places are
 * read. test2018.json has images and no annotations.
 */
import fs from 'node:fs';
import { ProblemList, ValidationError } from '../problems.js';
import { isInt, isRecord, readJsonInput } from './import-input.js';

export const TAXONOMY_RANKS = ['kingdom', 'phylum', 'class', 'order', 'family', 'genus'] as const;
export type TaxonomyRank = (typeof TAXONOMY_RANKS)[number];

export interface InatImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
}

export interface InatAnnotation {
  id: number;
  image_id: number;
  category_id: number;
}

export type InatCategory = { id: number; name: string; supercategory: string } & Partial<Record<TaxonomyRank, string>>;

export interface InatDataset {
  info?: Record<string, unknown>;
  images: InatImage[];
  annotations: InatAnnotation[];
  categories: InatCategory[];
}

const WHAT = 'an iNaturalist 2018 annotation file ({images, annotations, categories})';

/**
 * Reads and checks one iNat annotation file: every image id unique, every annotation pointing at
 * a known image and category, at most one label an image (iNat has exactly one a labelled image).
 */
export function readInatFile(file: string, opts: { requireAnnotations: boolean }): InatDataset {
  const raw = readJsonInput(file, WHAT);
  const problems = new ProblemList();
  if (!isRecord(raw)) throw ValidationError.of({ file, message: `expected a JSON object; expected ${WHAT}` });
  const images: InatImage[] = [];
  const imageIds = new Set<number>();
  if (!Array.isArray(raw.images)) problems.add({ file, column: 'images', message: 'missing or not a list' });
  else raw.images.forEach((im, i) => {
    const at = `images[${i}]`;
    if (!isRecord(im) || !isInt(im.id) || typeof im.file_name !== 'string') {
      return problems.add({ file, column: at, message: 'expected {id: integer, file_name: string, width, height}' });
    }
    if (imageIds.has(im.id)) return problems.add({ file, column: `${at}.id`, message: `duplicate image id ${im.id}` });
    imageIds.add(im.id);
    images.push({ id: im.id, file_name: im.file_name, width: Number(im.width ?? 0), height: Number(im.height ?? 0) });
  });

  const categories: InatCategory[] = [];
  const categoryIds = new Set<number>();
  if (raw.categories !== undefined && !Array.isArray(raw.categories)) problems.add({ file, column: 'categories', message: 'not a list' });
  else (raw.categories as unknown[] | undefined)?.forEach((c, i) => {
    const at = `categories[${i}]`;
    if (!isRecord(c) || !isInt(c.id) || typeof c.name !== 'string') {
      return problems.add({ file, column: at, message: 'expected {id: integer, name: string, supercategory, ...}' });
    }
    if (categoryIds.has(c.id)) return problems.add({ file, column: `${at}.id`, message: `duplicate category id ${c.id}` });
    categoryIds.add(c.id);
    categories.push(pickCategory(c));
  });

  const annotations: InatAnnotation[] = [];
  const labelled = new Set<number>();
  if (raw.annotations === undefined) {
    if (opts.requireAnnotations) problems.add({ file, column: 'annotations', message: 'missing; this file must carry labels' });
  } else if (!Array.isArray(raw.annotations)) problems.add({ file, column: 'annotations', message: 'not a list' });
  else raw.annotations.forEach((a, i) => {
    const at = `annotations[${i}]`;
    if (!isRecord(a) || !isInt(a.image_id) || !isInt(a.category_id)) {
      return problems.add({ file, column: at, message: 'expected {id, image_id: integer, category_id: integer}' });
    }
    if (!imageIds.has(a.image_id)) return problems.add({ file, column: `${at}.image_id`, message: `unknown image id ${a.image_id}` });
    if (categoryIds.size > 0 && !categoryIds.has(a.category_id)) {
      return problems.add({ file, column: `${at}.category_id`, message: `unknown category id ${a.category_id}` });
    }
    if (labelled.has(a.image_id)) return problems.add({ file, column: `${at}.image_id`, message: `image ${a.image_id} has a second label` });
    labelled.add(a.image_id);
    annotations.push({ id: isInt(a.id) ? a.id : i, image_id: a.image_id, category_id: a.category_id });
  });
  if (opts.requireAnnotations && Array.isArray(raw.annotations)) {
    for (const id of imageIds) if (!labelled.has(id)) problems.add({ file, column: 'annotations', message: `image ${id} has no label` });
  }
  problems.throwIfAny();
  return { info: isRecord(raw.info) ? raw.info : undefined, images, annotations, categories };
}

function pickCategory(c: Record<string, unknown>): InatCategory {
  const out: InatCategory = { id: c.id as number, name: c.name as string, supercategory: String(c.supercategory ?? '') };
  for (const rank of TAXONOMY_RANKS) if (typeof c[rank] === 'string') out[rank] = c[rank] as string;
  return out;
}

/** Merges taxonomy ranks from the 2018 release's separate categories.json, when it is there. */
export function mergeTaxonomy(categories: InatCategory[], categoriesJson: string): InatCategory[] {
  if (!fs.existsSync(categoriesJson)) return categories;
  const raw = readJsonInput(categoriesJson, 'a list of categories with taxonomy ranks');
  if (!Array.isArray(raw)) throw ValidationError.of({ file: categoriesJson, message: 'expected a JSON list of categories' });
  const byId = new Map<number, Record<string, unknown>>();
  for (const c of raw) if (isRecord(c) && isInt(c.id)) byId.set(c.id, c);
  const known = new Set(categories.map((c) => c.id));
  const merged = categories.map((c) => ({ ...pickCategory({ ...byId.get(c.id), ...c }) }));
  for (const [id, c] of byId) if (!known.has(id) && typeof c.name === 'string') merged.push(pickCategory(c));
  return merged.sort((a, b) => a.id - b.id);
}

/** Category id of each labelled image. */
export function labelsOf(ds: InatDataset): Map<number, number> {
  return new Map(ds.annotations.map((a) => [a.image_id, a.category_id]));
}

/** Images per category over the labelled images, for the long-tail summary and sample labels. */
export function countsByCategory(ds: InatDataset): Map<number, number> {
  const counts = new Map<number, number>();
  for (const a of ds.annotations) counts.set(a.category_id, (counts.get(a.category_id) ?? 0) + 1);
  return counts;
}

/** The k most frequent categories (ties by smaller id): the sample submission's guess. */
export function mostFrequent(counts: Map<number, number>, k: number): number[] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k).map(([id]) => id);
}

