/**
 * motion-photos-mini: short hand-held clips as a Pixel 2 Motion Photo carries them (frames,
 * gyroscope at 200 Hz with noise and bias, OIS lens shift, frame timestamps, intrinsics), and
 * the truth F_t: the exact motion of the far background plane between consecutive frames.
 *
 * Layout under <dest>/test/ (one folder a clip; the truth files are marked *):
 *   clips.csv*                 id,usage,category
 *   <clip>/motion.json*        {"width","height","frames","background": [[9 numbers], ...]}
 *   <clip>/frames/0000.png ... 8-bit grey frames
 *   <clip>/frames.csv          frame,timestamp_ns (start of readout of row 0)
 *   <clip>/gyro.csv            timestamp_ns,wx,wy,wz (rad/s, camera axes x right, y down, z forward)
 *   <clip>/ois.csv             timestamp_ns,ox,oy (lens shift in pixels: principal point offset)
 *   <clip>/camera.json         width, height, fx, fy, cx, cy, readout_ns, frame_interval_ns, ...
 * and <dest>/sample_submission.csv (identity S_t: no stabilization).
 *
 * F_t is taken at the middle of each frame's readout (row H/2), i.e. what a global-shutter
 * camera at that instant would see; the frames themselves are rolling-shutter.
 */
import path from 'node:path';
import { encodePng } from '../formats/png.js';
import type { Usage } from '../formats/usage.js';
import { progress } from '../progress.js';
import { writeCsv, writeFile, writeJson } from './dataset-files.js';
import { handHeldCamera, type HandHeldSettings } from './hand-held-camera.js';
import { backgroundHomography, makeTexture, renderFrame, type CameraModel, type Plane } from './layered-scene.js';
import { Rng } from './rng.js';

export const MOTION_PHOTOS_MINI_SIZES = {
  /** Clips per category. */
  clipsPerCategory: 5,
  frames: 90,
  width: 160,
  height: 120,
};

export const CLIP_CATEGORIES = ['far-background', 'pan', 'foreground-dominated', 'close-range-parallax'] as const;
export type ClipCategory = (typeof CLIP_CATEGORIES)[number];

const FPS = 30;
const FOCAL = 200;
const READOUT_S = 0.024;
const GYRO_HZ = 200;
const GYRO_NOISE = 0.01; // rad/s per sample, white
const GYRO_BIAS = 0.006; // rad/s, per axis, fixed for a clip
const FIRST_FRAME_NS = 1_000_000_000;

export interface MotionPhotosOptions {
  seed: number;
  sizes?: Partial<typeof MOTION_PHOTOS_MINI_SIZES>;
}

interface ClipScene {
  category: ClipCategory;
  planes: Plane[];
  /** Depth of the background plane (the last of `planes`). */
  backgroundDepth: number;
  motion: HandHeldSettings;
}

/** A rectangle given in pixels of the first frame, as world metres at `depth`. */
function pixelOutline(cam: CameraModel, depth: number, x0: number, y0: number, x1: number, y1: number, shape: 'rect' | 'ellipse' = 'rect') {
  const m = (px: number, c: number) => (depth * (px - c)) / cam.focal;
  return { shape, x0: m(x0, cam.cx), y0: m(y0, cam.cy), x1: m(x1, cam.cx), y1: m(y1, cam.cy) };
}

/** Texel size that makes a texel about `px` pixels at `depth`. */
const texelAt = (depth: number, px: number) => (depth * px) / FOCAL;

function buildScene(rng: Rng, category: ClipCategory, cam: CameraModel, seconds: number): ClipScene {
  const { width: W, height: H } = cam;
  const far = category === 'close-range-parallax' ? rng.uniform(0.5, 0.9) : rng.uniform(30, 60);
  const background: Plane = { depth: far, texture: makeTexture(rng, rng.uniform(90, 150), 60), texel: texelAt(far, rng.uniform(0.7, 1.1)) };
  const planes: Plane[] = [];
  const side = () => (rng.chance(0.5) ? -1 : 1);
  const motion: HandHeldSettings = {
    seconds,
    focal: FOCAL,
    panYaw: side() * rng.uniform(0.05, 0.15),
    panPitch: rng.uniform(-0.04, 0.04),
    tremor: rng.uniform(0.008, 0.013),
    sway: rng.uniform(0.008, 0.015),
    translationSway: 0.006,
    translationTremor: 0.0015,
    walk: [0, 0],
    oisGain: 0.5,
    oisLimit: 2,
  };
  const midLayers = (count: number, lo: number, hi: number, widthPx: [number, number]) => {
    for (let k = 0; k < count; k++) {
      const depth = rng.uniform(lo, hi);
      const w = rng.uniform(widthPx[0], widthPx[1]);
      const left = k % 2 === 0 ? rng.uniform(-40, W * 0.15) : rng.uniform(W * 0.6, W * 0.85);
      const top = rng.uniform(H * 0.1, H * 0.55);
      planes.push({ depth, texture: makeTexture(rng, rng.uniform(60, 190), 55), texel: texelAt(depth, rng.uniform(0.7, 1.1)), outline: pixelOutline(cam, depth, left, top, left + w, H + 60) });
    }
  };
  switch (category) {
    case 'far-background':
      midLayers(rng.int(1, 2), 6, 12, [30, 50]);
      break;
    case 'pan':
      motion.panYaw = side() * rng.uniform(0.3, 0.45);
      midLayers(1, 8, 15, [25, 40]);
      break;
    case 'foreground-dominated': {
      // One or two large objects close to the camera that wander and bob (a walker's gait,
      // a pet): they fill most of the view, and their motion is not the camera's.
      const count = rng.int(1, 2);
      for (let k = 0; k < count; k++) {
        const depth = rng.uniform(1.5, 3);
        const toMetres = depth / FOCAL;
        const w = count === 1 ? rng.uniform(110, 140) : rng.uniform(70, 90);
        const h = rng.uniform(100, 140);
        const left = count === 1 ? (W - w) / 2 + rng.uniform(-15, 15) : k === 0 ? rng.uniform(-10, 15) : rng.uniform(W - w - 15, W - w + 10);
        const top = (H - h) / 2 + rng.uniform(-10, 10);
        const drift = [rng.uniform(-12, 12) * toMetres, rng.uniform(-6, 6) * toMetres];
        const bob = Array.from({ length: 3 }, () => ({ ax: rng.uniform(2, 4) * toMetres, ay: rng.uniform(2, 4) * toMetres, hz: rng.uniform(2, 5), px: rng.uniform(0, 6.28), py: rng.uniform(0, 6.28) }));
        planes.push({
          depth,
          texture: makeTexture(rng, rng.uniform(60, 200), 70),
          texel: texelAt(depth, rng.uniform(0.7, 1.0)),
          outline: pixelOutline(cam, depth, left, top, left + w, top + h, rng.chance(0.5) ? 'ellipse' : 'rect'),
          motion: (t) => [
            drift[0]! * t + bob.reduce((s, b) => s + b.ax * Math.sin(2 * Math.PI * b.hz * t + b.px), 0),
            drift[1]! * t + bob.reduce((s, b) => s + b.ay * Math.sin(2 * Math.PI * b.hz * t + b.py), 0),
          ],
        });
      }
      break;
    }
    case 'close-range-parallax':
      // A table top or wall within a metre, objects in front of it; the hand's translation now
      // moves the background too, and no gyroscope sees it.
      motion.translationSway = rng.uniform(0.008, 0.012);
      motion.translationTremor = rng.uniform(0.003, 0.005);
      motion.walk = [rng.uniform(-0.03, 0.03), 0];
      midLayers(rng.int(1, 2), far * 0.45, far * 0.65, [30, 45]);
      break;
  }
  planes.sort((a, b) => a.depth - b.depth);
  planes.push(background);
  return { category, planes, backgroundDepth: far, motion };
}

export interface MotionPhotosSummary {
  clips: number;
  frames_per_clip: number;
  width: number;
  height: number;
  /** "far-background 5, pan 5, ..." */
  categories: string;
  public: number;
  private: number;
}

export function generateMotionPhotosMini(dest: string, opts: MotionPhotosOptions): MotionPhotosSummary {
  const sizes = { ...MOTION_PHOTOS_MINI_SIZES, ...opts.sizes };
  const { width: W, height: H, frames: N } = sizes;
  const cam: CameraModel = { width: W, height: H, focal: FOCAL, cx: W / 2, cy: H / 2, readout: READOUT_S };
  const seconds = N / FPS;
  const root = new Rng(opts.seed).fork('motion-photos-mini');
  const total = sizes.clipsPerCategory * CLIP_CATEGORIES.length;
  const order = root.fork('order').shuffled(Array.from({ length: total }, (_, i) => CLIP_CATEGORIES[i % CLIP_CATEGORIES.length]!));
  const usageRng = root.fork('usage');
  // Public / Private alternate within each category (seeded start), so each category is on both boards.
  const nextUsage = new Map<ClipCategory, Usage>(CLIP_CATEGORIES.map((c) => [c, usageRng.chance(0.5) ? 'Public' : 'Private']));
  const bar = progress('motion-photos-mini clips', total);
  const rows: [string, Usage, ClipCategory][] = [];
  const sample: string[] = [];
  const dir = path.join(dest, 'test');
  for (let k = 0; k < total; k++) {
    const id = `clip${String(k + 1).padStart(3, '0')}`;
    const category = order[k]!;
    const rng = root.fork(id);
    const scene = buildScene(rng.fork('scene'), category, cam, seconds);
    const camera = handHeldCamera(rng.fork('camera'), scene.motion);
    const frameNs = Array.from({ length: N }, (_, t) => FIRST_FRAME_NS + Math.round((t * 1e9) / FPS));
    const noise = rng.fork('noise');
    const clipDir = path.join(dir, id);
    for (let t = 0; t < N; t++) {
      const pixels = renderFrame(scene.planes, cam, camera, t / FPS, noise, 1.5);
      writeFile(path.join(clipDir, 'frames', `${String(t).padStart(4, '0')}.png`), encodePng({ width: W, height: H, colorType: 'gray', data: pixels }));
    }
    const secondsOf = (ns: number) => (ns - FIRST_FRAME_NS) / 1e9;
    const mid = (t: number) => secondsOf(frameNs[t]!) + READOUT_S / 2;
    const backgroundMotion = Array.from({ length: N - 1 }, (_, t) => backgroundHomography(cam, camera, scene.backgroundDepth, mid(t), mid(t + 1)));
    writeJson(path.join(clipDir, 'motion.json'), { width: W, height: H, frames: N, background: backgroundMotion });
    writeCsv(path.join(clipDir, 'frames.csv'), ['frame', 'timestamp_ns'], frameNs.map((ns, t) => [t, ns]));
    const gyroRng = rng.fork('gyro');
    const bias = [0, 1, 2].map(() => gyroRng.uniform(-GYRO_BIAS, GYRO_BIAS));
    const gyroRows: (string | number)[][] = [];
    const oisRows: (string | number)[][] = [];
    const startNs = FIRST_FRAME_NS - 50_000_000;
    const endNs = frameNs[N - 1]! + Math.round(1e9 / FPS) + 50_000_000;
    for (let ns = startNs; ns <= endNs; ns += 1e9 / GYRO_HZ) {
      const w = camera.angularVelocity(secondsOf(ns));
      gyroRows.push([ns, ...w.map((v, i) => (v + bias[i]! + gyroRng.normal(0, GYRO_NOISE)).toFixed(6))]);
      const [ox, oy] = camera.ois(secondsOf(ns));
      oisRows.push([ns, ox.toFixed(4), oy.toFixed(4)]);
    }
    writeCsv(path.join(clipDir, 'gyro.csv'), ['timestamp_ns', 'wx', 'wy', 'wz'], gyroRows);
    writeCsv(path.join(clipDir, 'ois.csv'), ['timestamp_ns', 'ox', 'oy'], oisRows);
    writeJson(path.join(clipDir, 'camera.json'), {
      width: W, height: H, fx: FOCAL, fy: FOCAL, cx: W / 2, cy: H / 2,
      readout_ns: Math.round(READOUT_S * 1e9),
      frame_interval_ns: Math.round(1e9 / FPS),
      gyro_hz: GYRO_HZ,
      axes: 'x right, y down, z forward; gyro is the camera angular velocity w in those axes, R(t+dt) = exp(-[w dt]x) R(t) for the world-to-camera rotation R',
      ois: 'lens shift in pixels, added to the principal point: K(t) = [[fx, 0, cx + ox], [0, fy, cy + oy], [0, 0, 1]]',
      rolling_shutter: 'row y is read out at timestamp + readout_ns * (y + 0.5) / height',
    }, 1);
    const usage = nextUsage.get(category)!;
    nextUsage.set(category, usage === 'Public' ? 'Private' : 'Public');
    rows.push([id, usage, category]);
    for (let t = 0; t < N; t++) sample.push(`${id},${t},1,0,0,0,1,0,0,0,1`);
    bar.tick();
  }
  bar.stop();
  writeCsv(path.join(dir, 'clips.csv'), ['id', 'usage', 'category'], rows);
  writeFile(path.join(dest, 'sample_submission.csv'), ['clip,frame,h00,h01,h02,h10,h11,h12,h20,h21,h22', ...sample].join('\n') + '\n');
  const categories: Record<string, number> = {};
  for (const [, , c] of rows) categories[c] = (categories[c] ?? 0) + 1;
  return {
    clips: total,
    frames_per_clip: N,
    width: W,
    height: H,
    categories: Object.entries(categories).map(([c, k]) => `${c} ${k}`).join(', '),
    public: rows.filter((r) => r[1] === 'Public').length,
    private: rows.filter((r) => r[1] === 'Private').length,
  };
}
