/**
 * The numeric JSON fast path: on every document it accepts it gives exactly JSON.parse's numbers
 * (bit for bit), and it declines (undefined) everything else, so the caller's JSON.parse path
 * explains the problem. Stabilization truths with bad motion.json files still get their messages.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanNumericJsonObject, type NumericJsonValue } from '../../src/formats/numeric-json.js';
import { readStabilizationTruth } from '../../src/tasks/stabilization/truth.js';
import { mulberry32 } from '../../src/random.js';
import { formatProblem, type ValidationError } from '../../src/problems.js';

const scan = (text: string) => scanNumericJsonObject(Buffer.from(text, 'utf8'));
/** What the fast path should give, computed from JSON.parse. */
function expected(text: string): Map<string, NumericJsonValue> {
  const doc = JSON.parse(text) as Record<string, number | number[] | number[][]>;
  return new Map(Object.entries(doc).map(([k, v]): [string, NumericJsonValue] => {
    if (typeof v === 'number') return [k, v];
    if (v.length > 0 && Array.isArray(v[0])) return [k, { shape: [v.length, (v[0] as number[]).length], data: Float64Array.from((v as number[][]).flat()) }];
    return [k, { shape: [v.length], data: Float64Array.from(v as number[]) }];
  }));
}
const sameBits = (a: Map<string, NumericJsonValue> | undefined, b: Map<string, NumericJsonValue>) =>
  a !== undefined && a.size === b.size && [...b].every(([k, v]) => {
    const w = a.get(k);
    if (typeof v === 'number') return Object.is(w, v);
    return typeof w === 'object' && w.shape.join() === v.shape.join() && w.data.every((x, i) => Object.is(x, v.data[i]));
  });

describe('numeric JSON fast path', () => {
  it('gives JSON.parse\'s numbers bit for bit, whitespace and all', () => {
    const rand = mulberry32(7);
    for (let k = 0; k < 300; k++) {
      const rows = Math.floor(rand() * 5) + 1, cols = Math.floor(rand() * 10);
      const m = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (rand() - 0.5) * 10 ** (Math.floor(rand() * 40) - 20)));
      const text = JSON.stringify({ width: 320, height: 240.5, frames: -3e-7, background: m, flat: m[0], empty: [] }, null, k % 3 === 0 ? 2 : undefined);
      expect(sameBits(scan(text), expected(text)), text.slice(0, 200)).toBe(true);
    }
    expect(sameBits(scan(' {"a": 1, "a": 2}\n'), new Map([['a', 2]]))).toBe(true); // the last repeat wins, as in JSON.parse
    expect(sameBits(scan('{}'), new Map())).toBe(true);
  });

  it('declines every other shape and every syntax error', () => {
    for (const text of [
      '', '[]', '1', '\uFEFF{"a": 1}', '{"a": "x"}', '{"a": null}', '{"a": {"b": 1}}', '{"a": [[[1]]]}', '{"a": [[1, 2], [3]]}',
      '{"a": [1, [2]]}', '{"a": [[1], 2]}', '{"a\\"b": 1}', '{"é": 1}', '{"a": 1,}', '{"a": [1,]}', '{"a": 1} x', '{"a" 1}',
      '{"a": +1}', '{"a": .5}', '{"a": 5.}', '{"a": 01}', '{"a": 1e}', '{"a": -}', '{"a": NaN}', '{"a": Infinity}', '{"a": 1',
      `{"${'k'.repeat(300)}": 1}`,
    ]) {
      expect(scan(text), text).toBeUndefined();
    }
  });

  it('leaves the problems of a bad motion.json to the JSON.parse path, with their messages', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numeric-json-'));
    try {
      const frame = [1, 0, 2, 0, 1, 3, 0, 0, 1];
      const write = (id: string, doc: string) => {
        fs.mkdirSync(path.join(dir, id));
        fs.writeFileSync(path.join(dir, id, 'motion.json'), doc);
      };
      write('good', JSON.stringify({ width: 32, height: 24, frames: 16, background: Array(15).fill(frame) }));
      write('ragged', JSON.stringify({ width: 32, height: 24, frames: 16, background: [...Array(14).fill(frame), [1, 2]] }));
      write('short', JSON.stringify({ width: 32, height: 24, frames: 16, background: Array(14).fill(frame) }));
      write('broken', '{"width": 32, "height": 24, "frames": 16, "background": [');
      fs.writeFileSync(path.join(dir, 'clips.csv'), 'id,usage\ngood,Public\nragged,Public\nshort,Private\nbroken,Private\n');
      const error = await readStabilizationTruth(dir).then(() => '', (e: ValidationError) => e.problems.map(formatProblem).join('\n'));
      expect(error).toContain('clip ragged, frame 14: background[14] must be 9 numbers');
      expect(error).toContain('clip short: "background" must hold frames - 1 = 15 matrices');
      expect(error).toContain('broken/motion.json: not valid JSON');
      expect(error).not.toContain('good');
      fs.writeFileSync(path.join(dir, 'clips.csv'), 'id,usage\ngood,Public\n');
      const truth = await readStabilizationTruth(dir);
      expect([...truth.clips[0]!.background.subarray(0, 9)]).toEqual(frame);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
