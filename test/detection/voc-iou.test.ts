/**
 * VOC mAP at IoU thresholds other than the devkit's 0.5, against rafaelpadilla's published
 * case (review_object_detection_metrics tests/test_case_1, the Object-Detection-Metrics README
 * example: 7 images, 15 objects, 24 detections; expected APs printed to 10 decimals).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTask } from '../../src/tasks/registry.js';
import { fixture } from '../helpers/cli.js';
import { tempDir, writeVocCsv, writeVocTruth } from './tmp.js';

const CASE = JSON.parse(fs.readFileSync(fixture('voc-rafaelpadilla/case1.json'), 'utf8')) as {
  expected: { voc07_map: Record<string, number>; voc_map: Record<string, number> };
  images: Record<string, { objects: number[][]; detections: number[][] }>;
};

describe('VOC mAP at any IoU threshold (rafaelpadilla test_case_1)', () => {
  const dir = tempDir('voc-iou');
  const ids = Object.keys(CASE.images);
  // The devkit's xmax is the last pixel; rafaelpadilla's x2 = x + w with the same +1 overlap rule.
  const truth = writeVocTruth(path.join(dir, 'truth'), Object.fromEntries(ids.map((id) => [
    id, CASE.images[id]!.objects.map(([x, y, w, h]) => ['object', x!, y!, x! + w!, y! + h!] as [string, number, number, number, number]),
  ])));
  const submission = writeVocCsv(path.join(dir, 'dets.csv'), ids.flatMap((id) =>
    CASE.images[id]!.detections.map(([c, x, y, w, h]) => [id, 'object', c!, x!, y!, x! + w!, y! + h!] as [string, string, number, number, number, number, number])));

  for (const iou of ['0.1', '0.3', '0.5', '0.75']) {
    it(`iou ${iou}: 11-point and every-point AP as published`, async () => {
      const task = await loadTask('detection');
      const options = iou === '0.5' ? {} : { iou: Number(iou) };
      const { report } = await task.evaluate(truth, submission, { options });
      expect(report.iou).toBe(Number(iou));
      expect(Math.abs(report.metrics.voc07_map! - CASE.expected.voc07_map[iou]!)).toBeLessThan(1e-10);
      expect(Math.abs(report.metrics.voc_map! - CASE.expected.voc_map[iou]!)).toBeLessThan(1e-10);
    });
  }

  it('the README derivation at 0.3: areas of the envelope at recall 1/15, 2/15, 6/15, 7/15', async () => {
    const { report } = await (await loadTask('detection')).evaluate(truth, submission, { options: { iou: 0.3 } });
    const exact = (1 / 15) * (1 + 2 / 3 + (4 * 6) / 14 + 7 / 23);
    expect(Math.abs(report.metrics.voc_map! - exact)).toBeLessThan(1e-15);
  });

  it('refuses a bad threshold, and iou for a COCO truth', async () => {
    const task = await loadTask('detection');
    for (const iou of [0, 1.5, '0.5', -0.1]) {
      await expect(task.evaluate(truth, submission, { options: { iou } })).rejects.toThrow(/option "iou" must be a number in \(0, 1\]/);
    }
    await expect(task.evaluate(fixture('det/instances.json'), fixture('det/submission.csv'), { options: { iou: 0.75 } })).rejects.toThrow(
      /option "iou" applies to a VOC truth/,
    );
    expect(task.metrics({ protocol: 'voc', iou: 0.75 })[1]!.description).toMatch(/IoU 0\.75/);
  });
});
