/**
 * motion-photos-mini baselines. Each reads only what a participant gets (frames, sensor logs),
 * writes a submission CSV of S_t, and is scored by run.ts exactly like an upload:
 * - identity: S_t = I (no stabilization, the trivial reference);
 * - gyro-l1: gyro motion, L1-optimal path;
 * - visual-l1: corners + pyramidal Lucas-Kanade + RANSAC homography, L1-optimal path;
 * - hybrid-l1: gyro-classified background tracks only, then as visual (Motion Photos).
 * Latency per frame (MLPerf SingleStream): the motion estimate of one new frame against the
 * previous one (gyro integration, or pyramid + tracking + RANSAC); the path LP, once per clip,
 * is logged apart. The submissions' tracks go through the process's track memo (track-memo.ts),
 * so hybrid-l1 run after visual-l1 in one process (as the demo does) reuses visual-l1's; the
 * latency queries always track afresh.
 */
import fs from 'node:fs';
import path from 'node:path';
import { measureLatency } from '../../evaluators/latency.js';
import type { Baseline, BaselineContext, BaselineOutput } from '../baseline.js';
import { machineLabel } from '../machine.js';
import { stabilizingPath } from './camera-path.js';
import { clipIds, readClipInputs, type ClipInputs } from './clip-inputs.js';
import { gyroHomography } from './gyro-motion.js';
import { FramePyramids, hybridMotion, visualMotion } from './motion-estimates.js';
import { processTrackMemo } from './track-memo.js';

const HEADER = 'clip,frame,h00,h01,h02,h10,h11,h12,h20,h21,h22';

type Estimator = (clip: ClipInputs, pyramids: FramePyramids, t: number) => number[];

const ESTIMATORS: Record<'gyro' | 'visual' | 'hybrid', Estimator> = {
  gyro: (clip, _p, t) => gyroHomography(clip, t),
  visual: visualMotion,
  hybrid: hybridMotion,
};

const row = (id: string, t: number, s: ArrayLike<number>, at: number) =>
  `${id},${t},${Array.from({ length: 9 }, (_, i) => String(s[at + i]!)).join(',')}`;

async function writeSubmission(ctx: BaselineContext, lines: string[]): Promise<string> {
  fs.mkdirSync(ctx.workDir, { recursive: true });
  const file = path.join(ctx.workDir, 'submission.csv');
  fs.writeFileSync(file, [HEADER, ...lines].join('\n') + '\n');
  return file;
}

function stabilizer(name: string, kind: keyof typeof ESTIMATORS, description: string): Baseline {
  return {
    name,
    challenge: 'motion-photos-mini',
    description,
    kind: 'model',
    async run(ctx): Promise<BaselineOutput> {
      const test = path.join(ctx.dataDir, 'test');
      const estimate = ESTIMATORS[kind];
      const lines: string[] = [];
      let lpMs = 0;
      const ids = clipIds(test);
      for (const id of ids) {
        const clip = readClipInputs(test, id);
        const pyramids = new FramePyramids(clip, processTrackMemo);
        const n = clip.frameNs.length;
        const motions = Array.from({ length: n - 1 }, (_, t) => estimate(clip, pyramids, t));
        const started = performance.now();
        const s = await stabilizingPath(motions, clip.camera.width, clip.camera.height, clip.camera.fx);
        lpMs += performance.now() - started;
        for (let t = 0; t < n; t++) lines.push(row(id, t, s, 9 * t));
      }
      ctx.log(`${name}: ${ids.length} clips; L1 path LPs ${(lpMs / ids.length).toFixed(1)} ms a clip`);
      const submission = await writeSubmission(ctx, lines);
      if (!ctx.latency) return { submission };
      // One query = the motion estimate for one new frame; samples cycle through the first clip's frames.
      const clip = readClipInputs(test, ids[0]!);
      const frames = clip.frameNs.length - 1;
      let pyramids = new FramePyramids(clip);
      const latency = await measureLatency({
        samples: frames,
        runOne: (i) => {
          if (i === 0) pyramids = new FramePyramids(clip);
          estimate(clip, pyramids, i);
        },
        runBatch: (start, count) => {
          const p = new FramePyramids(clip);
          for (let k = 0; k < count; k++) estimate(clip, p, (start + k) % frames);
        },
        params: 0,
        madds: 0,
        backend: `podium ${kind} motion estimate (TypeScript, one thread)`,
        machine: machineLabel(),
      }, ctx.latency);
      return { submission, latency };
    },
  };
}

export const identity: Baseline = {
  name: 'identity',
  challenge: 'motion-photos-mini',
  description: 'no stabilization: S_t = I for every frame',
  kind: 'trivial',
  async run(ctx) {
    const test = path.join(ctx.dataDir, 'test');
    const lines: string[] = [];
    const eye = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    for (const id of clipIds(test)) {
      const n = readClipInputs(test, id).frameNs.length;
      for (let t = 0; t < n; t++) lines.push(row(id, t, eye, 0));
    }
    return { submission: await writeSubmission(ctx, lines) };
  },
};

export const gyroL1 = stabilizer('gyro-l1', 'gyro', 'gyroscope + OIS rotation homographies, L1-optimal path (LP)');
export const visualL1 = stabilizer('visual-l1', 'visual', 'corners + pyramidal Lucas-Kanade + RANSAC homography, L1-optimal path (LP)');
export const hybridL1 = stabilizer('hybrid-l1', 'hybrid', 'gyro-classified background tracks, RANSAC homography, L1-optimal path (Motion Photos)');
