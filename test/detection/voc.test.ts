/**
 * VOC detection: the 150-image fixture against the devkit's numbers (VOCevaldet.m in Octave),
 * from CSV, a folder and a zip of devkit files; and hand-worked cases for difficult objects,
 * the +1 pixel convention, duplicates, ties, equal overlaps and the 11-point thresholds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { areaAp, elevenPointAp, vocEvaluator } from '../../src/evaluators/voc-detection.js';
import { writeZip } from '../../src/formats/zip.js';
import { definition } from '../../src/tasks/detection/index.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';

const task = taskFromDefinition(definition);
import { fixture } from '../helpers/cli.js';
import { tempDir, writeVocCsv, writeVocTruth } from './tmp.js';

const TOLERANCE = 1e-12;
const expected = JSON.parse(fs.readFileSync(fixture('voc/expected.json'), 'utf8'));

function expectClose(actual: Record<string, unknown>, wanted: Record<string, number>): void {
  for (const [k, v] of Object.entries(wanted)) {
    expect(typeof actual[k], k).toBe('number');
    expect(Math.abs((actual[k] as number) - v), `${k}: ${actual[k]} vs ${v}`).toBeLessThanOrEqual(TOLERANCE);
  }
}

describe('VOC fixture against the devkit (Octave)', () => {
  const dir = tempDir('voc');
  const check = async (submission: string) => {
    const { report } = await task.evaluate(fixture('voc'), submission);
    expectClose(report.metrics, expected.metrics);
    expectClose(report.ap07 as Record<string, number>, expected.ap07);
    expectClose(report.ap as Record<string, number>, expected.ap);
  };
  it('from the CSV', () => check(fixture('voc/results.csv')));
  it('from a folder of comp3 files', () => check(fixture('voc/results')));
  it('from a zip of comp3 files', async () => {
    const zip = path.join(dir, 'results.zip');
    const files = fs.readdirSync(fixture('voc/results'));
    await writeZip(zip, files.map((f) => ({ name: `results/${f}`, data: fs.readFileSync(fixture('voc/results', f)) })));
    await check(zip);
  });
  it('mergeable: images scored in shards and merged give the same numbers', async () => {
    const { readVocFolder } = await import('../../src/formats/voc-xml.js');
    const { readVocCsv } = await import('../../src/formats/detection-csv.js');
    const truth = readVocFolder(fixture('voc'));
    const dets = await readVocCsv(fixture('voc/results.csv'), truth);
    const ev = vocEvaluator(truth.truth);
    const whole = ev.create();
    ev.add(whole, { detections: dets, images: truth.truth.imageIds.map((_, i) => i) });
    const shards = [0, 1, 2].map((s) => {
      const st = ev.create();
      ev.add(st, { detections: dets, images: truth.truth.imageIds.map((_, i) => i).filter((i) => i % 3 === s) });
      return st;
    });
    const merged = ev.merge([ev.merge([shards[2]!, shards[0]!]), shards[1]!]);
    expect(ev.finish(merged)).toEqual(ev.finish(whole));
  });
});

/** Scores a hand-made case; returns the metrics and per-class values of class "cat". */
async function score(images: Parameters<typeof writeVocTruth>[1], rows: Parameters<typeof writeVocCsv>[1]) {
  const dir = fs.mkdtempSync(path.join(tempRoot, 'case-'));
  writeVocTruth(dir, images);
  const { report } = await task.evaluate(dir, writeVocCsv(path.join(dir, 'sub.csv'), rows));
  return { ap07: (report.ap07 as Record<string, number | null>).cat, ap: (report.ap as Record<string, number | null>).cat, report };
}
const tempRoot = tempDir('cases');
/** 11-point AP of hand-derived precision values, added as the devkit does. */
const eleven = (p: number[]) => p.reduce((s, v) => s + v / 11, 0);
/** Eleven times 1/11 added in float64: the devkit's AP of a perfect class, 1.0000000000000002. */
const ONE_BY_ELEVEN = eleven(Array(11).fill(1));

describe('VOC hand-worked cases', () => {
  it('+1 convention: 10x5 of a 10x10 pixel box overlaps exactly 0.5 (TP); 10x4 is 0.4 (FP)', async () => {
    const truth = { a: [['cat', 1, 1, 10, 10]] as Array<[string, number, number, number, number]> };
    expect((await score(truth, [['a', 'cat', 0.9, 1, 1, 10, 5]])).ap07).toBe(ONE_BY_ELEVEN);
    expect((await score(truth, [['a', 'cat', 0.9, 1, 1, 10, 4]])).ap07).toBe(0);
  });

  it('difficult: a hit is neither TP nor FP, and difficult objects are not counted in npos', async () => {
    const truth = { a: [['cat', 1, 1, 10, 10, 1], ['cat', 21, 21, 30, 30]] as Array<[string, number, number, number, number, number?]> };
    // d1 on the difficult object (0/0 precision at the top, skipped as Octave's max skips NaN),
    // d2 TP, d3 FP: rec [1, 1], prec [1, 0.5] -> AP 1 in both rules (11 x 1/11 in float64).
    const r = await score(truth, [
      ['a', 'cat', 0.9, 1, 1, 10, 10],
      ['a', 'cat', 0.8, 21, 21, 30, 30],
      ['a', 'cat', 0.7, 50, 50, 60, 60],
    ]);
    expect(r.ap07).toBe(ONE_BY_ELEVEN);
    expect(r.ap).toBe(1);
  });

  it('a class whose only objects are difficult is left out of the mean (null)', async () => {
    const r = await score({ a: [['cat', 1, 1, 10, 10, 1], ['dog', 1, 1, 10, 10]] }, [['a', 'dog', 0.9, 1, 1, 10, 10]]);
    expect(r.ap07).toBeNull();
    expect(r.report.metrics).toEqual({ voc07_map: ONE_BY_ELEVEN, voc_map: 1 });
  });

  it('duplicates: the second detection of a used object is FP', async () => {
    const truth = { a: [['cat', 1, 1, 10, 10], ['cat', 31, 31, 40, 40]] as Array<[string, number, number, number, number]> };
    const r = await score(truth, [
      ['a', 'cat', 0.9, 1, 1, 10, 10],
      ['a', 'cat', 0.8, 1, 1, 10, 10],
      ['a', 'cat', 0.7, 31, 31, 40, 40],
    ]);
    // rec [.5, .5, 1], prec [1, .5, 2/3]
    expect(r.ap07).toBe(eleven([1, 1, 1, 1, 1, 1, 2 / 3, 2 / 3, 2 / 3, 2 / 3, 2 / 3]));
    expect(r.ap).toBe(0.5 * 1 + 0.5 * (2 / 3));
  });

  it('equal overlap with two identical objects: the first in the file wins every time', async () => {
    const truth = { a: [['cat', 1, 1, 10, 10], ['cat', 1, 1, 10, 10]] as Array<[string, number, number, number, number]> };
    const r = await score(truth, [
      ['a', 'cat', 0.9, 1, 1, 10, 10],
      ['a', 'cat', 0.8, 1, 1, 10, 10],
    ]);
    // The devkit's strict '>' keeps the first object, already used: TP then FP.
    expect(r.ap07).toBe(eleven([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]));
  });

  it('ties keep the submission order (stable sort)', async () => {
    const truth = { a: [['cat', 1, 1, 10, 10]] as Array<[string, number, number, number, number]> };
    const fpFirst = await score(truth, [['a', 'cat', 0.5, 50, 50, 60, 60], ['a', 'cat', 0.5, 1, 1, 10, 10]]);
    const tpFirst = await score(truth, [['a', 'cat', 0.5, 1, 1, 10, 10], ['a', 'cat', 0.5, 50, 50, 60, 60]]);
    expect(fpFirst.ap07).toBe(eleven(Array(11).fill(0.5)));
    expect(tpFirst.ap07).toBe(ONE_BY_ELEVEN);
  });

  it('11-point thresholds are k*0.1 in float64: recall 3/10 does not reach 0.30000000000000004', async () => {
    const objects = Array.from({ length: 10 }, (_, i) => ['cat', 1 + 20 * i, 1, 10 + 20 * i, 10] as [string, number, number, number, number]);
    const rows = [0, 1, 2].map((i) => ['a', 'cat', 0.9 - i * 0.1, 1 + 20 * i, 1, 10 + 20 * i, 10] as [string, string, number, number, number, number, number]);
    const r = await score({ a: objects }, rows);
    expect(r.ap07).toBe(eleven([1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]));
    // Area: recall steps 0.1, 0.2 - 0.1, 0.3 - 0.2 at precision 1, then 1 - 0.3 at 0.
    expect(r.ap).toBe(0.1 * 1 + (0.2 - 0.1) * 1 + (0.3 - 0.2) * 1 + (1 - 0.3) * 0);
  });

  it('the AP rules on their own', () => {
    expect(elevenPointAp([], [])).toBe(0);
    expect(areaAp([], [])).toBe(0);
    expect(areaAp([0.5, 1], [1, 0.5])).toBe(0.5 + 0.5 * 0.5);
  });
});
