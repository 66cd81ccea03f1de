/**
 * `podium evaluate --task detection` end to end (dist/cli.js): the formats.md contract — one
 * JSON object on stdout, exit 2 with a one-line message for bad input.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, podium, podiumJson } from '../helpers/cli.js';
import { tempDir } from './tmp.js';
import { definition, type DetectionContext } from '../../src/tasks/detection/index.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';
import { threadsFor } from '../../src/scoring/produce.js';

const cocoExpected = JSON.parse(fs.readFileSync(fixture('det/expected.json'), 'utf8')).metrics;
const vocExpected = JSON.parse(fs.readFileSync(fixture('voc/expected.json'), 'utf8'));

const close = (a: Record<string, unknown>, b: Record<string, number>) => {
  for (const [k, v] of Object.entries(b)) expect(Math.abs((a[k] as number) - v), k).toBeLessThanOrEqual(1e-12);
};

describe('podium evaluate --task detection', () => {
  for (const sub of ['submission.csv', 'submission.json']) {
    it(`COCO truth, ${sub}: the 12 numbers, per category and curves`, () => {
      const out = podiumJson(['evaluate', '--task', 'detection', '--truth', fixture('det/instances.json'), '--submission', fixture('det', sub)]);
      expect(out.task).toBe('detection');
      expect(Object.keys(out.metrics)).toEqual(['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl']);
      close(out.metrics, cocoExpected);
      expect(out.per_category).toHaveLength(10);
      expect(out.curves.precision['iou0.50:0.95']).toHaveLength(101);
      expect(out.splits).toBeUndefined();
      expect(typeof out.version).toBe('string');
    });
  }

  it('VOC truth folder with the devkit result folder', () => {
    const out = podiumJson(['evaluate', '--task', 'detection', '--truth', fixture('voc'), '--submission', fixture('voc/results'), '--options', '{"protocol":"voc"}']);
    close(out.metrics, vocExpected.metrics);
    close(out.ap07, vocExpected.ap07);
    close(out.ap, vocExpected.ap);
  });

  it('usage marks give public and private splits', () => {
    const dir = tempDir('cli');
    const truth = path.join(dir, 'instances_test.json');
    fs.copyFileSync(fixture('det/instances.json'), truth);
    const ids = JSON.parse(fs.readFileSync(truth, 'utf8')).images.map((im: { id: number }) => im.id);
    fs.writeFileSync(path.join(dir, 'instances_test.usage.csv'), ['id,usage', ...ids.map((id: number, i: number) => `${id},${i % 2 ? 'Private' : 'Public'}`)].join('\n'));
    const out = podiumJson(['evaluate', '--task', 'detection', '--truth', truth, '--submission', fixture('det/submission.csv')]);
    close(out.metrics, cocoExpected);
    expect(Object.keys(out.splits.public)).toHaveLength(12);
    expect(out.splits.public.AP).not.toBe(out.splits.private.AP);
  });

  it('bad submission: exit 2, one line naming file, row and problem, no stack', () => {
    const dir = tempDir('cli-bad');
    const sub = path.join(dir, 'sub.csv');
    fs.writeFileSync(sub, 'image_id,category_id,score,x,y,width,height\n3,2,0.5,1,2,3,4\n42424242,2,0.5,1,2,3,4\n3,2,0.5,1,2,-1,4\n');
    const r = podium(['evaluate', '--task', 'detection', '--truth', fixture('det/instances.json'), '--submission', sub, '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('podium: sub.csv, line 3, column image_id: image_id 42424242 is not an image of the truth (and 1 more problem)\n');
  });

  describe('on scoring threads (the pipeline matches images in shards and merges the states)', () => {
    const threaded = taskFromDefinition({ ...definition, minUnitsForThreads: 1 });
    const one = taskFromDefinition(definition);
    it('are used by the work (detections), not by the images: from 2M detections, 1M a thread', () => {
      const withDetections = (count: number) => ({ detections: { count } }) as unknown as DetectionContext;
      expect(threadsFor(definition, 5000, { threads: 2 }, withDetections(500_000))).toBe(1);
      expect(threadsFor(definition, 5000, { threads: 4 }, withDetections(2_500_000))).toBe(3);
      expect(threadsFor(definition, 5000, { threads: 2 }, withDetections(2_500_000))).toBe(2);
      expect(threadsFor(definition, 5000, {}, withDetections(2_500_000))).toBe(1);
    });
    it('threads started ahead and left unused (too little work) are stopped; the report is the same', async () => {
      const a = await one.evaluate(fixture('det/instances.json'), fixture('det/submission.csv'), { threads: 1 });
      const b = await one.evaluate(fixture('det/instances.json'), fixture('det/submission.csv'), { threads: 2 });
      expect(b.report).toEqual(a.report);
    });
    for (const [truth, sub] of [['det/instances.json', 'det/submission.csv'], ['det/instances.json', 'det/submission.json'], ['voc', 'voc/results.csv']] as const) {
      it(`${sub}: the same report on 3 threads as on one`, async () => {
        const a = await one.evaluate(fixture(truth), fixture(sub), { threads: 1, withResamplers: true });
        const b = await threaded.evaluate(fixture(truth), fixture(sub), { threads: 3, withResamplers: true });
        expect(b.report).toEqual(a.report);
        const draw = Uint32Array.from({ length: a.resamplers!.all.size }, (_, i) => Math.floor(i / 3));
        expect(b.resamplers!.all.score(draw)).toEqual(a.resamplers!.all.score(draw));
      });
    }
  });

  it('a results JSON entry is reported by its entry number', () => {
    const bad = path.join(tempDir('cli-json'), 'bad.json');
    fs.writeFileSync(bad, '[{"image_id": 3, "category_id": 2, "bbox": [1, 2, 3, 4], "score": 1e999}]');
    const b = podium(['evaluate', '--task', 'detection', '--truth', fixture('det/instances.json'), '--submission', bad]);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe('podium: bad.json, row 1, column score: score must be a finite number, found Infinity\n');
  });

  it('protocol that does not match the truth is a usage error', () => {
    const r = podium(['evaluate', '--task', 'detection', '--truth', fixture('voc'), '--submission', fixture('voc/results.csv'), '--options', '{"protocol":"coco"}']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/options\.protocol is "coco" but the truth voc is a VOC folder/);
  });
});
