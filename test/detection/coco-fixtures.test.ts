/**
 * COCO numbers against pycocotools' own output (fixtures made with cocoapi 8c9bcc3, numpy 1.24):
 * the 400-image case from both submission formats, and 14 edge cases. Agreement to 1e-12.
 * The fixtures keep pycocotools' output as printed: its -1 ("no ground truth in this bucket")
 * is null in podium, on purpose (README, "Where podium differs").
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cocoEvaluator, type CocoDetections } from '../../src/evaluators/coco.js';
import { cocoInstancesFromJson, cocoResultsFromBytes, readCocoInstances, readCocoResults } from '../../src/formats/coco-json.js';
import { readCocoCsv } from '../../src/formats/detection-csv.js';
import { fixture } from '../helpers/cli.js';

const TOLERANCE = 1e-12;

/** pycocotools' summary sentinel for an empty bucket. */
const PYCOCOTOOLS_UNDEFINED = -1;

export function expectScores(actual: Record<string, number | null>, expected: Record<string, number>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, value] of Object.entries(expected)) {
    if (value === PYCOCOTOOLS_UNDEFINED) {
      expect(actual[name], `${name}: pycocotools gives -1, podium null`).toBeNull();
      continue;
    }
    expect(actual[name], name).not.toBeNull();
    expect(Math.abs((actual[name] as number) - value), `${name}: ${actual[name]} vs ${value}`).toBeLessThanOrEqual(TOLERANCE);
  }
}

function scoreAll(truth: ReturnType<typeof readCocoInstances>, detections: CocoDetections) {
  const evaluator = cocoEvaluator(truth.truth);
  const state = evaluator.create();
  evaluator.add(state, { detections, images: truth.truth.imageIds.map((_, i) => i) });
  return evaluator.finish(state);
}

describe('COCO evaluator against pycocotools', () => {
  const expected = JSON.parse(fs.readFileSync(fixture('det/expected.json'), 'utf8')).metrics;
  const truth = readCocoInstances(fixture('det/instances.json'));

  it('400-image case, results JSON', () => {
    expectScores(scoreAll(truth, readCocoResults(fixture('det/submission.json'), truth)).metrics, expected);
  });

  it('400-image case, CSV', async () => {
    expectScores(scoreAll(truth, await readCocoCsv(fixture('det/submission.csv'), truth)).metrics, expected);
  });

  const cases = JSON.parse(fs.readFileSync(fixture('det/cases.json'), 'utf8')) as Array<{
    name: string;
    truth: unknown;
    submission: unknown[];
    expected: Record<string, number>;
  }>;
  it('has the 14 edge cases', () => expect(cases).toHaveLength(14));
  for (const c of cases) {
    it(`edge case ${c.name}`, () => {
      const t = cocoInstancesFromJson(c.truth, c.name);
      const detections = cocoResultsFromBytes(Buffer.from(JSON.stringify(c.submission)), t, c.name);
      expectScores(scoreAll(t, detections).metrics, c.expected);
    });
  }
});
