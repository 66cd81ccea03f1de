/** Segmentation spread over scoring threads gives the same numbers and the same problems as in-process. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePng, VOC_PALETTE } from '../../src/formats/png.js';
import { writeZip } from '../../src/formats/zip.js';
import { ValidationError } from '../../src/problems.js';
import { definition } from '../../src/tasks/segmentation/index.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';
import { threadsFor } from '../../src/scoring/produce.js';
import { fixture } from '../helpers/cli.js';

const voc40 = fixture('seg/voc40');
const expected = JSON.parse(fs.readFileSync(path.join(voc40, 'expected.json'), 'utf8'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-seg-workers-'));
/** Threads even for a handful of images, so the thread path is what is tested. */
const threaded = taskFromDefinition({ ...definition, minUnitsForThreads: 1 });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('worker threads', () => {
  it('are used for large sets only, and only when the caller asks', () => {
    expect(threadsFor(definition, 10, { threads: 3 })).toBe(1);
    // VOC val (1,449 masks) on one thread: a second did not pay at that size (bench/segmentation).
    expect(threadsFor(definition, 1449, { threads: 3 })).toBe(1);
    expect(threadsFor(definition, 6000, { threads: 3 })).toBe(2);
    expect(threadsFor(definition, 9000, { threads: 3 })).toBe(3);
    expect(threadsFor(definition, 9000, {})).toBe(1);
  });
  it('reproduce the numpy numbers from a folder and from a zip', async () => {
    const zip = path.join(tmp, 'sub.zip');
    const dir = path.join(voc40, 'submission');
    await writeZip(zip, fs.readdirSync(dir).map((f) => ({ name: f, data: fs.readFileSync(path.join(dir, f)) })));
    for (const submission of [dir, zip]) {
      const { report } = await threaded.evaluate(path.join(voc40, 'truth'), submission, { threads: 2 });
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
    const error = await threaded.validate(truth, sub, { threads: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => `${p.file}: ${p.message}`)).toEqual([
      'sub/a.png: label 30 at 12 pixel(s) is not a class (expected 0..20)',
      'sub/b.png: corrupt or unsupported PNG: not a PNG file (bad signature)',
      'sub/c.png: mask is 5 x 3, the truth truth/c.png is 4 x 3',
    ]);
  });
});
