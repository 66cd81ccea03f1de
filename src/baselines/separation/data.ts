/**
 * separation-mini (wsj0-2mix / LibriMix layout + face tracks) read for the mask networks:
 * per mixture the STFT of the mixture, phase-sensitive targets for each source, and the
 * speakers' mouth-openness tracks resampled from 25 fps video frames to STFT frames.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readWav } from '../../formats/wav.js';
import { BINS, HOP, magnitude, stft, type Spectrogram } from './stft.js';

export const FACE_FPS = 25;
/** Visual features per STFT frame: each speaker's mouth openness and its change. */
export const VISUAL_FEATURES = 4;

export interface Mixture {
  id: string;
  sampleRate: number;
  samples: number;
  mix: Float64Array;
  spec: Spectrogram;
  /** frames x BINS: normalised log magnitude of the mixture (the network's audio input). */
  features: Float32Array;
  /** frames x BINS: mixture magnitude divided by its mean (the scale the loss works in). */
  mixMag: Float32Array;
  /** 2 x frames x BINS: phase-sensitive targets |S| cos(angle S - angle X), same scale, clipped to [0, |X|]. */
  targets?: Float32Array;
  /** frames x VISUAL_FEATURES. */
  visual: Float32Array;
  /** Clean sources, when present (training, oracle). */
  sources?: [Float64Array, Float64Array];
}

export function mixtureIds(splitDir: string): string[] {
  const dir = path.join(splitDir, 'mix');
  if (!fs.existsSync(dir)) throw new Error(`${dir} not found; run \`podium data make separation-mini\``);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.wav')).map((f) => f.slice(0, -4)).sort();
}

export function readFace(file: string): { s1: number[]; s2: number[] } {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean);
  const header = lines[0].split(',').map((h) => h.trim());
  const c1 = header.indexOf('s1');
  const c2 = header.indexOf('s2');
  if (c1 < 0 || c2 < 0) throw new Error(`${file}: expected a header with s1 and s2 columns`);
  const s1: number[] = [];
  const s2: number[] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    s1.push(Number(cells[c1]));
    s2.push(Number(cells[c2]));
  }
  return { s1, s2 };
}

/** Linear interpolation of a 25 fps track at the centre time of each STFT frame. */
function resampleTrack(track: number[], frames: number, sampleRate: number): Float32Array {
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    const pos = ((f * HOP) / sampleRate) * FACE_FPS;
    const i = Math.min(track.length - 1, Math.floor(pos));
    const j = Math.min(track.length - 1, i + 1);
    const w = pos - Math.floor(pos);
    out[f] = (track[i] ?? 0) * (1 - w) + (track[j] ?? 0) * w;
  }
  return out;
}

export function loadMixture(splitDir: string, id: string, withSources: boolean): Mixture {
  const wav = readWav(path.join(splitDir, 'mix', `${id}.wav`));
  const spec = stft(wav.samples);
  const mag = magnitude(spec);
  let mean = 0;
  for (const v of mag) mean += v;
  mean = mean / mag.length || 1;
  // Indexed loops, not Float32Array.from(array, map) (V8's iterator path, seconds per run).
  const mixMag = new Float32Array(mag.length);
  for (let i = 0; i < mag.length; i++) mixMag[i] = mag[i] / mean;
  // Log magnitude, standardised per mixture (the network then sees no loudness).
  const logMag = new Float32Array(mag.length);
  for (let i = 0; i < mag.length; i++) logMag[i] = Math.log(mag[i] + 1e-4);
  let mu = 0;
  for (const v of logMag) mu += v;
  mu /= logMag.length;
  let sd = 0;
  for (const v of logMag) sd += (v - mu) ** 2;
  sd = Math.sqrt(sd / logMag.length) || 1;
  const features = new Float32Array(logMag.length);
  for (let i = 0; i < logMag.length; i++) features[i] = (logMag[i] - mu) / sd;

  const face = readFace(path.join(splitDir, 'face', `${id}.csv`));
  const tracks = [resampleTrack(face.s1, spec.frames, wav.sampleRate), resampleTrack(face.s2, spec.frames, wav.sampleRate)];
  const visual = new Float32Array(spec.frames * VISUAL_FEATURES);
  for (let f = 0; f < spec.frames; f++) {
    for (let k = 0; k < 2; k++) {
      visual[f * VISUAL_FEATURES + k] = tracks[k][f];
      visual[f * VISUAL_FEATURES + 2 + k] = f > 0 ? (tracks[k][f] - tracks[k][f - 1]) * 10 : 0;
    }
  }

  const m: Mixture = { id, sampleRate: wav.sampleRate, samples: wav.samples.length, mix: wav.samples, spec, features, mixMag, visual };
  if (withSources) {
    const s1 = readWav(path.join(splitDir, 's1', `${id}.wav`)).samples;
    const s2 = readWav(path.join(splitDir, 's2', `${id}.wav`)).samples;
    m.sources = [s1, s2];
    const targets = new Float32Array(2 * spec.frames * BINS);
    [s1, s2].forEach((s, k) => {
      const src = stft(s);
      for (let i = 0; i < mag.length; i++) {
        // |S| cos(angle S - angle X) = Re(S conj(X)) / |X|
        const dot = src.re[i] * spec.re[i] + src.im[i] * spec.im[i];
        const psa = mag[i] > 1e-9 ? dot / mag[i] : 0;
        targets[k * mag.length + i] = Math.min(Math.max(psa, 0), mag[i]) / mean;
      }
    });
    m.targets = targets;
  }
  return m;
}
