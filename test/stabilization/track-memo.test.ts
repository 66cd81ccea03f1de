/**
 * The track memo (track-memo.ts): visual-l1 then hybrid-l1 in one process give exactly the
 * motions each gives alone, the memo hands out copies, and frames of other content miss it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeChallenge } from '../../src/datasets/mini-challenges.js';
import { clipIds, readClipInputs, type ClipInputs } from '../../src/baselines/stabilization/clip-inputs.js';
import { trackFeatures } from '../../src/baselines/stabilization/feature-tracks.js';
import { FramePyramids, hybridMotion, visualMotion } from '../../src/baselines/stabilization/motion-estimates.js';
import { TrackMemo } from '../../src/baselines/stabilization/track-memo.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-track-memo-'));
const FRAMES = 12;
let clips: ClipInputs[] = [];

beforeAll(async () => {
  const dataDir = path.join(root, 'motion-photos-mini');
  await makeChallenge('motion-photos-mini', dataDir, { seed: 5, sizes: { clipsPerCategory: 1 } });
  const test = path.join(dataDir, 'test');
  clips = clipIds(test).slice(0, 2).map((id) => readClipInputs(test, id));
}, 120_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const motions = (clip: ClipInputs, estimate: typeof visualMotion, memo?: TrackMemo) => {
  const p = new FramePyramids(clip, memo);
  return Array.from({ length: FRAMES }, (_, t) => estimate(clip, p, t));
};

describe('track memo', () => {
  it('visual then hybrid through one memo: the same motions as each alone, bit for bit', () => {
    const memo = new TrackMemo();
    for (const clip of clips) {
      const visual = motions(clip, visualMotion);
      const hybrid = motions(clip, hybridMotion);
      expect(motions(clip, visualMotion, memo)).toEqual(visual);
      // hybrid moves the track ends in place: the memo's own tracks must not change.
      expect(motions(clip, hybridMotion, memo)).toEqual(hybrid);
      expect(motions(clip, visualMotion, memo)).toEqual(visual);
    }
  });

  it('gives copies, keyed by the frames\' pixels', () => {
    const memo = new TrackMemo();
    const clip = clips[0]!;
    const p = new FramePyramids(clip);
    const fresh = trackFeatures(p.get(0), p.get(1));
    let computed = 0;
    const make = () => {
      computed++;
      return trackFeatures(p.get(0), p.get(1));
    };
    const first = memo.tracks(clip.frame(0), clip.frame(1), make);
    first.x0.fill(-1);
    const again = memo.tracks(Float32Array.from(clip.frame(0)), Float32Array.from(clip.frame(1)), make);
    expect(computed).toBe(1);
    expect(again).toEqual(fresh);
    // Other pixels (one changed) are another pair.
    const changed = Float32Array.from(clip.frame(1));
    changed[0] += 1;
    memo.tracks(clip.frame(0), changed, make);
    expect(computed).toBe(2);
  });
});
