/**
 * isl-mini (generated) and the In Silico Labeling importer (real crops in test/fixtures/isl-real):
 * same seed -> byte-identical files; the promised layout, physics and checkerboard; the task
 * scores what they write.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePngSamples } from '../../src/formats/png.js';
import { encodePng } from '../../src/formats/png.js';
import { generateIslMini, ISL_CHANNELS, ISL_DEPTHS, depthFile } from '../../src/datasets/isl-generate.js';
import { importIsl, parseIslName } from '../../src/datasets/isl-import.js';
import { definition } from '../../src/tasks/fluorescence/index.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';
import { ValidationError } from '../../src/problems.js';
import { fixture } from '../helpers/cli.js';
import { readCsvRows, readTree, tempRoot } from './tmp.js';

const task = taskFromDefinition(definition);

const tmp = tempRoot('isl');
const sizes = { trainExamples: 4, testExamples: 6 };

function expectSameTree(a: string, b: string): void {
  const ta = readTree(a);
  const tb = readTree(b);
  expect([...ta.keys()]).toEqual([...tb.keys()]);
  for (const [k, v] of ta) expect(Buffer.compare(Buffer.from(v), Buffer.from(tb.get(k)!)), k).toBe(0);
}

const samples = (file: string) => decodePngSamples(fs.readFileSync(file), file);

describe('isl-mini', () => {
  const a = path.join(tmp, 'a');
  const b = path.join(tmp, 'b');
  const c = path.join(tmp, 'c');

  it('is byte-identical for the same seed and differs for another', async () => {
    await generateIslMini(a, { seed: 5, sizes });
    await generateIslMini(b, { seed: 5, sizes });
    await generateIslMini(c, { seed: 6, sizes });
    expectSameTree(a, b);
    expect(fs.readFileSync(path.join(a, 'test/inputs/test-0001/z00.png')).equals(fs.readFileSync(path.join(c, 'test/inputs/test-0001/z00.png')))).toBe(false);
  });

  it('writes 13-depth 16-bit z-stacks, two conditions, and a checkerboard of labels in train and test', () => {
    for (const split of ['train', 'test']) {
      const rows = readCsvRows(path.join(a, split, 'examples.csv'));
      expect(rows[0]).toEqual(split === 'test' ? ['id', 'condition', 'usage'] : ['id', 'condition']);
      expect(new Set(rows.slice(1).map((r) => r[1]))).toEqual(new Set(['phase_contrast', 'bright_field']));
      let missing = 0;
      for (const [id] of rows.slice(1)) {
        const inputs = fs.readdirSync(path.join(a, split, 'inputs', id!)).sort();
        expect(inputs).toEqual(Array.from({ length: ISL_DEPTHS }, (_, z) => depthFile(z)));
        const z0 = samples(path.join(a, split, 'inputs', id!, 'z00.png'));
        expect([z0.width, z0.height, z0.bitDepth, z0.colorType]).toEqual([64, 64, 16, 'gray']);
        const targets = fs.readdirSync(path.join(a, split, 'targets', id!));
        expect(targets).toContain('DAPI.png');
        missing += ISL_CHANNELS.length - targets.length;
      }
      expect(missing, `${split} has missing labels`).toBeGreaterThan(0);
    }
    expect(readCsvRows(path.join(a, 'test', 'examples.csv')).slice(1).map((r) => r[2]).sort()).toEqual([...Array(4).fill('Private'), ...Array(2).fill('Public')]);
  });

  it('transport of intensity: bright-field contrast reverses through focus, and nearly vanishes in focus', () => {
    const rows = readCsvRows(path.join(a, 'train', 'examples.csv')).slice(1);
    const [id] = rows.find((r) => r[1] === 'bright_field')!;
    const stack = Array.from({ length: ISL_DEPTHS }, (_, z) => Float64Array.from(samples(path.join(a, 'train', 'inputs', id!, depthFile(z))).data));
    const dapi = samples(path.join(a, 'train', 'targets', id!, 'DAPI.png')).data;
    // Correlation of (z - focus) images with the nuclei: opposite signs above and below focus.
    const corr = (x: Float64Array) => {
      const n = x.length;
      let mx = 0, my = 0;
      for (let i = 0; i < n; i++) (mx += x[i]!, my += dapi[i]!);
      mx /= n;
      my /= n;
      let sxy = 0, sxx = 0, syy = 0;
      for (let i = 0; i < n; i++) (sxy += (x[i]! - mx) * (dapi[i]! - my), sxx += (x[i]! - mx) ** 2, syy += (dapi[i]! - my) ** 2);
      return sxy / Math.sqrt(sxx * syy);
    };
    const below = corr(stack[1]!);
    const above = corr(stack[11]!);
    expect(Math.sign(below)).toBe(-Math.sign(above));
    expect(Math.abs(corr(stack[6]!))).toBeLessThan(Math.min(Math.abs(below), Math.abs(above)));
  });

  it('scores its sample submission through the task; a perfect submission gets r = 1', async () => {
    const { report } = await task.evaluate(path.join(a, 'test'), path.join(a, 'sample_submission.zip'), { options: { channels: [...ISL_CHANNELS] } });
    expect(report.examples).toBe(6);
    expect(Object.keys(report.per_condition as object).sort()).toEqual(['bright_field', 'phase_contrast']);
    const perfect = path.join(tmp, 'perfect');
    for (const id of fs.readdirSync(path.join(a, 'test', 'targets'))) {
      for (const channel of ISL_CHANNELS) {
        const truthFile = path.join(a, 'test', 'targets', id, `${channel}.png`);
        const out = path.join(perfect, id, `${channel}.png`);
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out, fs.existsSync(truthFile) ? fs.readFileSync(truthFile) : encodePng({ width: 64, height: 64, colorType: 'gray', data: new Uint8Array(64 * 64) }));
      }
    }
    const best = (await task.evaluate(path.join(a, 'test'), perfect)).report.metrics;
    expect(best.mean_pearson).toBe(1);
    expect(best.mean_mae).toBe(0);
  });
});

describe('In Silico Labeling importer (crops of the real Condition B well)', () => {
  const src = fixture('isl-real');
  const dest = path.join(tmp, 'isl-real');

  it('parses the data set file names', () => {
    const attrs = parseIslName('lab-FINKBEINER,condition-KEVAN_0_8,acquisition_date,year-2015,well-A4,z_depth-12,channel-PHASE_CONTRAST,is_mask-false.png')!;
    expect(attrs.get('condition')).toBe('KEVAN_0_8');
    expect(attrs.get('z_depth')).toBe('12');
    expect(attrs.get('acquisition_date')).toBe('');
    expect(parseIslName('notes.png')).toBeUndefined();
  });

  it('imports the layout as it is: 2 examples, 13 depths each, 3 labels, attribution kept', async () => {
    const summary = await importIsl(src, dest, 1);
    expect(summary).toMatchObject({ examples: 2, inputs: 26, targets: 6, channels: 'DAPI_CONFOCAL MAP2_CONFOCAL NFH_CONFOCAL', masksSkipped: 0 });
    expect(fs.readdirSync(path.join(dest, 'test', 'inputs', 'KEVAN_0_8-A4')).sort()).toEqual(Array.from({ length: 13 }, (_, z) => depthFile(z)));
    expect(fs.readFileSync(path.join(dest, 'source', 'README.md'), 'utf8')).toMatch(/CC BY 4\.0/);
    expect(readCsvRows(path.join(dest, 'test', 'examples.csv'))[0]).toEqual(['id', 'condition', 'usage']);
    // byte for byte
    const original = fs.readdirSync(path.join(src, 'Finkbeiner/kevan_0_8')).find((f) => f.includes('well-A4') && f.includes('z_depth-7,'))!;
    expect(fs.readFileSync(path.join(dest, 'test/inputs/KEVAN_0_8-A4/z07.png')).equals(fs.readFileSync(path.join(src, 'Finkbeiner/kevan_0_8', original)))).toBe(true);
    expect(fs.existsSync(path.join(dest, 'challenge.yaml'))).toBe(true);
  });

  it('the imported truth scores: the in-focus phase image as every label', async () => {
    const sub = path.join(tmp, 'real-sub');
    for (const id of ['KEVAN_0_8-A4', 'KEVAN_0_8-A5']) {
      fs.mkdirSync(path.join(sub, id), { recursive: true });
      for (const c of ['DAPI_CONFOCAL', 'MAP2_CONFOCAL', 'NFH_CONFOCAL']) fs.copyFileSync(path.join(dest, 'test/inputs', id, 'z06.png'), path.join(sub, id, `${c}.png`));
    }
    const { report } = await task.evaluate(path.join(dest, 'test'), sub);
    expect(report.channels).toEqual(['DAPI_CONFOCAL', 'MAP2_CONFOCAL', 'NFH_CONFOCAL']);
    expect(report.metrics.mean_pearson).toBeTypeOf('number');
    expect(Math.abs(report.metrics.mean_pearson!)).toBeLessThan(0.5);
  });

  it('names the file for a colour image and for a name outside the convention', async () => {
    const bad = path.join(tmp, 'bad-src');
    fs.cpSync(src, bad, { recursive: true });
    const dir = path.join(bad, 'Finkbeiner/kevan_0_8');
    const dapi = fs.readdirSync(dir).find((f) => f.includes('well-A4') && f.includes('DAPI'))!;
    fs.writeFileSync(path.join(dir, dapi), encodePng({ width: 4, height: 4, colorType: 'rgb', data: new Uint8Array(48) }));
    fs.writeFileSync(path.join(dir, 'snapshot.png'), encodePng({ width: 4, height: 4, colorType: 'gray', data: new Uint8Array(16) }));
    const err = await importIsl(bad, path.join(tmp, 'bad-dest'), 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).problems.map((p) => `${p.file}: ${p.message}`)).toEqual([
      'Finkbeiner/kevan_0_8/snapshot.png: file name does not follow the data set convention (comma-separated key-value attributes with channel-NAME)',
    ]);
    fs.rmSync(path.join(dir, 'snapshot.png'));
    const err2 = await importIsl(bad, path.join(tmp, 'bad-dest'), 1).catch((e: unknown) => e);
    expect((err2 as ValidationError).problems.map((p) => `${p.file}: ${p.message}`)).toEqual([`Finkbeiner/kevan_0_8/${dapi}: expected an 8- or 16-bit grayscale PNG, found 8-bit rgb`]);
  });
});
