/** Where podium's own folders are: found from the installed package, so any working directory works. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The package root: the folder holding package.json (works from src/ under vitest and from dist/). */
export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${import.meta.url}`);
    dir = up;
  }
  return (root = dir);
}

/** Generated and imported data sets, weights and the default database live here. */
export function dataRoot(): string {
  return process.env.PODIUM_DATA ? path.resolve(process.env.PODIUM_DATA) : path.join(packageRoot(), 'data');
}
