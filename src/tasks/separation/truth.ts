/**
 * The separation truth: a wsj0-2mix / LibriMix folder with `mix/<id>.wav` and one folder per
 * source, `s1/<id>.wav`, `s2/<id>.wav`, ... (optional `usage.csv` with `id,usage`). Other
 * folders (`face/`, `noise/`) and files (`metadata.json`) are not the truth's business and
 * are ignored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readUsage, type Usage } from '../../formats/usage.js';
import { ProblemList, ValidationError } from '../../problems.js';
import { statOrRefuse } from '../../formats/stat-or-refuse.js';

export interface SeparationTruth {
  dir: string;
  /** Mixture ids in sorted order (the order of per-mixture results). */
  ids: string[];
  /** Source folder names in order: s1, s2, ... */
  sources: string[];
  /** Usage per id, when the truth has a usage.csv. */
  usage?: Map<string, Usage>;
}

/** The most sources scored (the permutation search tries every order: 8! = 40,320). */
export const MAX_SOURCES = 8;

const SOURCE_FOLDER = /^s(\d+)$/;

/** Lists the truth and checks its layout; every problem at once (ValidationError). */
export function readSeparationTruth(dir: string): SeparationTruth {
  const label = path.basename(dir);
  const stat = statOrRefuse(dir, { file: dir, message: 'truth not found' });
  if (!stat.isDirectory()) {
    throw ValidationError.of({ file: dir, message: 'the separation truth is a folder with mix/<id>.wav, s1/<id>.wav, s2/<id>.wav, ...' });
  }
  const problems = new ProblemList();
  const folders = new Set(fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name));
  const numbers = [...folders].map((f) => SOURCE_FOLDER.exec(f)?.[1]).filter((n): n is string => n !== undefined).map(Number).sort((a, b) => a - b);
  const sources: string[] = [];
  for (let k = 1; folders.has(`s${k}`); k++) sources.push(`s${k}`);
  if (!folders.has('mix')) problems.add({ file: `${label}/mix`, message: 'missing folder of mixtures mix/<id>.wav' });
  if (numbers.length === 0) {
    problems.add({ file: label, message: 'expected source folders s1/, s2/, ...; found none' });
  } else if (numbers.length !== sources.length) {
    problems.add({ file: label, message: `source folders must be numbered s1, s2, ... without gaps; found ${numbers.map((n) => `s${n}`).join(', ')}` });
  }
  if (sources.length > MAX_SOURCES) problems.add({ file: label, message: `${sources.length} sources; at most ${MAX_SOURCES} are supported` });
  problems.throwIfAny();

  const mixIds = wavIds(path.join(dir, 'mix'));
  for (const source of sources) {
    const ids = new Set(wavIds(path.join(dir, source)));
    for (const id of mixIds) if (!ids.has(id)) problems.add({ file: `${label}/${source}`, message: `missing ${source}/${id}.wav for mixture mix/${id}.wav` });
    const mixSet = new Set(mixIds);
    for (const id of ids) if (!mixSet.has(id)) problems.add({ file: `${label}/${source}/${id}.wav`, message: `no mixture mix/${id}.wav for this source` });
  }
  if (mixIds.length === 0) problems.add({ file: `${label}/mix`, message: 'no .wav mixtures' });
  let usage: Map<string, Usage> | undefined;
  try {
    usage = readUsage(dir);
  } catch (e) {
    if (e instanceof ValidationError) e.problems.forEach((p) => problems.add(p));
    else throw e;
  }
  if (usage) {
    const known = new Set(mixIds);
    for (const id of usage.keys()) if (!known.has(id)) problems.add({ file: `${label}/usage.csv`, message: `id "${id}" has no mixture mix/${id}.wav` });
    for (const id of mixIds) if (!usage.has(id)) problems.add({ file: `${label}/usage.csv`, message: `no usage for mixture "${id}"` });
  }
  problems.throwIfAny();
  return { dir, ids: mixIds, sources, usage };
}

/** Ids of the `<id>.wav` files of a folder, sorted. */
function wavIds(folder: string): string[] {
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.wav') && !e.name.startsWith('.'))
    .map((e) => e.name.slice(0, -4))
    .sort();
}
