/**
 * inat2018-mini: a small, long-tailed, fine-grained image classification set in the iNaturalist
 * 2018 format (data/README.md). Each genus has a body plan (bird, insect, leaf, mushroom, fish,
 * snail) and base colours; its species differ only in subtle attributes (a pattern on the body
 * and a slightly shifted accent hue), as species of one genus do. Training counts follow a
 * power law like iNat's (a few classes with hundreds of images, many with a handful); val and
 * test are balanced, as in iNat 2018.
 */
import path from 'node:path';
import { encodePng } from '../formats/png.js';
import { progress } from '../progress.js';
import { Rng } from './rng.js';
import { writeFile, writeJson } from './dataset-files.js';
import { writeClassificationSolution } from './classification-solution.js';
import { countsByCategory, mostFrequent, type InatCategory, type InatDataset, type InatImage } from './inat2018-format.js';
import { addNoise, ellipse, hsv, paint, paintBackground, polygon, rect, rgbImage, scaleRgb, star, union, type Rgb, type RgbImage, type Shape } from './draw.js';

export interface InatMiniSizes {
  classes: number;
  trainImages: number;
  valPerClass: number;
  testPerClass: number;
  /** Side of the square images in pixels. */
  size: number;
}

export const INAT_MINI_SIZES: InatMiniSizes = { classes: 100, trainImages: 4000, valPerClass: 10, testPerClass: 15, size: 32 };

const SPECIES_PER_GENUS = 5;
/** Power-law exponent of training counts by rank (iNat 2018's tail is steeper; this keeps the head trainable). */
const TAIL_EXPONENT = 0.8;
const MIN_TRAIN_PER_CLASS = 4;

type BodyPlan = 'bird' | 'insect' | 'leaf' | 'mushroom' | 'fish' | 'snail';

/** Iconic taxa as iNat's supercategories, with the ranks above order. */
const ICONIC: { supercategory: string; kingdom: string; phylum: string; class: string; plan: BodyPlan }[] = [
  { supercategory: 'Aves', kingdom: 'Animalia', phylum: 'Chordata', class: 'Aves', plan: 'bird' },
  { supercategory: 'Insecta', kingdom: 'Animalia', phylum: 'Arthropoda', class: 'Insecta', plan: 'insect' },
  { supercategory: 'Plantae', kingdom: 'Plantae', phylum: 'Tracheophyta', class: 'Magnoliopsida', plan: 'leaf' },
  { supercategory: 'Fungi', kingdom: 'Fungi', phylum: 'Basidiomycota', class: 'Agaricomycetes', plan: 'mushroom' },
  { supercategory: 'Actinopterygii', kingdom: 'Animalia', phylum: 'Chordata', class: 'Actinopterygii', plan: 'fish' },
  { supercategory: 'Mollusca', kingdom: 'Animalia', phylum: 'Mollusca', class: 'Gastropoda', plan: 'snail' },
];

const SYLLABLES = ['ca', 'lo', 'mi', 'ra', 'te', 'phy', 'zo', 'ne', 'lu', 'tri', 'xa', 'po', 'dro', 'gi', 'sa', 've', 'ko', 'lyn', 'bu', 'the'];
const EPITHETS = ['minor', 'major', 'rubra', 'viridis', 'punctata', 'striata', 'pallida', 'obscura', 'elegans', 'borealis'];

/** Pattern painted on the body: the species-level attribute a model has to look closely for. */
type Pattern = 'plain' | 'spots' | 'stripes';

interface Species {
  categoryId: number;
  plan: BodyPlan;
  bodyHue: number;
  accentHue: number;
  pattern: Pattern;
  aspect: number;
}

/** Builds the taxonomy: genera of SPECIES_PER_GENUS species, each genus under one iconic taxon. */
function buildTaxonomy(rng: Rng, nClasses: number): { categories: InatCategory[]; species: Species[] } {
  const categories: InatCategory[] = [];
  const species: Species[] = [];
  const nGenera = Math.ceil(nClasses / SPECIES_PER_GENUS);
  const name = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += rng.pick(SYLLABLES);
    return s;
  };
  const capital = (s: string) => s[0]!.toUpperCase() + s.slice(1);
  const usedGenera = new Set<string>();
  for (let g = 0; g < nGenera; g++) {
    const iconic = ICONIC[g % ICONIC.length]!;
    let genus: string;
    do genus = capital(name(3)); while (usedGenera.has(genus));
    usedGenera.add(genus);
    const order = capital(name(2)) + 'ales';
    const family = capital(name(2)) + 'idae';
    // Genera of one iconic taxon get well separated hues; species shift the accent by a little.
    const bodyHue = (g * 137.5 + rng.uniform(-10, 10)) % 360;
    const accentHue = (bodyHue + 180 + rng.uniform(-40, 40)) % 360;
    const aspect = rng.uniform(0.5, 0.8);
    const combos: [Pattern, number][] = rng.shuffled([
      ['plain', 0], ['spots', 0], ['stripes', 0], ['plain', 1], ['spots', 1], ['stripes', 1],
    ]);
    const epithets = rng.shuffled(EPITHETS);
    for (let s = 0; s < SPECIES_PER_GENUS && categories.length < nClasses; s++) {
      const id = categories.length;
      const [pattern, shift] = combos[s]!;
      categories.push({
        id, name: `${genus} ${epithets[s]}`, supercategory: iconic.supercategory,
        kingdom: iconic.kingdom, phylum: iconic.phylum, class: iconic.class, order, family, genus,
      });
      species.push({ categoryId: id, plan: iconic.plan, bodyHue, accentHue: accentHue + shift * 28, pattern, aspect });
    }
  }
  return { categories, species };
}

/** Long-tailed training counts: rank r (random order of classes) gets about total * r^-a / sum. */
function trainCounts(rng: Rng, nClasses: number, total: number): number[] {
  const ranks = rng.shuffled([...Array(nClasses).keys()]);
  const weights = ranks.map((r) => Math.pow(r + 1, -TAIL_EXPONENT));
  const sum = weights.reduce((a, b) => a + b, 0);
  const spare = Math.max(0, total - MIN_TRAIN_PER_CLASS * nClasses);
  return weights.map((w) => MIN_TRAIN_PER_CLASS + Math.round((spare * w) / sum));
}

interface Parts {
  body: Shape;
  accent: Shape;
}

/** The two regions of a body plan at centre (cx, cy), size s, rotation a. */
function bodyParts(plan: BodyPlan, cx: number, cy: number, s: number, a: number, aspect: number): Parts {
  const c = Math.cos(a);
  const sn = Math.sin(a);
  const at = (dx: number, dy: number): [number, number] => [cx + dx * c - dy * sn, cy + dx * sn + dy * c];
  switch (plan) {
    case 'bird': {
      const [hx, hy] = at(s * 0.55, -s * 0.3);
      const [bx, by] = at(s * 0.85, -s * 0.3);
      return {
        body: union(ellipse(cx, cy, s * 0.6, s * 0.6 * aspect, a), polygon([at(-s * 0.5, 0), at(-s * 0.95, -s * 0.25), at(-s * 0.95, s * 0.25)])),
        accent: union(ellipse(hx, hy, s * 0.26, s * 0.26), polygon([[bx, by], at(s * 1.05, -s * 0.25), at(s * 0.8, -s * 0.15)])),
      };
    }
    case 'insect': {
      const [hx, hy] = at(s * 0.7, 0);
      return {
        body: union(ellipse(...at(-s * 0.3, 0), s * 0.5, s * 0.5 * aspect, a), ellipse(...at(s * 0.25, 0), s * 0.25, s * 0.22, a)),
        accent: union(ellipse(hx, hy, s * 0.17, s * 0.17), rect(...at(0, 0), s * 0.08, s * 1.4, a)),
      };
    }
    case 'leaf': {
      return {
        body: polygon([at(-s, 0), at(-s * 0.3, -s * 0.55 * aspect), at(s * 0.4, -s * 0.45 * aspect), at(s, 0), at(s * 0.4, s * 0.45 * aspect), at(-s * 0.3, s * 0.55 * aspect)]),
        accent: star(...at(s * 0.1, 0), s * 0.28, s * 0.12, 5, a),
      };
    }
    case 'mushroom': {
      return {
        body: ellipse(cx, cy - s * 0.25, s * 0.85, s * 0.5 * (aspect + 0.3), 0),
        accent: rect(cx, cy + s * 0.45, s * 0.3, s * 0.8, 0),
      };
    }
    case 'fish': {
      return {
        body: ellipse(cx, cy, s * 0.75, s * 0.75 * aspect * 0.8, a),
        accent: polygon([at(-s * 0.6, 0), at(-s * 1.05, -s * 0.4), at(-s * 1.05, s * 0.4)]),
      };
    }
    case 'snail': {
      return {
        body: ellipse(cx, cy - s * 0.1, s * 0.6, s * 0.6, 0),
        accent: ellipse(cx + s * 0.1, cy + s * 0.45, s * 0.9, s * 0.18, 0),
      };
    }
  }
}

const HABITATS: [Rgb, Rgb][] = [
  [[96, 140, 70], [60, 100, 45]],
  [[150, 190, 230], [110, 150, 200]],
  [[140, 110, 80], [100, 80, 55]],
  [[150, 150, 145], [110, 110, 105]],
  [[70, 90, 120], [40, 60, 90]],
];

/** Renders one image of a species: random pose, scale, light and habitat. */
export function renderSpecies(rng: Rng, sp: Species, size: number): RgbImage {
  const img = rgbImage(size, size);
  const [top, bottom] = rng.pick(HABITATS);
  paintBackground(img, rng, top, bottom, 6);
  const light = rng.uniform(0.8, 1.15);
  const s = size * rng.uniform(0.3, 0.4);
  const cx = size / 2 + rng.uniform(-size * 0.1, size * 0.1);
  const cy = size / 2 + rng.uniform(-size * 0.1, size * 0.1);
  const upright = sp.plan === 'mushroom' || sp.plan === 'snail';
  const angle = upright ? 0 : rng.uniform(-Math.PI, Math.PI);
  const { body, accent } = bodyParts(sp.plan, cx, cy, s, angle, sp.aspect);
  const bodyColour = scaleRgb(hsv(sp.bodyHue + rng.uniform(-6, 6), 0.65, 0.8), light);
  const markColour = scaleRgb(hsv(sp.bodyHue, 0.7, 0.35), light);
  const accentColour = scaleRgb(hsv(sp.accentHue + rng.uniform(-4, 4), 0.8, 0.9), light);
  const spots = Array.from({ length: 3 }, () => ellipse(cx + rng.uniform(-s * 0.4, s * 0.4), cy + rng.uniform(-s * 0.3, s * 0.3), s * 0.14, s * 0.14));
  const stripePeriod = Math.max(3, s * 0.35);
  const c = Math.cos(angle);
  const sn = Math.sin(angle);
  paint(img, body, (x, y) => {
    if (sp.pattern === 'spots' && spots.some((d) => d.contains(x + 0.5, y + 0.5))) return markColour;
    if (sp.pattern === 'stripes') {
      const along = (x + 0.5 - cx) * c + (y + 0.5 - cy) * sn;
      if (((along / stripePeriod) % 1 + 1) % 1 < 0.4) return markColour;
    }
    return bodyColour;
  });
  paint(img, accent, accentColour);
  addNoise(img, rng, 4);
  return img;
}

export interface GenerateOptions {
  seed: number;
  sizes?: Partial<InatMiniSizes>;
}

export interface InatMiniSummary {
  train: number;
  val: number;
  test: number;
  classes: number;
  largestClass: number;
  smallestClass: number;
}

/** Writes data/inat2018-mini (or `dest`): JSON files, images, solution and sample submission. */
export function generateInatMini(dest: string, opts: GenerateOptions): InatMiniSummary {
  const sizes = { ...INAT_MINI_SIZES, ...opts.sizes };
  const root = new Rng(opts.seed).fork('inat2018-mini');
  const { categories, species } = buildTaxonomy(root.fork('taxonomy'), sizes.classes);
  const counts = trainCounts(root.fork('counts'), categories.length, sizes.trainImages);

  type Planned = { split: 'train' | 'val' | 'test'; sp: Species };
  const planned: Planned[] = [];
  species.forEach((sp, k) => {
    for (let i = 0; i < counts[k]!; i++) planned.push({ split: 'train', sp });
    for (let i = 0; i < sizes.valPerClass; i++) planned.push({ split: 'val', sp });
    for (let i = 0; i < sizes.testPerClass; i++) planned.push({ split: 'test', sp });
  });
  // Ids in a shuffled order within each split, so an id says nothing about the class.
  const order = root.fork('order');
  const bySplit = (split: Planned['split']) => order.shuffled(planned.filter((p) => p.split === split));
  const splits = { train: bySplit('train'), val: bySplit('val'), test: bySplit('test') };

  const info = { year: 2018, version: 'mini', description: 'podium inat2018-mini: synthetic, iNaturalist 2018 format', seed: opts.seed };
  const sets: Record<'train' | 'val' | 'test', InatDataset> = {
    train: { info, images: [], annotations: [], categories },
    val: { info, images: [], annotations: [], categories },
    test: { info, images: [], annotations: [], categories },
  };
  const testLabels = new Map<number, number>();
  const bar = progress('inat2018-mini images', planned.length);
  const pixels = root.fork('pixels');
  let nextId = 0;
  for (const split of ['train', 'val', 'test'] as const) {
    for (const p of splits[split]) {
      const id = nextId++;
      const sup = categories[p.sp.categoryId]!.supercategory;
      const file_name = split === 'test' ? `images/test2018/${id}.png` : `images/train_val2018/${sup}/${p.sp.categoryId}/${id}.png`;
      const img = renderSpecies(pixels, p.sp, sizes.size);
      writeFile(path.join(dest, file_name), encodePng({ width: img.width, height: img.height, colorType: 'rgb', data: img.data }));
      const image: InatImage = { id, file_name, width: sizes.size, height: sizes.size };
      sets[split].images.push(image);
      if (split === 'test') testLabels.set(id, p.sp.categoryId);
      else sets[split].annotations.push({ id, image_id: id, category_id: p.sp.categoryId });
      bar.tick();
    }
  }
  bar.stop();
  writeJson(path.join(dest, 'train2018.json'), sets.train);
  writeJson(path.join(dest, 'val2018.json'), sets.val);
  const { annotations: _none, ...testOnly } = sets.test;
  writeJson(path.join(dest, 'test2018.json'), testOnly);
  writeJson(path.join(dest, 'categories.json'), categories, 1);
  const trainCountsByCategory = countsByCategory(sets.train);
  writeClassificationSolution(dest, testLabels, mostFrequent(trainCountsByCategory, 3), opts.seed);
  return {
    train: sets.train.images.length,
    val: sets.val.images.length,
    test: sets.test.images.length,
    classes: categories.length,
    largestClass: Math.max(...counts),
    smallestClass: Math.min(...counts),
  };
}
