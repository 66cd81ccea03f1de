/** Every kind of bad stabilization input gives a one-line error naming file, clip, frame and line (header = line 1). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/problems.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';
import { definition } from '../../src/tasks/stabilization/index.js';
import { podium } from '../helpers/cli.js';

const task = taskFromDefinition(definition);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-stab-bad-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const FRAMES = 16;

function makeTruth(name: string, frames = FRAMES, clips = ['a', 'b']): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'clips.csv'), `id,usage\n${clips.map((c, i) => `${c},${i % 2 ? 'Private' : 'Public'}`).join('\n')}\n`);
  for (const c of clips) {
    fs.mkdirSync(path.join(dir, c));
    const background = Array.from({ length: frames - 1 }, (_, t) => [1, 0, Math.sin(t), 0, 1, Math.cos(t), 0, 0, 1]);
    fs.writeFileSync(path.join(dir, c, 'motion.json'), JSON.stringify({ width: 32, height: 24, frames, background }));
  }
  return dir;
}
const truth = makeTruth('truth');

const HEADER = 'clip,frame,h00,h01,h02,h10,h11,h12,h20,h21,h22';
function goodRows(): string[] {
  const rows: string[] = [];
  for (const c of ['a', 'b']) for (let t = 0; t < FRAMES; t++) rows.push(`${c},${t},1,0,${0.1 * t},0,1,0,0,0,1`);
  return rows;
}
let n = 0;
function csv(edit: (rows: string[]) => string[] = (r) => r, header = HEADER): string {
  const file = path.join(tmp, `sub${n++}.csv`);
  fs.writeFileSync(file, [header, ...edit(goodRows())].join('\n') + '\n');
  return file;
}

async function problems(submission: string, truthDir = truth): Promise<string[]> {
  try {
    await task.validate(truthDir, submission);
  } catch (e) {
    if (e instanceof ValidationError) return e.problems.map((p) => `${path.basename(p.file)}${p.line !== undefined ? ` line ${p.line}` : ''}${p.column ? ` column ${p.column}` : ''}: ${p.message}`);
    throw e;
  }
  return [];
}

const replace = (row: number, text: string) => (rows: string[]) => rows.map((r, i) => (i === row - 1 ? text : r));

describe('stabilization bad input', () => {
  it('accepts the good file, also quoted and CRLF (general reader)', async () => {
    expect(await problems(csv())).toEqual([]);
    const quoted = csv((rows) => rows.map((r) => r.replace(/^(\w+),/, '"$1",')));
    expect(await problems(quoted)).toEqual([]);
    const a = (await task.evaluate(truth, csv())).report.metrics;
    const b = (await task.evaluate(truth, quoted)).report.metrics;
    expect(b).toEqual(a);
    const crlf = path.join(tmp, 'crlf.csv');
    fs.writeFileSync(crlf, '\uFEFF' + [HEADER, ...goodRows()].join('\r\n'));
    expect((await task.evaluate(truth, crlf)).report.metrics).toEqual(a);
  });

  it('names clip and frames for a missing frame', async () => {
    const p = await problems(csv((rows) => rows.filter((_, i) => i !== 3 && i !== 5)));
    expect(p).toEqual([expect.stringMatching(/clip a: no row for frames 3, 5; every frame 0\.\.15 needs S_t/)]);
  });

  it('names clip, frame and row for a singular matrix, a zero h22 and non-finite entries', async () => {
    expect(await problems(csv(replace(2, 'a,1,1,2,0,2,4,0,0,0,1')))).toEqual([expect.stringMatching(/line 3: clip a, frame 1: the matrix is singular/)]);
    expect(await problems(csv(replace(3, 'a,2,1,0,0,0,1,0,0,0,0')))).toEqual([expect.stringMatching(/line 4 column h22: clip a, frame 2: h22 is 0/)]);
    expect(await problems(csv(replace(17, 'b,0,1,0,NaN,0,1,0,0,0,1')))).toEqual([expect.stringMatching(/line 18 column h02: clip b, frame 0: h02 must be a finite number, found "NaN"/)]);
    expect(await problems(csv(replace(18, 'b,1,1,0,1e999,0,1,0,0,0,1')))).toEqual([expect.stringMatching(/line 19 column h02: clip b, frame 1: h02 must be a finite number, found "1e999"/)]);
    expect(await problems(csv(replace(19, 'b,2,1,0,,0,1,0,0,0,1')))).toEqual([expect.stringMatching(/line 20 column h02: clip b, frame 2: h02 must be a finite number, found an empty field/)]);
  });

  it('unknown clip, frame out of range, duplicate, column count, header', async () => {
    expect(await problems(csv((r) => [...r, 'zz,0,1,0,0,0,1,0,0,0,1']))).toEqual([expect.stringMatching(/line 34 column clip: clip "zz" is not a clip of the truth/)]);
    expect(await problems(csv((r) => [...r, 'a,16,1,0,0,0,1,0,0,0,1']))).toEqual([expect.stringMatching(/line 34 column frame: clip a: frame "16" is not a frame index 0\.\.15/)]);
    expect(await problems(csv((r) => [...r, 'a,1.5,1,0,0,0,1,0,0,0,1']))).toEqual([expect.stringMatching(/frame "1\.5" is not a frame index/)]);
    expect(await problems(csv((r) => [...r, 'a,4,1,0,0,0,1,0,0,0,1']))).toEqual([expect.stringMatching(/line 34 column frame: clip a, frame 4: duplicate \(first given at line 6\)/)]);
    expect(await problems(csv((r) => [...r, 'a,4,1,0,0']))).toEqual([expect.stringMatching(/line 34: expected 11 columns/)]);
    expect(await problems(csv((r) => r, 'clip,frame,h00'))).toEqual([expect.stringMatching(/line 1: header must be "clip,frame,h00,h01/)]);
  });

  it('numbers lines the same on the byte path and the general reader (quoted fields), blank lines counted', async () => {
    const bad = (rows: string[]) => [rows[0]!, '', ...rows.slice(1, 20), 'a,4,1,0,0,0,1,0,0,0,1', 'zz,0,1,0,0,0,1,0,0,0,1', 'a,3,1,0,x,0,1,0,0,0,1', ...rows.slice(20)];
    const plain = await problems(csv(bad));
    const quoted = await problems(csv((rows) => bad(rows).map((r) => r.replace(/^(\w+),/, '"$1",'))));
    expect(plain).toEqual([
      expect.stringMatching(/line 23 column frame: clip a, frame 4: duplicate \(first given at line 7\)/),
      expect.stringMatching(/line 24 column clip: clip "zz" is not a clip of the truth/),
      expect.stringMatching(/line 25 column frame: clip a, frame 3: duplicate \(first given at line 6\)/),
    ]);
    const noFile = (list: string[]) => list.map((t) => t.replace(/^\S+ /, ''));
    expect(noFile(quoted)).toEqual(noFile(plain));
  });

  it('a truth clip under 16 frames is an error naming the clip', async () => {
    const short = makeTruth('short', 15);
    expect(await problems(csv(), short)).toEqual([expect.stringMatching(/motion.json: clip a has 15 frames; stability needs at least 16/), expect.stringMatching(/clip b has 15 frames/)]);
  });

  it('exits 2 with one line from the command, no stack trace', () => {
    const r = podium(['evaluate', '--task', 'stabilization', '--truth', truth, '--submission', csv(replace(2, 'a,1,1,2,0,2,4,0,0,0,1'))]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/line 3: clip a, frame 1: the matrix is singular/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});
