/**
 * Speech separation (wsj0-2mix / LibriMix layout, with face tracks for audio-visual
 * challenges). Inputs, the challenge's feeds (models/feeds.ts):
 *   mixture      float32 [1, T]: the waveform of `mix/<id>.wav` at its own sample rate and
 *                length (samples as read, in [-1, 1]);
 *   face_tracks  float32 [1, V, 2]: `face/<id>.csv`, one row per video frame (25 fps), the
 *                mouth openness of speaker s1 then s2, as written there.
 * Output: float [1, 2, T] (or [2, T]): the two estimated sources, sample for sample. The
 * submission is the zip of `s1/<id>.wav`, `s2/<id>.wav` (float32 WAV) a participant uploads.
 * The model computes any features itself (the mask nets' files carry their STFT, inverse STFT
 * and face-track resampling as graph nodes).
 */
import fs from 'node:fs';
import path from 'node:path';
import { mixtureIds, readFace } from '../../baselines/separation/data.js';
import { writeSourcesZip } from '../../baselines/separation/write-sources.js';
import { readWav } from '../../formats/wav.js';
import { ValidationError } from '../../problems.js';
import type { HostTensor } from '../tensor.js';
import { ContractError, contractOf, describeDims, singleOutput, type ModelAdapter } from './adapter.js';

/** face/<id>.csv as float32 [1, V, 2] (frame-major: s1, s2 per frame). */
function faceTracks(file: string): HostTensor {
  let face: { s1: number[]; s2: number[] };
  try {
    face = readFace(file);
  } catch (e) {
    throw ValidationError.of({ file, message: `face track unreadable: ${(e as Error).message.split('\n')[0]}` });
  }
  const V = face.s1.length;
  const data = new Float32Array(2 * V);
  for (let f = 0; f < V; f++) {
    data[2 * f] = face.s1[f];
    data[2 * f + 1] = face.s2[f];
  }
  return { dtype: 'float32', dims: [1, V, 2], data };
}

export const separationAdapter: ModelAdapter = {
  async open(_challenge, track) {
    const dir = track.inputs;
    const ids = mixtureIds(dir);
    const rates: number[] = new Array(ids.length);
    const lengths: number[] = new Array(ids.length);
    const estimates: { id: string; sampleRate: number; sources: Float32Array[] }[] = new Array(ids.length);
    const withFaces = track.feeds.some((f) => f.name === 'face_tracks');
    const faceFile = (id: string) => path.join(dir, 'face', `${id}.csv`);
    const first = readWav(path.join(dir, 'mix', `${ids[0]}.wav`));
    const firstFace = withFaces ? faceTracks(faceFile(ids[0])) : undefined;
    const outputText = 'float [1, 2, T] (or [2, T]): two sources, T samples each, the mixture\'s length';
    return {
      contract: contractOf(track.feeds, outputText, {
        mixture: { dims: [1, first.samples.length], description: `float32 [1, T]: the mixture waveform at its sample rate (${first.sampleRate} Hz, T = ${first.samples.length} here)` },
        ...(firstFace ? {
          face_tracks: {
            dims: firstFace.dims,
            description: `float32 [1, V, 2]: each speaker's mouth openness per video frame at 25 fps (column 0 speaker s1, column 1 s2; V = ${firstFace.dims[1]} here)`,
          },
        } : {}),
      }),
      count: ids.length,
      input(i) {
        const wav = readWav(path.join(dir, 'mix', `${ids[i]}.wav`));
        rates[i] = wav.sampleRate;
        lengths[i] = wav.samples.length;
        const feeds: Record<string, HostTensor> = { mixture: { dtype: 'float32', dims: [1, wav.samples.length], data: Float32Array.from(wav.samples) } };
        if (withFaces) feeds.face_tracks = faceTracks(faceFile(ids[i]));
        return feeds;
      },
      add(i, outputs) {
        const t = singleOutput(outputs, outputText);
        const d = t.dims;
        const T = d[d.length - 1];
        const ok = (t.dtype === 'float32' || t.dtype === 'float64') &&
          ((d.length === 3 && d[0] === 1 && d[1] === 2) || (d.length === 2 && d[0] === 2));
        if (!ok) throw new ContractError(`output for ${ids[i]} is ${t.dtype} ${describeDims(d)}; the contract expects ${outputText}`);
        if (T !== lengths[i]) throw new ContractError(`output for ${ids[i]} has ${T} samples a source; the mixture has ${lengths[i]}`);
        const s = t.data as Float32Array;
        for (let j = 0; j < s.length; j++) if (!Number.isFinite(s[j])) throw new ContractError(`output for ${ids[i]} is not finite at sample ${j % T} of source ${Math.floor(j / T) + 1}`);
        estimates[i] = { id: ids[i], sampleRate: rates[i], sources: [Float32Array.from(s.subarray(0, T)), Float32Array.from(s.subarray(T, 2 * T))] };
      },
      async finish(workDir) {
        fs.mkdirSync(workDir, { recursive: true });
        const out = path.join(workDir, 'submission.zip');
        await writeSourcesZip(out, estimates.filter(Boolean));
        return out;
      },
    };
  },
};
