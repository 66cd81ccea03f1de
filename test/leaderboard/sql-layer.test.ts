/** All SQL lives in the store layer: no other leaderboard file writes a statement. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const STORE_LAYER = new Set(['db.ts', 'postgres.ts', 'sql.ts', 'store.ts', 'picks.ts', 'queue.ts']);
const STATEMENT = /\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)|\.prepare\()/;

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []);
}

describe('the store layer', () => {
  it('holds every SQL statement of the leaderboard', () => {
    const root = path.resolve('src/leaderboard');
    const offenders = files(root)
      .filter((f) => !(path.dirname(f) === root && STORE_LAYER.has(path.basename(f))))
      .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').flatMap((line, i) => (STATEMENT.test(line) ? [`${path.relative(root, f)}:${i + 1}: ${line.trim()}`] : [])));
    expect(offenders).toEqual([]);
    // And the check can fail: the store itself is full of statements.
    expect(STATEMENT.test(fs.readFileSync(path.join(root, 'store.ts'), 'utf8'))).toBe(true);
  });
});
