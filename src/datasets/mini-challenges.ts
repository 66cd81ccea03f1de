/**
 * The four mini challenges `podium data make` writes, each under data/<id>/ (data/README.md).
 * A finished set carries a stamp (`.podium-data.json`: seed, sizes, summary); a folder without
 * one was interrupted and is made again. Same seed and sizes, same bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeJson, clearDir } from './dataset-files.js';
import { generateInatMini } from './inat2018-generate.js';
import { generateVocSegMini } from './voc2012-seg-generate.js';
import { generateDetectionMini } from './detection-generate.js';
import { generateSeparationMini, type Synthesizer } from './separation-generate.js';

export const MINI_CHALLENGES = ['inat2018-mini', 'voc2012-seg-mini', 'detection-mini', 'separation-mini'] as const;
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

/** True when `dir` holds a finished set made with these options. */
export function isMade(dir: string, challenge: MiniChallenge, opts: MakeOptions): boolean {
  const s = readStamp(dir);
  return !!s && s.challenge === challenge && s.generator_version === GENERATOR_VERSION && s.seed === opts.seed &&
    JSON.stringify(s.sizes) === JSON.stringify(opts.sizes ?? {});
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
  }
  const stamp: Stamp = { challenge, generator_version: GENERATOR_VERSION, seed: opts.seed, sizes, summary: summary as Record<string, unknown> };
  writeJson(path.join(dir, STAMP_FILE), stamp, 1);
  return stamp.summary;
}
