/**
 * The fluorescence truth (In Silico Labeling): a folder with `examples.csv` (`id`, optional
 * `condition` and `usage` columns, in any of the orders below) and `targets/<id>/<CHANNEL>.png`,
 * one grayscale PNG (8- or 16-bit) per label channel acquired for that example. An absent file
 * is a label that was not acquired (the paper's checkerboard of missing labels): that channel
 * is not scored for that example. Inputs (transmitted-light z-stacks) may live beside it in
 * `inputs/` for participants; scoring does not read them.
 *
 * Only names are listed here (a few bytes an example); images are read one pair at a time
 * while scoring.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readCsv } from '../../formats/csv.js';
import { USAGES, type Usage } from '../../formats/usage.js';
import { ProblemList, ValidationError } from '../../problems.js';
import { statOrRefuse } from '../../formats/stat-or-refuse.js';

export interface FluorescenceTruth {
  dir: string;
  /** How messages name the truth folder. */
  label: string;
  /** Example ids in examples.csv order. */
  ids: string[];
  /** Distinct conditions in order of first appearance; empty when the truth names none. */
  conditions: string[];
  /** Condition index of each example (0 when there are no conditions). */
  conditionOf: Uint32Array;
  /** Usage of each example, when examples.csv has a usage column. */
  usage?: Usage[];
  /** The label channels scored, in report order. */
  channels: string[];
  /** For each example, the channel indices whose truth image exists. */
  acquired: number[][];
}

/** The header lines examples.csv may have (the model track reads the ids with them too). */
export const EXAMPLES_HEADERS = [['id'], ['id', 'condition'], ['id', 'usage'], ['id', 'condition', 'usage'], ['id', 'usage', 'condition']] as const;

/** A channel name: what a file `<CHANNEL>.png` may be called (letters, digits, `_`, `-`). */
export const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Reads examples.csv and lists targets/. `channels` (from the challenge's options) fixes the
 * channels and their order; without it, every channel found in targets/ is scored, sorted by
 * name. Every problem at once (ValidationError).
 */
export async function readFluorescenceTruth(dir: string, channels?: readonly string[]): Promise<FluorescenceTruth> {
  const label = path.basename(dir);
  const stat = statOrRefuse(dir, { file: dir, message: 'truth not found' });
  if (!stat.isDirectory()) {
    throw ValidationError.of({ file: label, message: 'the fluorescence truth is a folder with examples.csv and targets/<id>/<CHANNEL>.png' });
  }
  const problems = new ProblemList();
  const csv = path.join(dir, 'examples.csv');
  if (!fs.existsSync(csv)) throw ValidationError.of({ file: `${label}/examples.csv`, message: 'missing; expected a CSV "id,condition,usage" listing the examples' });
  const rows: { fields: string[]; line: number }[] = [];
  let header: string[] = [];
  try {
    ({ header } = await readCsv(csv, { headers: EXAMPLES_HEADERS, problems, name: `${label}/examples.csv`, onRow: (fields, line) => rows.push({ fields, line }) }));
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    e.problems.forEach((p) => problems.add(p));
  }
  const ids: string[] = [];
  const conditionNames: string[] = [];
  const usageList: Usage[] = [];
  const seen = new Set<string>();
  const file = `${label}/examples.csv`;
  for (const { fields, line } of rows) {
    const get = (column: string) => fields[header.indexOf(column)]?.trim() ?? '';
    const id = fields[0]!.trim();
    const usage = get('usage');
    if (!id) problems.add({ file, line, column: 'id', message: 'is empty' });
    else if (id.includes('/') || id.includes('\\') || id === '.' || id === '..') problems.add({ file, line, column: 'id', message: `"${id}" cannot be a folder name` });
    else if (seen.has(id)) problems.add({ file, line, column: 'id', message: `duplicate id "${id}"` });
    else if (header.includes('condition') && !get('condition')) problems.add({ file, line, column: 'condition', message: 'is empty' });
    else if (header.includes('usage') && !(USAGES as readonly string[]).includes(usage)) {
      problems.add({ file, line, column: 'usage', message: `"${usage}" is not Public, Private or Ignored` });
    } else {
      seen.add(id);
      ids.push(id);
      conditionNames.push(get('condition'));
      usageList.push(usage as Usage);
    }
  }
  problems.throwIfAny();
  if (ids.length === 0) throw ValidationError.of({ file: `${label}/examples.csv`, message: 'lists no examples' });

  const targets = path.join(dir, 'targets');
  if (!fs.existsSync(targets)) throw ValidationError.of({ file: `${label}/targets`, message: 'missing folder of label images targets/<id>/<CHANNEL>.png' });
  const found = new Map<string, string[]>();
  for (const entry of fs.readdirSync(targets, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (!entry.isDirectory()) {
      problems.add({ file: `${label}/targets/${entry.name}`, message: 'unexpected file; targets/ holds one folder per example' });
      continue;
    }
    if (!seen.has(entry.name)) {
      problems.add({ file: `${label}/targets/${entry.name}`, message: `example "${entry.name}" is not listed in examples.csv` });
      continue;
    }
    const names: string[] = [];
    for (const file of fs.readdirSync(path.join(targets, entry.name), { withFileTypes: true })) {
      if (file.name.startsWith('.')) continue;
      const channel = file.isFile() && file.name.toLowerCase().endsWith('.png') ? file.name.slice(0, -4) : undefined;
      if (channel === undefined || !CHANNEL_NAME.test(channel)) {
        problems.add({ file: `${label}/targets/${entry.name}/${file.name}`, message: 'unexpected file; expected <CHANNEL>.png label images' });
      } else names.push(channel);
    }
    found.set(entry.name, names);
  }
  const all = [...new Set([...found.values()].flat())].sort();
  const scored = channels ? [...channels] : all;
  if (scored.length === 0) problems.add({ file: `${label}/targets`, message: 'no label images <id>/<CHANNEL>.png' });
  const channelIndex = new Map(scored.map((c, i) => [c, i]));
  const acquired = ids.map((id) => {
    const names = found.get(id) ?? [];
    const indices = names.map((c) => channelIndex.get(c)).filter((i): i is number => i !== undefined);
    if (indices.length === 0) problems.add({ file: `${label}/targets/${id}`, message: `example "${id}" has no label image of the channels scored (${scored.join(', ')})` });
    return indices.sort((a, b) => a - b);
  });
  problems.throwIfAny();

  const hasConditions = header.includes('condition');
  const conditions = hasConditions ? [...new Set(conditionNames)] : [];
  const conditionIndex = new Map(conditions.map((c, i) => [c, i]));
  const conditionOf = Uint32Array.from(conditionNames, (c) => (hasConditions ? conditionIndex.get(c)! : 0));
  return {
    dir,
    label,
    ids,
    conditions,
    conditionOf,
    ...(header.includes('usage') && { usage: usageList }),
    channels: scored,
    acquired,
  };
}
