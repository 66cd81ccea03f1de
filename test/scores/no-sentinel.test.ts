/**
 * Undefined is null everywhere: no task reports a reference's sentinel (pycocotools' -1) as a
 * score, on cases built to have empty buckets (a split without items, size ranges and classes
 * without ground truth), in the report and in what its bootstrap resamplers return. A -1 that
 * reached the leaderboard would be stored and ranked as a real score.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scoreSubmission } from '../../src/leaderboard/scoring.js';
import { loadTask } from '../../src/tasks/registry.js';
import { fixture } from '../helpers/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-sentinel-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every number in a report, with its path (arrays of raw samples included). */
function numbersOf(value: unknown, at = ''): Array<[string, number]> {
  if (typeof value === 'number') return [[at, value]];
  if (value === null || typeof value !== 'object') return [];
  if (ArrayBuffer.isView(value)) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => numbersOf(v, at ? `${at}.${k}` : k));
}

/** A split whose items are all Public: the private split is empty. */
function allPublic(ids: string[]): string {
  return ['id,usage', ...ids.map((id) => `${id},Public`)].join('\n') + '\n';
}

/** One of pycocotools' edge cases (det/cases.json) as a truth file and a results JSON. */
function cocoCase(name: string): { truth: string; submission: string } {
  const cases = JSON.parse(fs.readFileSync(fixture('det/cases.json'), 'utf8')) as Array<{ name: string; truth: unknown; submission: unknown }>;
  const c = cases.find((x) => x.name === name)!;
  const truth = path.join(tmp, `${name}.json`);
  const submission = path.join(tmp, `${name}.submission.json`);
  fs.writeFileSync(truth, JSON.stringify(c.truth));
  fs.writeFileSync(submission, JSON.stringify(c.submission));
  return { truth, submission };
}

async function expectNoSentinel(taskName: string, truth: string, submission: string, options: Record<string, unknown> = {}) {
  const task = await loadTask(taskName);
  const { report, resamplers } = await task.evaluate(truth, submission, { options, withResamplers: true });
  const scores = [report.metrics, report.splits?.public, report.splits?.private];
  expect(scores.some((s) => s && Object.values(s).includes(null)), 'the case must have an empty bucket').toBe(true);
  for (const [where, v] of numbersOf(report)) expect(v, `${taskName} ${where}`).not.toBe(-1);
  for (const [split, r] of Object.entries(resamplers ?? {})) {
    if (!r || r.size === 0) continue;
    const draw = Uint32Array.from({ length: r.size }, (_, i) => (i * 7) % r.size);
    for (const [where, v] of numbersOf(r.score(draw))) expect(v, `${taskName} resampled ${split} ${where}`).not.toBe(-1);
  }
  return report;
}

describe('no score is a sentinel', () => {
  it('classification: an empty private split', async () => {
    const dir = path.join(tmp, 'cls');
    fs.mkdirSync(dir);
    const rows = fs.readFileSync(fixture('cls/solution.csv'), 'utf8').trim().split('\n').slice(1);
    fs.writeFileSync(path.join(dir, 'solution.csv'), ['id,expected,usage', ...rows.map((r) => r.replace(/,(Public|Private|Ignored)$/, ',Public'))].join('\n') + '\n');
    const report = await expectNoSentinel('classification', path.join(dir, 'solution.csv'), fixture('cls/submission.csv'), { open_labels: true });
    expect(report.splits?.private?.top1_error).toBeNull();
  });

  it('segmentation: classes that never occur, and an empty private split', async () => {
    const dir = path.join(tmp, 'seg');
    fs.cpSync(fixture('seg/voc40/truth'), dir, { recursive: true });
    const ids = fs.readdirSync(dir).map((f) => f.slice(0, -4));
    fs.writeFileSync(path.join(dir, 'usage.csv'), allPublic(ids));
    const report = await expectNoSentinel('segmentation', dir, fixture('seg/voc40/submission'));
    expect(report.splits?.private?.miou).toBeNull();
  });

  it('detection, COCO: no medium or large objects, and a category without ground truth', async () => {
    for (const name of ['perfect', 'category_without_gt', 'crowd_only_category']) {
      const { truth, submission } = cocoCase(name);
      const report = await expectNoSentinel('detection', truth, submission);
      expect(report.metrics.ARl, name).toBeNull();
    }
  });

  it('the leaderboard stores an undefined primary metric as null, never ranks it', async () => {
    // COCO truth without large objects, board ranked on APl: pycocotools would give -1.
    const { truth, submission } = cocoCase('perfect');
    const outcome = await scoreSubmission({
      challengeId: 'sentinel', task: 'detection', truth, options: {}, primaryMetric: 'APl',
      file: submission, bootstrapSamples: 20,
    });
    for (const s of outcome.splits) {
      expect(s.primary_value, s.split).toBeNull();
      expect([s.ci_low, s.ci_high], s.split).toEqual([null, null]);
      for (const [where, v] of numbersOf(s.metrics)) expect(v, where).not.toBe(-1);
    }
  });

  it('detection, COCO: an empty private split', async () => {
    const truth = path.join(tmp, 'instances.json');
    fs.copyFileSync(fixture('det/instances.json'), truth);
    const images = (JSON.parse(fs.readFileSync(truth, 'utf8')) as { images: Array<{ id: number }> }).images;
    fs.writeFileSync(path.join(tmp, 'instances.usage.csv'), allPublic(images.map((i) => String(i.id))));
    const report = await expectNoSentinel('detection', truth, fixture('det/submission.csv'));
    expect(report.splits?.private?.AP).toBeNull();
  });

  it('detection, VOC: classes without objects, and an empty private split', async () => {
    const dir = path.join(tmp, 'voc');
    fs.cpSync(fixture('voc'), dir, { recursive: true });
    const ids = fs.readFileSync(path.join(dir, 'ImageSets/Main/test.txt'), 'utf8').split(/\r?\n/).filter(Boolean);
    // Keep only images without a "cat": its AP is undefined.
    const noCat = ids.filter((id) => !fs.readFileSync(path.join(dir, 'Annotations', `${id}.xml`), 'utf8').includes('<name>cat</name>'));
    fs.writeFileSync(path.join(dir, 'ImageSets/Main/test.txt'), noCat.join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'usage.csv'), allPublic(noCat));
    const keep = new Set(noCat);
    const rows = fs.readFileSync(path.join(dir, 'results.csv'), 'utf8').trim().split('\n');
    fs.writeFileSync(path.join(dir, 'results.csv'), [rows[0], ...rows.slice(1).filter((r) => keep.has(r.split(',')[0]!))].join('\n') + '\n');
    const report = await expectNoSentinel('detection', dir, path.join(dir, 'results.csv'));
    expect((report.ap as Record<string, number | null>).cat).toBeNull();
  });

  it('separation: an empty private split', async () => {
    const dir = path.join(tmp, 'sep');
    fs.cpSync(fixture('sep/truth'), dir, { recursive: true });
    const ids = fs.readdirSync(path.join(dir, 'mix')).map((f) => f.slice(0, -4));
    fs.writeFileSync(path.join(dir, 'usage.csv'), allPublic(ids));
    const report = await expectNoSentinel('separation', dir, fixture('sep/submission'));
    expect(report.splits?.private?.sdr).toBeNull();
  });
});
