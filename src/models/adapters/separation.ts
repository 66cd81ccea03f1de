/**
 * Speech separation (wsj0-2mix / LibriMix layout). Input: one mixture, float32 [1, T], the
 * waveform of `mix/<id>.wav` at its own sample rate and length (samples as read, in [-1, 1]).
 * Output: float [1, 2, T] (or [2, T]): the two estimated sources, sample for sample. The
 * submission is the zip of `s1/<id>.wav`, `s2/<id>.wav` (float32 WAV) a participant uploads.
 * The model computes any features itself (the audio-only baseline's file carries its STFT and
 * inverse STFT as graph nodes). Audio only: the contract has one input, so the face tracks of
 * an audio-visual challenge are not fed to models (the audio-visual baseline is file-only).
 */
import fs from 'node:fs';
import path from 'node:path';
import { mixtureIds } from '../../baselines/separation/data.js';
import { writeSourcesZip } from '../../baselines/separation/write-sources.js';
import { readWav } from '../../formats/wav.js';
import { ContractError, describeDims, singleOutput, type ModelAdapter } from './adapter.js';

export const separationAdapter: ModelAdapter = {
  async open(_challenge, track) {
    const dir = track.inputs;
    const ids = mixtureIds(dir);
    const rates: number[] = new Array(ids.length);
    const lengths: number[] = new Array(ids.length);
    const estimates: { id: string; sampleRate: number; sources: Float32Array[] }[] = new Array(ids.length);
    const first = readWav(path.join(dir, 'mix', `${ids[0]}.wav`));
    const outputText = 'float [1, 2, T] (or [2, T]): two sources, T samples each, the mixture\'s length';
    return {
      contract: {
        input: `float32 [1, T]: the mixture waveform at its sample rate (${first.sampleRate} Hz, T = ${first.samples.length} here)`,
        output: outputText,
        inputDtype: 'float32',
        inputDims: [1, first.samples.length],
      },
      count: ids.length,
      input(i) {
        const wav = readWav(path.join(dir, 'mix', `${ids[i]}.wav`));
        rates[i] = wav.sampleRate;
        lengths[i] = wav.samples.length;
        return { dtype: 'float32', dims: [1, wav.samples.length], data: Float32Array.from(wav.samples) };
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
