/**
 * Public / Private / Ignored marks for truth items that are not rows of a CSV (images, masks,
 * mixtures). Convention: a CSV `id,usage` named `usage.csv` inside a truth folder, or
 * `<name>.usage.csv` beside a truth file (`instances_test.json` -> `instances_test.usage.csv`).
 * No usage file: every item counts for `metrics` and there are no splits.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ProblemList } from '../problems.js';

export type Usage = 'Public' | 'Private' | 'Ignored';
export const USAGES: readonly Usage[] = ['Public', 'Private', 'Ignored'];

export function usageFileFor(truthPath: string): string {
  if (fs.existsSync(truthPath) && fs.statSync(truthPath).isDirectory()) return path.join(truthPath, 'usage.csv');
  const ext = path.extname(truthPath);
  return path.join(path.dirname(truthPath), `${path.basename(truthPath, ext)}.usage.csv`);
}

/** Reads the usage marks of a truth, or undefined when it has none. Throws ValidationError. */
export function readUsage(truthPath: string): Map<string, Usage> | undefined {
  const file = usageFileFor(truthPath);
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/);
  const problems = new ProblemList();
  if (lines[0]?.trim() !== 'id,usage') problems.add({ file, line: 1, message: `header must be "id,usage", found "${lines[0] ?? ''}"` });
  const out = new Map<string, Usage>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const comma = line.indexOf(',');
    const id = line.slice(0, comma).trim();
    const usage = line.slice(comma + 1).trim();
    // Problems name the file line (the header is line 1).
    if (comma < 0 || !id) problems.add({ file, line: i + 1, message: 'expected "id,usage"' });
    else if (!(USAGES as readonly string[]).includes(usage)) problems.add({ file, line: i + 1, column: 'usage', message: `"${usage}" is not Public, Private or Ignored` });
    else if (out.has(id)) problems.add({ file, line: i + 1, column: 'id', message: `duplicate id "${id}"` });
    else out.set(id, usage as Usage);
  }
  problems.throwIfAny();
  return out;
}
