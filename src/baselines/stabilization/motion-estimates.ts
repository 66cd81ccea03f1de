/**
 * Frame-to-frame background motion, three ways (each returns M_t: frame t -> t+1):
 * - gyro: the sensors only (gyro-motion.ts): exact for the scene at infinity, blind to the
 *   hand's translation;
 * - visual: feature tracks and one RANSAC homography over all of them: whatever moves most
 *   coherently wins, so a large moving foreground takes over;
 * - hybrid (Motion Photos): both ends of every track are moved to the mid-readout instant with
 *   the gyro (undoing the rolling shutter), then the gyro predicts where each track would land
 *   on the scene at infinity; a track's residual is its deviation from that. The background is
 *   the farthest layer, so of all tracks it deviates least: the reference residual is the
 *   median of the smallest fifth, tracks within HYBRID_TOLERANCE px of it are background, and
 *   their mean residual (refined twice) is the background motion the gyro cannot see (the
 *   hand's translation over a near background). The motion is the gyro homography followed by
 *   that shift; foreground tracks never enter it. With fewer than 8 background tracks: the gyro alone.
 */
import { hypot2 } from '../../evaluators/hypot.js';
import type { ClipInputs } from './clip-inputs.js';
import { pyramid, trackFeatures, type Image, type Tracks } from './feature-tracks.js';
import type { TrackMemo } from './track-memo.js';
import { gyroHomography, rollingShutterCorrector } from './gyro-motion.js';
import { affineLeastSquares, ransacHomography } from './ransac-homography.js';

export const HYBRID_TOLERANCE = 0.75;

/** Pyramids of a clip's frames, built on first use, and the tracks between them. */
export class FramePyramids {
  private readonly cache = new Map<number, Image[]>();
  /** With a memo, tracks already made for the same two frames are taken from it (track-memo.ts). */
  constructor(private readonly clip: ClipInputs, private readonly memo?: TrackMemo) {}
  get(t: number): Image[] {
    let p = this.cache.get(t);
    if (!p) {
      const { width, height } = this.clip.camera;
      p = pyramid({ width, height, data: this.clip.frame(t) });
      this.cache.set(t, p);
      this.cache.delete(t - 2); // frames are visited in order: keep two
    }
    return p;
  }

  /** Feature tracks from frame t to frame t + 1. */
  tracks(t: number): Tracks {
    const make = () => trackFeatures(this.get(t), this.get(t + 1));
    return this.memo ? this.memo.tracks(this.clip.frame(t), this.clip.frame(t + 1), make) : make();
  }
}

const all = (tracks: Tracks) => Array.from({ length: tracks.count }, (_, i) => i);

/** RANSAC picks the inliers; the motion is then refitted on them (least-squares homography). */
function fitInliers(tracks: Tracks, subset: number[], seed: number, threshold: number): { h: number[]; inliers: number[] } | null {
  const fit = ransacHomography(tracks.x0, tracks.y0, tracks.x1, tracks.y1, subset, { seed, threshold });
  return fit && fit.inliers.length >= 8 ? fit : null;
}

/**
 * Visual only. A rolling shutter shifts whole rows, so on the inliers' least-squares affine map
 * it bends only the y column; the x column (how a row turns and stretches) is clean. The motion
 * is the similarity made from that column, moving the frame centre (read out mid-frame) where
 * the affine map moves it.
 */
export function visualMotion(clip: ClipInputs, pyramids: FramePyramids, t: number): number[] {
  const tracks = pyramids.tracks(t);
  const fit = fitInliers(tracks, all(tracks), t + 1, 1.5);
  const a = fit && affineLeastSquares(tracks.x0, tracks.y0, tracks.x1, tracks.y1, fit.inliers);
  if (!a) return fit ? fit.h : [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const { width, height } = clip.camera;
  const cx = width / 2, cy = height / 2;
  const mx = a[0]! * cx + a[1]! * cy + a[2]!, my = a[3]! * cx + a[4]! * cy + a[5]!;
  const p = a[0]!, q = a[3]!; // x column: scale * (cos, sin)
  return [p, -q, mx - (p * cx - q * cy), q, p, my - (q * cx + p * cy), 0, 0, 1];
}

export function hybridMotion(clip: ClipInputs, pyramids: FramePyramids, t: number): number[] {
  const g = gyroHomography(clip, t);
  const tracks = pyramids.tracks(t);
  // Both ends of every track as a global-shutter camera at mid-readout would see them.
  const fix0 = rollingShutterCorrector(clip, t), fix1 = rollingShutterCorrector(clip, t + 1);
  for (let i = 0; i < tracks.count; i++) {
    [tracks.x0[i], tracks.y0[i]] = fix0(tracks.x0[i]!, tracks.y0[i]!);
    [tracks.x1[i], tracks.y1[i]] = fix1(tracks.x1[i]!, tracks.y1[i]!);
  }
  const n = tracks.count;
  const rx = new Float64Array(n), ry = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = tracks.x0[i]!, y = tracks.y0[i]!;
    const w = g[6]! * x + g[7]! * y + g[8]!;
    rx[i] = tracks.x1[i]! - (g[0]! * x + g[1]! * y + g[2]!) / w;
    ry[i] = tracks.y1[i]! - (g[3]! * x + g[4]! * y + g[5]!) / w;
  }
  const bySize = all(tracks).sort((a, b) => hypot2(rx[a]!, ry[a]!) - hypot2(rx[b]!, ry[b]!) || a - b);
  const smallest = bySize.slice(0, Math.max(1, Math.ceil(n / 5)));
  const median = (v: number[]) => {
    const s = v.slice().sort((a, b) => a - b);
    return s.length === 0 ? 0 : s[s.length >> 1]!;
  };
  const refX = median(smallest.map((i) => rx[i]!)), refY = median(smallest.map((i) => ry[i]!));
  // Background: within HYBRID_TOLERANCE of the reference; its mean residual (refined once) is
  // the motion the gyro cannot see (the hand's translation, parallax of a near background).
  let dx = refX, dy = refY;
  for (let pass = 0; pass < 2; pass++) {
    let sx = 0, sy = 0, k = 0;
    for (let i = 0; i < n; i++) {
      if (hypot2(rx[i]! - dx, ry[i]! - dy) >= HYBRID_TOLERANCE) continue;
      sx += rx[i]!;
      sy += ry[i]!;
      k++;
    }
    if (k < 8) {
      if (pass === 0) dx = dy = 0; // too few to tell: the gyro alone
      break;
    }
    dx = sx / k;
    dy = sy / k;
  }
  return [g[0]! + dx * g[6]!, g[1]! + dx * g[7]!, g[2]! + dx * g[8]!, g[3]! + dy * g[6]!, g[4]! + dy * g[7]!, g[5]! + dy * g[8]!, g[6]!, g[7]!, g[8]!];
}
