/** The worker-thread path of scan.ts gives the same numbers and the same problems as in-process. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encodePng, VOC_PALETTE } from '../../src/formats/png.js';
import { writeZip } from '../../src/formats/zip.js';
import { ValidationError } from '../../src/problems.js';
import { task } from '../../src/tasks/segmentation/index.js';
import { workerCount } from '../../src/tasks/segmentation/scan.js';
import { fixture } from '../helpers/cli.js';

const voc40 = fixture('seg/voc40');
const expected = JSON.parse(fs.readFileSync(path.join(voc40, 'expected.json'), 'utf8'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-seg-workers-'));
const saved = process.env.PODIUM_WORKERS;
afterEach(() => {
  if (saved === undefined) delete process.env.PODIUM_WORKERS;
  else process.env.PODIUM_WORKERS = saved;
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('worker threads', () => {
  it('are used for large sets only, and PODIUM_WORKERS overrides', () => {
    delete process.env.PODIUM_WORKERS;
    expect(workerCount(10)).toBe(0);
    process.env.PODIUM_WORKERS = '3';
    expect(workerCount(10)).toBe(3);
  });
  it('reproduce the numpy numbers from a folder and from a zip', async () => {
    process.env.PODIUM_WORKERS = '2';
    const zip = path.join(tmp, 'sub.zip');
    const dir = path.join(voc40, 'submission');
    await writeZip(zip, fs.readdirSync(dir).map((f) => ({ name: f, data: fs.readFileSync(path.join(dir, f)) })));
    for (const submission of [dir, zip]) {
      const { report } = await task.evaluate(path.join(voc40, 'truth'), submission);
      for (const [name, value] of Object.entries(expected.metrics as Record<string, number>)) {
        expect(Math.abs((report.metrics[name] as number) - value)).toBeLessThan(1e-12);
      }
    }
  });
  it('report problems found inside a worker, in truth order', async () => {
    const truth = path.join(tmp, 'truth');
    const sub = path.join(tmp, 'sub');
    fs.mkdirSync(truth);
    fs.mkdirSync(sub);
    const png = (labels: Uint8Array, w = 4, h = 3) => encodePng({ width: w, height: h, colorType: 'palette', palette: VOC_PALETTE, data: labels });
    for (const id of ['a', 'b', 'c', 'd']) fs.writeFileSync(path.join(truth, `${id}.png`), png(new Uint8Array(12)));
    fs.writeFileSync(path.join(sub, 'a.png'), png(new Uint8Array(12).fill(30)));
    fs.writeFileSync(path.join(sub, 'b.png'), 'broken');
    fs.writeFileSync(path.join(sub, 'c.png'), png(new Uint8Array(15), 5, 3));
    fs.writeFileSync(path.join(sub, 'd.png'), png(new Uint8Array(12)));
    process.env.PODIUM_WORKERS = '2';
    const error = await task.validate(truth, sub).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => `${p.file}: ${p.message}`)).toEqual([
      'sub/a.png: label 30 at 12 pixel(s) is not a class (expected 0..20)',
      'sub/b.png: corrupt or unsupported PNG: not a PNG file (bad signature)',
      'sub/c.png: mask is 5 x 3, the truth truth/c.png is 4 x 3',
    ]);
  });
});
