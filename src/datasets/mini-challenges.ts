/**
 * The mini challenges `podium data make` writes, each under data/<id>/ (data/README.md).
 * A finished set carries a stamp (`.podium-data.json`: seed, sizes, summary); a folder without
 * one was interrupted and is made again. Same seed and sizes, same bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeJson, clearDir } from './dataset-files.js';
import { generateInatMini, INAT_MINI_SIZES } from './inat2018-generate.js';
import { generateVocSegMini, VOC_SEG_MINI_SIZES } from './voc2012-seg-generate.js';
import { generateDetectionMini, DETECTION_MINI_SIZES } from './detection-generate.js';
import { generateSeparationMini, SEPARATION_MINI_SIZES, type Synthesizer } from './separation-generate.js';
import { generateIslMini, ISL_MINI_SIZES } from './isl-generate.js';
import { generateMotionPhotosMini, MOTION_PHOTOS_MINI_SIZES } from './motion-photos-generate.js';

export const MINI_CHALLENGES = ['inat2018-mini', 'voc2012-seg-mini', 'detection-mini', 'separation-mini', 'isl-mini', 'motion-photos-mini'] as const;
export type MiniChallenge = (typeof MINI_CHALLENGES)[number];

export const STAMP_FILE = '.podium-data.json';

/** Bump when a generator's output changes for the same seed, so old data is made again. */
export const GENERATOR_VERSION = 1;

export interface MakeOptions {
  seed: number;
  /** Size overrides (tests use small ones). */
  sizes?: Record<string, number>;
  synthesizer?: Synthesizer;
}

export interface Stamp {
  challenge: MiniChallenge;
  generator_version: number;
  seed: number;
  sizes: Record<string, number>;
  summary: Record<string, unknown>;
}

export function readStamp(dir: string): Stamp | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, STAMP_FILE), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/**
 * Smaller sets for quick looks and tests: every count times `scale` (at least a few of each),
 * image sizes and clip lengths unchanged. scale 1 = the sizes of data/README.md.
 */
export function scaledSizes(challenge: MiniChallenge, scale: number): Record<string, number> {
  if (scale === 1) return {};
  const n = (full: number, min: number) => Math.max(min, Math.round(full * scale));
  switch (challenge) {
    case 'inat2018-mini': {
      const classes = n(INAT_MINI_SIZES.classes, 5);
      return { classes, trainImages: n(INAT_MINI_SIZES.trainImages, classes * 4), valPerClass: n(INAT_MINI_SIZES.valPerClass, 1), testPerClass: n(INAT_MINI_SIZES.testPerClass, 2) };
    }
    case 'voc2012-seg-mini':
      return { trainImages: n(VOC_SEG_MINI_SIZES.trainImages, 4), valImages: n(VOC_SEG_MINI_SIZES.valImages, 4) };
    case 'detection-mini':
      return { trainImages: n(DETECTION_MINI_SIZES.trainImages, 4), testImages: n(DETECTION_MINI_SIZES.testImages, 4) };
    case 'separation-mini':
      return { trainMixtures: n(SEPARATION_MINI_SIZES.trainMixtures, 4), testMixtures: n(SEPARATION_MINI_SIZES.testMixtures, 4) };
    case 'isl-mini':
      return { trainExamples: n(ISL_MINI_SIZES.trainExamples, 4), testExamples: n(ISL_MINI_SIZES.testExamples, 4) };
    case 'motion-photos-mini':
      return { clipsPerCategory: n(MOTION_PHOTOS_MINI_SIZES.clipsPerCategory, 1) };
  }
}

/** True when `dir` holds a finished set made with these options. */
export function isMade(dir: string, challenge: MiniChallenge, opts: MakeOptions): boolean {
  const s = readStamp(dir);
  return !!s && s.challenge === challenge && s.generator_version === GENERATOR_VERSION && s.seed === opts.seed &&
    JSON.stringify(s.sizes) === JSON.stringify(opts.sizes ?? {}) &&
    (!opts.synthesizer || s.summary.synthesizer === opts.synthesizer);
}

/** Writes one challenge's data into `dir` (emptied first) and stamps it. */
export async function makeChallenge(challenge: MiniChallenge, dir: string, opts: MakeOptions): Promise<Record<string, unknown>> {
  clearDir(dir);
  const sizes = opts.sizes ?? {};
  let summary: object;
  switch (challenge) {
    case 'inat2018-mini':
      summary = generateInatMini(dir, { seed: opts.seed, sizes });
      break;
    case 'voc2012-seg-mini':
      summary = await generateVocSegMini(dir, { seed: opts.seed, sizes });
      break;
    case 'detection-mini':
      summary = generateDetectionMini(dir, { seed: opts.seed, sizes });
      break;
    case 'separation-mini':
      summary = await generateSeparationMini(dir, { seed: opts.seed, sizes, synthesizer: opts.synthesizer });
      break;
    case 'isl-mini':
      summary = await generateIslMini(dir, { seed: opts.seed, sizes });
      break;
    case 'motion-photos-mini':
      summary = generateMotionPhotosMini(dir, { seed: opts.seed, sizes });
      break;
  }
  const stamp: Stamp = { challenge, generator_version: GENERATOR_VERSION, seed: opts.seed, sizes, summary: summary as Record<string, unknown> };
  writeJson(path.join(dir, STAMP_FILE), stamp, 1);
  return stamp.summary;
}
