/**
 * What a participant gets for one motion-photos-mini clip, read for the baselines: grey frames,
 * frame timestamps, gyroscope and OIS samples, and the camera description (camera.json).
 * Never reads motion.json (the truth).
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodePng } from '../../formats/png.js';

export interface CameraInfo {
  width: number;
  height: number;
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  readout_ns: number;
  frame_interval_ns: number;
}

export interface ClipInputs {
  id: string;
  camera: CameraInfo;
  /** Start-of-readout timestamps, ns. */
  frameNs: number[];
  /** Gyro: timestamps (ns) and angular velocity (rad/s) per sample. */
  gyroNs: Float64Array;
  gyro: Float64Array; // 3 a sample
  oisNs: Float64Array;
  ois: Float64Array; // 2 a sample
  /** Lazily decoded frames, grey 0..255 as Float32Array, row-major. */
  frame(t: number): Float32Array;
}

function readNumbers(file: string, columns: number): { t: Float64Array; v: Float64Array } {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
  const t = new Float64Array(lines.length);
  const v = new Float64Array(lines.length * columns);
  lines.forEach((line, i) => {
    const f = line.split(',');
    t[i] = Number(f[0]);
    for (let c = 0; c < columns; c++) v[i * columns + c] = Number(f[c + 1]);
  });
  return { t, v };
}

/** Clip ids of a test folder (clips.csv order). */
export function clipIds(testDir: string): string[] {
  return fs.readFileSync(path.join(testDir, 'clips.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]!.trim());
}

export function readClipInputs(testDir: string, id: string): ClipInputs {
  const dir = path.join(testDir, id);
  const camera = JSON.parse(fs.readFileSync(path.join(dir, 'camera.json'), 'utf8')) as CameraInfo;
  const frames = readNumbers(path.join(dir, 'frames.csv'), 1);
  const gyro = readNumbers(path.join(dir, 'gyro.csv'), 3);
  const ois = readNumbers(path.join(dir, 'ois.csv'), 2);
  const cache = new Map<number, Float32Array>();
  return {
    id,
    camera,
    frameNs: Array.from(frames.v),
    gyroNs: gyro.t,
    gyro: gyro.v,
    oisNs: ois.t,
    ois: ois.v,
    frame(t) {
      let img = cache.get(t);
      if (!img) {
        const png = decodePng(fs.readFileSync(path.join(dir, 'frames', `${String(t).padStart(4, '0')}.png`)));
        img = Float32Array.from(png.data);
        cache.set(t, img);
      }
      return img;
    },
  };
}

/** The middle of frame t's readout, ns (where the truth and the baselines take each frame). */
export const midReadoutNs = (clip: ClipInputs, t: number) => clip.frameNs[t]! + clip.camera.readout_ns / 2;
