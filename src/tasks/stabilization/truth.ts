/**
 * Stabilization truth: a folder with `clips.csv` (`id,usage` or `id,usage,category`) and
 * `<clip>/motion.json` `{"width", "height", "frames", "background": [[9 numbers, row-major
 * F_t], ...]}` holding the true motion of the far background plane from frame t to t+1.
 * Frames, gyro and timestamps live beside it for participants and are not read here.
 * Problems in a truth are the host's: they are reported with the file and clip.
 */
import fs from 'node:fs';
import path from 'node:path';
import { homographyProblem, normaliseInPlace } from '../../evaluators/homography.js';
import { MIN_FRAMES } from '../../evaluators/stabilization.js';
import { readCsv } from '../../formats/csv.js';
import { USAGES, type Usage } from '../../formats/usage.js';
import { ProblemList, ValidationError } from '../../problems.js';

export interface TruthClip {
  id: string;
  usage: Usage | undefined;
  /** Free-form clip category (e.g. "foreground-dominated"), for per-category scores. */
  category: string | undefined;
  width: number;
  height: number;
  frames: number;
  /** F_t, (frames-1) x 9 row-major, each normalised by its [2][2] entry. */
  background: Float64Array;
}

export interface StabilizationTruth {
  dir: string;
  clips: TruthClip[];
  index: Map<string, number>;
  /** True when clips.csv has a usage column. */
  hasUsage: boolean;
}

const CLIP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export async function readStabilizationTruth(dir: string): Promise<StabilizationTruth> {
  const label = path.basename(dir);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw ValidationError.of({ file: dir, message: 'expected a stabilization truth folder with clips.csv and <clip>/motion.json' });
  }
  const listFile = path.join(dir, 'clips.csv');
  const listName = `${label}/clips.csv`;
  if (!fs.existsSync(listFile)) throw ValidationError.of({ file: listName, message: 'missing: the truth folder needs clips.csv (id,usage)' });
  const problems = new ProblemList();
  const rows: { id: string; usage?: Usage; category?: string }[] = [];
  const seen = new Set<string>();
  const { header } = await readCsv(listFile, {
    name: listName,
    headers: [['id', 'usage'], ['id', 'usage', 'category'], ['id']],
    problems,
    onRow(fields, line) {
      const id = fields[0]!.trim();
      if (!CLIP_ID.test(id)) return problems.add({ file: listName, line, column: 'id', message: `"${id}" is not a clip id (letters, digits, . _ -)` });
      if (seen.has(id)) return problems.add({ file: listName, line, column: 'id', message: `duplicate clip "${id}"` });
      seen.add(id);
      const usage = fields[1]?.trim();
      if (usage !== undefined && !(USAGES as readonly string[]).includes(usage)) {
        return problems.add({ file: listName, line, column: 'usage', message: `"${usage}" is not Public, Private or Ignored` });
      }
      const category = fields[2]?.trim() || undefined;
      rows.push({ id, ...(usage !== undefined && { usage: usage as Usage }), ...(category !== undefined && { category }) });
    },
  });
  problems.throwIfAny();
  if (rows.length === 0) throw ValidationError.of({ file: listName, message: 'lists no clip' });
  const clips: TruthClip[] = [];
  for (const r of rows) {
    const clip = readMotion(path.join(dir, r.id, 'motion.json'), `${label}/${r.id}/motion.json`, r.id, problems);
    if (clip) clips.push({ ...clip, usage: r.usage, category: r.category });
    if (problems.full) break;
  }
  problems.throwIfAny();
  return { dir, clips, index: new Map(clips.map((c, i) => [c.id, i])), hasUsage: header.length >= 2 };
}

function readMotion(file: string, name: string, id: string, problems: ProblemList): Omit<TruthClip, 'usage' | 'category'> | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    problems.add({ file: name, message: code ? `cannot read the file (${code})` : `not valid JSON (${(e as Error).message})` });
    return undefined;
  }
  const m = doc as { width?: unknown; height?: unknown; frames?: unknown; background?: unknown };
  const positiveInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (typeof m !== 'object' || m === null) return void problems.add({ file: name, message: 'expected a JSON object {"width", "height", "frames", "background"}' });
  if (!positiveInt(m.width) || !positiveInt(m.height)) return void problems.add({ file: name, message: `clip ${id}: width and height must be positive integers` });
  if (!positiveInt(m.frames)) return void problems.add({ file: name, message: `clip ${id}: frames must be a positive integer` });
  const frames = m.frames as number;
  if (frames < MIN_FRAMES) return void problems.add({ file: name, message: `clip ${id} has ${frames} frames; stability needs at least ${MIN_FRAMES}` });
  if (!Array.isArray(m.background) || m.background.length !== frames - 1) {
    return void problems.add({ file: name, message: `clip ${id}: "background" must hold frames - 1 = ${frames - 1} matrices (F_t from frame t to t+1), found ${Array.isArray(m.background) ? m.background.length : 'none'}` });
  }
  const background = new Float64Array(9 * (frames - 1));
  for (let t = 0; t < frames - 1; t++) {
    const f = m.background[t] as unknown;
    if (!Array.isArray(f) || f.length !== 9 || f.some((v) => typeof v !== 'number')) {
      return void problems.add({ file: name, message: `clip ${id}, frame ${t}: background[${t}] must be 9 numbers (row-major F_t)` });
    }
    background.set(f as number[], 9 * t);
    const bad = homographyProblem(background, 9 * t);
    if (bad) return void problems.add({ file: name, message: `clip ${id}, frame ${t}: background[${t}]: ${bad}` });
    normaliseInPlace(background, 9 * t);
  }
  return { id, width: m.width as number, height: m.height as number, frames, background };
}
