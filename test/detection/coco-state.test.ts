/**
 * COCO evaluator state: shards of images scored apart and merged give identical numbers;
 * usage splits equal scoring a truth cut down to those images (pycocotools' imgIds);
 * resamplers; the pycocotools id-0 bug is not copied.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cocoEvaluator } from '../../src/evaluators/coco.js';
import { cocoInstancesFromJson, cocoResultsFromBytes, readCocoInstances, readCocoResults } from '../../src/formats/coco-json.js';
import { definition } from '../../src/tasks/detection/index.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';

const task = taskFromDefinition(definition);
import { fixture } from '../helpers/cli.js';
import { tempDir } from './tmp.js';

const truth = readCocoInstances(fixture('det/instances.json'));
const detections = readCocoResults(fixture('det/submission.json'), truth);
const ranks = truth.truth.imageIds.map((_, i) => i);

describe('COCO evaluator state', () => {
  it('shards scored apart and merged in any order give identical numbers and curves', () => {
    const ev = cocoEvaluator(truth.truth);
    const whole = ev.create();
    ev.add(whole, { detections, images: ranks });
    const shards = [0, 1, 2, 3].map((s) => {
      const st = ev.create();
      // Interleaved shards, each added in two batches, so every chunk boundary is exercised.
      const mine = ranks.filter((i) => i % 4 === s);
      ev.add(st, { detections, images: mine.slice(0, 20) });
      ev.add(st, { detections, images: mine.slice(20) });
      return st;
    });
    const merged = ev.merge([ev.merge([shards[3]!, shards[1]!]), ev.merge([shards[0]!, shards[2]!])]);
    const a = ev.finish(whole);
    const b = ev.finish(merged);
    expect(b.metrics).toEqual(a.metrics);
    expect(b.perCategory).toEqual(a.perCategory);
    expect(Array.from(b.precision)).toEqual(Array.from(a.precision));
    expect(Array.from(b.recall)).toEqual(Array.from(a.recall));
  });

  it('an image added twice counts twice (a bootstrap draw), as if the truth held it twice', () => {
    const ev = cocoEvaluator(truth.truth);
    const twice = ev.create();
    ev.add(twice, { detections, images: [0, 1] });
    ev.add(twice, { detections, images: [1] });
    const once = ev.create();
    ev.add(once, { detections, images: [0, 1] });
    expect(ev.finish(twice).metrics).not.toEqual(ev.finish(once).metrics);
    // The same multiset added in another grouping gives the same numbers.
    const regrouped = ev.create();
    ev.add(regrouped, { detections, images: [1] });
    ev.add(regrouped, { detections, images: [1, 0] });
    expect(ev.finish(regrouped)).toEqual(ev.finish(twice));
  });

  it('per-category AP averages to AP over categories with ground truth', () => {
    const ev = cocoEvaluator(truth.truth);
    const st = ev.create();
    ev.add(st, { detections, images: ranks });
    const r = ev.finish(st);
    const aps = r.perCategory.map((c) => c.AP).filter((v): v is number => v !== null);
    expect(r.perCategory.some((c) => c.AP === null)).toBe(true); // the fixture has a category without truth
    expect(Math.abs(aps.reduce((s, v) => s + v, 0) / aps.length - (r.metrics.AP as number))).toBeLessThan(1e-12);
    expect(r.curves.recall).toHaveLength(101);
    expect(r.curves.precision['iou0.50']).toHaveLength(101);
  });
});

describe('COCO splits and resamplers', () => {
  const dir = tempDir('coco-splits');
  const doc = JSON.parse(fs.readFileSync(fixture('det/instances.json'), 'utf8'));
  const usage = new Map<number, string>(doc.images.map((im: { id: number }, i: number) => [im.id, ['Public', 'Private', 'Private', 'Ignored'][i % 4]!]));
  const truthFile = path.join(dir, 'instances.json');
  fs.copyFileSync(fixture('det/instances.json'), truthFile);
  fs.writeFileSync(path.join(dir, 'instances.usage.csv'), ['id,usage', ...[...usage].map(([id, u]) => `${id},${u}`)].join('\n') + '\n');

  /** The truth restricted to some images, scored on its own (what pycocotools does with imgIds). */
  const scoreSubset = (keep: (u: string) => boolean) => {
    const ids = new Set(doc.images.filter((im: { id: number }) => keep(usage.get(im.id)!)).map((im: { id: number }) => im.id));
    const sub = {
      ...doc,
      images: doc.images.filter((im: { id: number }) => ids.has(im.id)),
      annotations: doc.annotations.filter((a: { image_id: number }) => ids.has(a.image_id)),
    };
    const t = cocoInstancesFromJson(sub, 'subset');
    const entries = JSON.parse(fs.readFileSync(fixture('det/submission.json'), 'utf8')).filter((d: { image_id: number }) => ids.has(d.image_id));
    const ev = cocoEvaluator(t.truth);
    const st = ev.create();
    ev.add(st, { detections: cocoResultsFromBytes(Buffer.from(JSON.stringify(entries)), t, 'subset'), images: t.truth.imageIds.map((_, i) => i) });
    return ev.finish(st).metrics;
  };

  it('public, private and all (Ignored left out) equal the truth cut to those images', async () => {
    const { report, resamplers } = await task.evaluate(truthFile, fixture('det/submission.csv'), { withResamplers: true });
    expect(report.splits?.public).toEqual(scoreSubset((u) => u === 'Public'));
    expect(report.splits?.private).toEqual(scoreSubset((u) => u === 'Private'));
    expect(report.metrics).toEqual(scoreSubset((u) => u !== 'Ignored'));
    // The identity draw gives the split's own numbers; a draw with repeats gives other numbers.
    const pub = resamplers!.public!;
    expect(pub.size).toBe(100);
    expect(pub.score(Uint32Array.from({ length: pub.size }, (_, i) => i))).toEqual(report.splits!.public);
    const draw = Uint32Array.from({ length: pub.size }, (_, i) => Math.floor(i / 2));
    expect(pub.score(draw).AP).not.toEqual(report.splits!.public!.AP);
  });
});

describe('annotation id 0', () => {
  it('is matched like any other (pycocotools would count a miss)', () => {
    const t = cocoInstancesFromJson(
      {
        images: [{ id: 1 }],
        categories: [{ id: 1, name: 'a' }],
        annotations: [{ id: 0, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 }],
      },
      'id0',
    );
    const d = cocoResultsFromBytes(Buffer.from('[{"image_id":1,"category_id":1,"bbox":[0,0,10,10],"score":0.9}]'), t, 'id0');
    const ev = cocoEvaluator(t.truth);
    const st = ev.create();
    ev.add(st, { detections: d, images: [0] });
    const r = ev.finish(st);
    expect(r.metrics.AP).toBeGreaterThan(0.9999); // 1/(1 + eps), as pycocotools gives for a perfect match
    expect(r.metrics.AR100).toBe(1);
  });
});
