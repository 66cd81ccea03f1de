/**
 * Scoring one submission in shards (src/scoring/shards.ts) as workers on other machines do:
 * each range of units is scored alone, its result goes through text (as it does through the
 * database), and the merge gives the same scores, intervals included, as one pass, exactly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeSubmissionShards, planSubmissionShards, scoreSubmission, scoreSubmissionShard, type ScoreRequest } from '../../src/leaderboard/scoring.js';
import type { ShardReply } from '../../src/scoring/shard-worker.js';
import { fixture } from '../helpers/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-shards-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The detection fixture's truth with usage marks: Public / Private alternating, every 7th image Ignored. */
function detectionTruth(): string {
  const truth = path.join(dir, 'instances.json');
  fs.copyFileSync(fixture('det', 'instances.json'), truth);
  const images = (JSON.parse(fs.readFileSync(truth, 'utf8')) as { images: { id: number }[] }).images;
  const marks = images.map((im, i) => `${im.id},${i % 7 === 6 ? 'Ignored' : i % 2 ? 'Private' : 'Public'}`);
  fs.writeFileSync(path.join(dir, 'instances.usage.csv'), ['id,usage', ...marks].join('\n') + '\n');
  return truth;
}

async function shardedOutcome(req: ScoreRequest, unitsPerShard: number) {
  const ranges = await planSubmissionShards(req, unitsPerShard);
  expect(ranges).toBeDefined();
  // Shards finish in any order on other hosts; their text is what the database keeps.
  const texts: string[] = [];
  for (const i of ranges!.map((_, i) => i).reverse()) texts[i] = JSON.stringify(await scoreSubmissionShard(req, ...ranges![i]!));
  return { ranges: ranges!, outcome: await mergeSubmissionShards(req, ranges!, texts.map((t) => JSON.parse(t) as ShardReply)) };
}

describe('a submission scored in shards and merged', () => {
  it('detection (COCO, public/private/ignored images): the same scores and intervals as one pass, exactly', async () => {
    const req: ScoreRequest = {
      challengeId: 'det', task: 'detection', truth: detectionTruth(), options: {}, primaryMetric: 'AP',
      file: fixture('det', 'submission.csv'), bootstrapSamples: 50,
    };
    const whole = await scoreSubmission(req);
    const { ranges, outcome } = await shardedOutcome(req, 150);
    expect(ranges).toEqual([[0, 133], [133, 266], [266, 400]]);
    expect(outcome).toEqual(whole);
    expect(whole.splits.map((s) => s.split)).toEqual(['all', 'public', 'private']);
    expect(whole.splits[1]!.ci_low).not.toBeNull();
  });

  it('separation (per-mixture items kept): the same report as one pass, exactly', async () => {
    const req: ScoreRequest = {
      challengeId: 'sep', task: 'separation', truth: fixture('sep', 'truth'), options: {}, primaryMetric: 'si_sdr',
      file: fixture('sep', 'submission'), bootstrapSamples: 50,
    };
    const whole = await scoreSubmission(req);
    const { ranges, outcome } = await shardedOutcome(req, 10);
    expect(ranges).toHaveLength(3);
    expect(outcome).toEqual(whole);
  });

  it('a small submission or a ready table (classification) is scored whole', async () => {
    const req: ScoreRequest = {
      challengeId: 'det', task: 'detection', truth: detectionTruth(), options: {}, primaryMetric: 'AP', file: fixture('det', 'submission.csv'),
    };
    expect(await planSubmissionShards(req, 400)).toBeUndefined();
    const cls = path.join(dir, 'cls');
    fs.mkdirSync(cls, { recursive: true });
    fs.writeFileSync(path.join(cls, 'truth.csv'), 'id,expected\n' + Array.from({ length: 50 }, (_, i) => `r${i},c${i % 3}`).join('\n') + '\n');
    fs.writeFileSync(path.join(cls, 'sub.csv'), 'id,predicted\n' + Array.from({ length: 50 }, (_, i) => `r${i},c${i % 2}`).join('\n') + '\n');
    expect(await planSubmissionShards({ ...req, task: 'classification', truth: path.join(cls, 'truth.csv'), file: path.join(cls, 'sub.csv'), primaryMetric: 'top1_error' }, 10)).toBeUndefined();
  });

  it('merging refuses shards that do not cover every unit once', async () => {
    const req: ScoreRequest = {
      challengeId: 'sep', task: 'separation', truth: fixture('sep', 'truth'), options: {}, primaryMetric: 'si_sdr', file: fixture('sep', 'submission'),
    };
    const a = await scoreSubmissionShard(req, 0, 12);
    await expect(mergeSubmissionShards(req, [[0, 12]], [a])).rejects.toThrow(/do not cover the 24 units/);
    await expect(mergeSubmissionShards(req, [[0, 12], [0, 12]], [a, a])).rejects.toThrow(/do not cover/);
  });
});
