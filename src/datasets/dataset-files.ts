/**
 * Writing a data set's files: LF line endings, stable key order, folders made on demand, so a
 * second run with the same seed writes byte-identical files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Usage } from '../formats/usage.js';
import { compareIds } from './usage-split.js';

export function writeFile(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

export function writeJson(file: string, value: unknown, indent?: number): void {
  writeFile(file, JSON.stringify(value, null, indent) + '\n');
}

/** A CSV from a header and rows; fields are written as they are (callers pass plain tokens). */
export function writeCsv(file: string, header: readonly string[], rows: Iterable<readonly (string | number)[]>): void {
  const lines = [header.join(',')];
  for (const r of rows) lines.push(r.join(','));
  writeFile(file, lines.join('\n') + '\n');
}

/** `id,usage` marks (src/formats/usage.ts convention), ids in numeric-aware order. */
export function writeUsageCsv(file: string, usage: Map<string, Usage>): void {
  const ids = [...usage.keys()].sort(compareIds);
  writeCsv(file, ['id', 'usage'], ids.map((id) => [id, usage.get(id)!]));
}

/** Removes a generated folder before writing it again (only when asked: `--force`). */
export function clearDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
}

