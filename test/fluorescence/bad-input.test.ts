import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../src/formats/png.js';
import { writeZip } from '../../src/formats/zip.js';
import { definition } from '../../src/tasks/fluorescence/index.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';
import { ValidationError, formatProblem } from '../../src/problems.js';
import { podium } from '../helpers/cli.js';

const task = taskFromDefinition(definition);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'isl-bad-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const gray16 = (w: number, h: number, seed = 1) => encodePng({ width: w, height: h, colorType: 'gray', data: Uint16Array.from({ length: w * h }, (_, i) => (i * 7919 * seed) % 65536) });

/** A truth of two examples (a: DAPI + MAP2, b: DAPI only) and a complete, valid submission. */
function setup(name: string) {
  const truth = path.join(tmp, name, 'truth');
  const sub = path.join(tmp, name, 'sub');
  for (const [id, channels] of [['a', ['DAPI', 'MAP2']], ['b', ['DAPI']]] as const) {
    fs.mkdirSync(path.join(truth, 'targets', id), { recursive: true });
    fs.mkdirSync(path.join(sub, id), { recursive: true });
    for (const c of channels) fs.writeFileSync(path.join(truth, 'targets', id, `${c}.png`), gray16(8, 6));
    for (const c of ['DAPI', 'MAP2']) fs.writeFileSync(path.join(sub, id, `${c}.png`), gray16(8, 6, 3));
  }
  fs.writeFileSync(path.join(truth, 'examples.csv'), 'id,usage\na,Public\nb,Private\n');
  return { truth, sub };
}

async function problemsOf(truth: string, sub: string): Promise<string[]> {
  try {
    await task.evaluate(truth, sub);
  } catch (e) {
    if (e instanceof ValidationError) return e.problems.map((p) => formatProblem(p));
    throw e;
  }
  return [];
}

describe('fluorescence bad input: clear errors naming the file', () => {
  it('the valid setup scores; b has no MAP2, and its MAP2 prediction is not read', async () => {
    const { truth, sub } = setup('ok');
    fs.writeFileSync(path.join(sub, 'b', 'MAP2.png'), 'not even a png'); // ignored: the label was not acquired
    const { report } = await task.evaluate(truth, sub);
    expect(report.pairs).toBe(3);
    expect(report.channels).toEqual(['DAPI', 'MAP2']);
  });
  it('size mismatch', async () => {
    const { truth, sub } = setup('size');
    fs.writeFileSync(path.join(sub, 'a', 'DAPI.png'), gray16(9, 6));
    expect(await problemsOf(truth, sub)).toEqual(['sub/a/DAPI.png: is 9 x 6; the truth image is 8 x 6']);
  });
  it('colour PNG', async () => {
    const { truth, sub } = setup('colour');
    fs.writeFileSync(path.join(sub, 'a', 'MAP2.png'), encodePng({ width: 8, height: 6, colorType: 'rgb', data: new Uint8Array(8 * 6 * 3) }));
    expect(await problemsOf(truth, sub)).toEqual(['sub/a/MAP2.png: is a rgb PNG; label images are grayscale (one 8- or 16-bit sample a pixel)']);
  });
  it('missing prediction, unknown example, unknown channel, stray file', async () => {
    const { truth, sub } = setup('names');
    fs.rmSync(path.join(sub, 'b', 'DAPI.png'));
    fs.mkdirSync(path.join(sub, 'zz'));
    fs.writeFileSync(path.join(sub, 'zz', 'DAPI.png'), gray16(8, 6));
    fs.writeFileSync(path.join(sub, 'a', 'NFH.png'), gray16(8, 6));
    fs.writeFileSync(path.join(sub, 'notes.txt'), 'hi');
    expect((await problemsOf(truth, sub)).sort()).toEqual([
      'sub/a/NFH.png: unknown channel "NFH"; expected one of DAPI, MAP2',
      'sub/b/DAPI.png: missing prediction',
      'sub/notes.txt: unexpected file; a submission holds <id>/<CHANNEL>.png only',
      'sub/zz/DAPI.png: unknown example "zz"; the truth has no such id',
    ]);
  });
  it('the same names from a zip', async () => {
    const { truth } = setup('zip');
    const zip = path.join(tmp, 'zip', 'sub.zip');
    await writeZip(zip, [{ name: 'a/DAPI.png', data: gray16(8, 6) }, { name: 'a/MAP2.png', data: gray16(8, 5) }, { name: 'b/DAPI.png', data: gray16(8, 6) }, { name: 'c/DAPI.png', data: gray16(8, 6) }]);
    expect((await problemsOf(truth, zip)).sort()).toEqual([
      'sub.zip/b/MAP2.png: missing prediction',
      'sub.zip/c/DAPI.png: unknown example "c"; the truth has no such id',
    ]);
    await writeZip(zip, [{ name: 'a/DAPI.png', data: gray16(8, 6) }, { name: 'a/MAP2.png', data: gray16(8, 5) }, { name: 'b/DAPI.png', data: gray16(8, 6) }, { name: 'b/MAP2.png', data: gray16(8, 6) }]);
    expect(await problemsOf(truth, zip)).toEqual(['sub.zip/a/MAP2.png: is 8 x 5; the truth image is 8 x 6']);
  });
  it('a corrupt prediction and a 4-bit one', async () => {
    const { truth, sub } = setup('corrupt');
    const good = gray16(8, 6);
    fs.writeFileSync(path.join(sub, 'a', 'DAPI.png'), good.subarray(0, good.length - 20));
    const fourBit = Buffer.from(encodePng({ width: 8, height: 6, colorType: 'gray', data: new Uint8Array(48) }));
    fourBit[24] = 4; // IHDR bit depth; then its CRC
    fourBit.writeUInt32BE(zlib.crc32(fourBit.subarray(12, 29)), 29);
    fs.writeFileSync(path.join(sub, 'b', 'DAPI.png'), fourBit);
    expect(await problemsOf(truth, sub)).toEqual([
      expect.stringMatching(/^sub\/a\/DAPI\.png: corrupt PNG: truncated file/),
      'sub/b/DAPI.png: is a 4-bit grayscale PNG; expected 8- or 16-bit',
    ]);
  });
  it('truth problems name the truth file', async () => {
    const { truth, sub } = setup('truth');
    fs.writeFileSync(path.join(truth, 'targets', 'a', 'MAP2.png'), encodePng({ width: 8, height: 6, colorType: 'palette', palette: new Uint8Array(6), data: new Uint8Array(48) }));
    expect(await problemsOf(truth, sub)).toEqual(['truth/targets/a/MAP2.png: is a palette PNG; label images are grayscale (one 8- or 16-bit sample a pixel)']);
    fs.writeFileSync(path.join(truth, 'examples.csv'), 'id,usage\na,Public\nb,Sometimes\n');
    expect(await problemsOf(truth, sub)).toEqual(['truth/examples.csv, line 3, column usage: "Sometimes" is not Public, Private or Ignored']);
    fs.writeFileSync(path.join(truth, 'examples.csv'), 'id,usage\na,Public\n');
    expect(await problemsOf(truth, sub)).toEqual(['truth/targets/b: example "b" is not listed in examples.csv']);
  });
  it('the CLI exits 2 with one line naming the file', () => {
    const { truth, sub } = setup('cli');
    fs.writeFileSync(path.join(sub, 'a', 'DAPI.png'), gray16(9, 6));
    const r = podium(['evaluate', '--task', 'fluorescence', '--truth', truth, '--submission', sub]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/sub\/a\/DAPI\.png: is 9 x 6; the truth image is 8 x 6/);
  });
});
