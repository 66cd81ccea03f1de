/**
 * `podium data import isl <src> <dest>`: the google/in-silico-labeling data layout
 * (`<lab>/<condition>/<descriptive_filename>.png`, or the files of one folder) into a
 * fluorescence challenge. Attributes live in the file name, comma-separated `key-value` pairs
 * (a bare key such as `acquisition_date` is a heading):
 *
 *   lab-FINKBEINER,condition-KEVAN_0_8,acquisition_date,year-2015,month-10,day-5,minute-0,
 *   well-A4,tile_computation-STITCHED,z_depth-0,channel-PHASE_CONTRAST,is_mask-false.png
 *
 * Files that share every attribute but `z_depth` / `depth_computation` / `channel` / `is_mask`
 * form one example (a well, or a tile of it). Transmitted-light channels (BRIGHTFIELD,
 * PHASE_CONTRAST, DIC) at `z_depth-N` are the input z-stack: `test/inputs/<id>/z<NN>.png` (or
 * `<CHANNEL>_z<NN>.png` for every one when an example has two modalities); every other
 * channel, not a mask, is a label: `test/targets/<id>/<CHANNEL>.png` (a maximum projection,
 * `depth_computation-MAXPROJECT`, as the data set ships its labels). Masks (`is_mask-true`) are
 * not labels and are skipped. Files are copied byte for byte after their PNG header is checked
 * (grayscale, 8- or 16-bit). README / LICENSE files of the source are copied into `source/`:
 * the data set is CC BY 4.0 and its attribution travels with it.
 *
 * Written: test/examples.csv (`id,condition,usage`, a seeded 30 % Public split), test/inputs,
 * test/targets and challenge.yaml (task fluorescence, every label channel found).
 */
import fs from 'node:fs';
import path from 'node:path';
import { readPngHeader, PngError } from '../formats/png.js';
import { ProblemList, ValidationError } from '../problems.js';
import { writeChallengeFile } from './challenge-file.js';
import { writeCsv, writeFile } from './dataset-files.js';
import { compareIds, splitUsage } from './usage-split.js';

/** Channels imaged with transmitted light (the inputs), as the data set names them. */
export const TRANSMITTED_CHANNELS: ReadonlySet<string> = new Set(['BRIGHTFIELD', 'PHASE_CONTRAST', 'DIC']);

/** Attributes that vary within one example. */
const PER_IMAGE = new Set(['z_depth', 'depth_computation', 'channel', 'is_mask']);

export interface IslImportSummary {
  examples: number;
  inputs: number;
  targets: number;
  channels: string;
  masksSkipped: number;
  challengeFile?: string;
}

/** The attributes of a data-set file name, or undefined when the name does not follow the convention. */
export function parseIslName(name: string): Map<string, string> | undefined {
  if (!name.toLowerCase().endsWith('.png')) return undefined;
  const out = new Map<string, string>();
  for (const part of name.slice(0, -4).split(',')) {
    const dash = part.indexOf('-');
    if (dash < 0) out.set(part, '');
    else out.set(part.slice(0, dash), part.slice(dash + 1));
  }
  return out.has('channel') ? out : undefined;
}

function listPngs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.png')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** A folder-safe example id: condition and well (plus date and tile when they tell examples apart). */
function exampleId(attrs: Map<string, string>, detailed: boolean): string {
  const parts = [attrs.get('condition') || attrs.get('lab') || 'example', attrs.get('well') || 'well'];
  if (detailed) {
    for (const k of ['year', 'month', 'day', 'minute']) if (attrs.get(k)) parts.push(attrs.get(k)!);
    for (const [k, v] of attrs) if (!PER_IMAGE.has(k) && !['lab', 'condition', 'well', 'year', 'month', 'day', 'minute', 'acquisition_date', 'tile_computation'].includes(k) && v) parts.push(v);
  }
  return parts.join('-').replace(/[^A-Za-z0-9_-]+/g, '_');
}

export async function importIsl(src: string, dest: string, seed: number): Promise<IslImportSummary> {
  if (!fs.existsSync(src) || !fs.statSync(src).isDirectory()) {
    throw ValidationError.of({ file: src, message: 'expected a folder of In Silico Labeling PNGs (<lab>/<condition>/<lab-...,channel-...>.png)' });
  }
  const problems = new ProblemList();
  const groups = new Map<string, { attrs: Map<string, string>; files: { file: string; attrs: Map<string, string> }[] }>();
  let masksSkipped = 0;
  for (const file of listPngs(src)) {
    const attrs = parseIslName(path.basename(file));
    const rel = path.relative(src, file);
    if (!attrs) {
      problems.add({ file: rel, message: 'file name does not follow the data set convention (comma-separated key-value attributes with channel-NAME)' });
      continue;
    }
    if (attrs.get('is_mask') === 'true') {
      masksSkipped++;
      continue;
    }
    const key = [...attrs].filter(([k]) => !PER_IMAGE.has(k)).map(([k, v]) => `${k}=${v}`).join(',');
    const group = groups.get(key) ?? { attrs, files: [] };
    group.files.push({ file, attrs });
    groups.set(key, group);
  }
  if (groups.size === 0 && problems.total === 0) problems.add({ file: src, message: 'no In Silico Labeling PNGs found' });
  problems.throwIfAny();

  // Ids: condition-well, made more specific only when two examples would share one.
  const plain = new Map<string, number>();
  for (const g of groups.values()) plain.set(exampleId(g.attrs, false), (plain.get(exampleId(g.attrs, false)) ?? 0) + 1);
  const examples: { id: string; condition: string; inputs: { file: string; name: string }[]; targets: { file: string; channel: string }[] }[] = [];
  const seen = new Set<string>();
  for (const g of groups.values()) {
    let id = exampleId(g.attrs, (plain.get(exampleId(g.attrs, false)) ?? 0) > 1);
    for (let k = 2; seen.has(id); k++) id = `${exampleId(g.attrs, true)}-${k}`;
    seen.add(id);
    const transmitted = new Set(g.files.filter((f) => TRANSMITTED_CHANNELS.has(f.attrs.get('channel')!)).map((f) => f.attrs.get('channel')!));
    const inputs: { file: string; name: string }[] = [];
    const targets: { file: string; channel: string }[] = [];
    for (const { file, attrs } of g.files) {
      const channel = attrs.get('channel')!;
      const rel = path.relative(src, file);
      if (TRANSMITTED_CHANNELS.has(channel)) {
        const z = Number(attrs.get('z_depth'));
        if (!attrs.has('z_depth') || !Number.isInteger(z) || z < 0) {
          problems.add({ file: rel, message: 'a transmitted-light image needs z_depth-N (a whole number)' });
          continue;
        }
        const depth = `z${String(z).padStart(2, '0')}.png`;
        inputs.push({ file, name: transmitted.size > 1 ? `${channel}_${depth}` : depth });
      } else if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(channel)) {
        problems.add({ file: rel, message: `channel "${channel}" cannot be a file name` });
      } else if (targets.some((t) => t.channel === channel)) {
        problems.add({ file: rel, message: `a second ${channel} label for example ${id} (one image a label: its maximum projection)` });
      } else targets.push({ file, channel });
    }
    for (const f of [...inputs.map((i) => i.file), ...targets.map((t) => t.file)]) {
      try {
        const fd = fs.openSync(f, 'r');
        const head = Buffer.alloc(33);
        fs.readSync(fd, head, 0, 33, 0);
        fs.closeSync(fd);
        const h = readPngHeader(head, path.relative(src, f));
        if (h.colorType !== 'gray' || (h.bitDepth !== 8 && h.bitDepth !== 16)) problems.add({ file: path.relative(src, f), message: `expected an 8- or 16-bit grayscale PNG, found ${h.bitDepth}-bit ${h.colorType}` });
      } catch (e) {
        if (!(e instanceof PngError)) throw e;
        problems.add({ file: e.file, message: e.reason });
      }
    }
    if (inputs.length === 0) problems.add({ file: path.relative(src, g.files[0]!.file), message: `example ${id} has no transmitted-light z-stack (channel-BRIGHTFIELD, PHASE_CONTRAST or DIC with z_depth-N)` });
    if (targets.length === 0) problems.add({ file: path.relative(src, g.files[0]!.file), message: `example ${id} has no fluorescence label` });
    examples.push({ id, condition: g.attrs.get('condition') || 'unknown', inputs, targets });
  }
  problems.throwIfAny();

  examples.sort((a, b) => compareIds(a.id, b.id));
  const usage = splitUsage(examples.map((e) => e.id), seed);
  const test = path.join(dest, 'test');
  let inputCount = 0;
  let targetCount = 0;
  for (const e of examples) {
    for (const i of e.inputs) {
      writeFile(path.join(test, 'inputs', e.id, i.name), fs.readFileSync(i.file));
      inputCount++;
    }
    for (const t of e.targets) {
      writeFile(path.join(test, 'targets', e.id, `${t.channel}.png`), fs.readFileSync(t.file));
      targetCount++;
    }
  }
  writeCsv(path.join(test, 'examples.csv'), ['id', 'condition', 'usage'], examples.map((e) => [e.id, e.condition, usage.get(e.id)!]));
  for (const f of fs.readdirSync(src)) {
    if (/^(readme|license|licence|attribution)/i.test(f) && fs.statSync(path.join(src, f)).isFile()) writeFile(path.join(dest, 'source', f), fs.readFileSync(path.join(src, f)));
  }
  const channels = [...new Set(examples.flatMap((e) => e.targets.map((t) => t.channel)))].sort();
  const challengeFile = writeChallengeFile(dest, {
    title: 'In Silico Labeling (imported)',
    task: 'fluorescence',
    truth: 'test',
    primary_metric: 'mean_pearson',
    options: { channels },
    description:
      'Fluorescent labels predicted from transmitted-light z-stacks (In Silico Labeling, Christiansen et al., Cell 2018). ' +
      'Inputs: test/inputs/<id>/z<NN>.png; submit <id>/<CHANNEL>.png for every example and channel. ' +
      'Images: the In Silico Labeling data set, CC BY 4.0 (see source/ for its attribution).',
  });
  return { examples: examples.length, inputs: inputCount, targets: targetCount, channels: channels.join(' '), masksSkipped, challengeFile };
}
