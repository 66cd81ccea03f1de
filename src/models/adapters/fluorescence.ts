/**
 * Fluorescence (In Silico Labeling layout: `examples.csv`, `inputs/<id>/z00.png` .. `zNN.png`).
 * Input: the example's transmitted-light z-stack, float32 NHWC [1, H, W, D] with the D focal
 * depths as channels in depth order, each value the PNG's intensity scaled to [0, 1] (16-bit /
 * 65535, 8-bit / 255); with `model.input.normalise: standardise`, standardised per example
 * instead (zero mean, unit variance over the whole stack, as podium's U-Net baseline reads it).
 * Output: float [1, H, W, C] (or [H, W, C]): the predicted intensity of each label channel in
 * [0, 1], channels in the challenge's `options.channels` order. The submission is the zip of
 * 16-bit `<id>/<CHANNEL>.png` a participant uploads (values clipped to [0, 1], as the
 * baselines write theirs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { depthFiles, readIntensities, standardise } from '../../baselines/fluorescence/data.js';
import { writePredictionZip, type PredictedExample } from '../../baselines/fluorescence/write-predictions.js';
import { readCsv } from '../../formats/csv.js';
import { ProblemList, ValidationError } from '../../problems.js';
import { EXAMPLES_HEADERS } from '../../tasks/fluorescence/truth.js';
import type { ModelTrack } from '../../challenges/model-track.js';
import type { HostTensor } from '../tensor.js';
import { ContractError, contractOf, describeDims, singleOutput, type ModelAdapter } from './adapter.js';

type Normalisation = 'unit' | 'standardise';

/** `normalise: unit | standardise` from the track's input settings (default unit). */
function normalisation(track: ModelTrack): Normalisation {
  const n = track.input.normalise;
  if (n === undefined || n === 'unit') return 'unit';
  if (n === 'standardise') return n;
  throw new ContractError(`model.input.normalise must be unit or standardise, got ${JSON.stringify(n)}`);
}

/** The example ids of `examples.csv`, in its order. */
async function exampleIds(dir: string): Promise<string[]> {
  const name = `${path.basename(dir)}/examples.csv`;
  const ids: string[] = [];
  const problems = new ProblemList();
  await readCsv(path.join(dir, 'examples.csv'), { headers: EXAMPLES_HEADERS, problems, name, onRow: (fields) => ids.push(fields[0]!.trim()) });
  problems.throwIfAny();
  if (ids.length === 0) throw ValidationError.of({ file: name, message: 'lists no examples' });
  return ids;
}

/** One example's z-stack as [1, H, W, D] (depth fastest), normalised as the track says. */
function zStack(dir: string, how: Normalisation): HostTensor {
  const files = depthFiles(dir);
  if (files.length === 0) throw ValidationError.of({ file: dir, message: 'no z-stack images z00.png, z01.png, ...' });
  const D = files.length;
  let width = 0;
  let height = 0;
  let data = new Float32Array(0);
  files.forEach((f, z) => {
    const img = readIntensities(path.join(dir, f));
    if (z === 0) {
      [width, height] = img.size;
      data = new Float32Array(width * height * D);
    } else if (img.size[0] !== width || img.size[1] !== height) {
      throw ValidationError.of({ file: path.join(dir, f), message: `is ${img.size[0]}x${img.size[1]}; ${files[0]} is ${width}x${height}` });
    }
    for (let p = 0; p < width * height; p++) data[p * D + z] = img.data[p]!;
  });
  if (how === 'standardise') standardise(data);
  return { dtype: 'float32', dims: [1, height, width, D], data };
}

export const fluorescenceAdapter: ModelAdapter = {
  async open(challenge, track) {
    const root = track.inputs;
    const channels = challenge.options.channels;
    if (!Array.isArray(channels) || channels.length === 0) {
      throw ValidationError.of({ file: 'challenge.yaml', column: 'options.channels', message: 'a fluorescence model track needs the label channels listed (the order of the output\'s channels)' });
    }
    const C = channels.length;
    const how = normalisation(track);
    const ids = await exampleIds(root);
    const stackDir = (i: number) => path.join(root, 'inputs', ids[i]!);
    const first = zStack(stackDir(0), how);
    const [, H0, W0, D0] = first.dims as [number, number, number, number];
    const predictions: PredictedExample[] = new Array(ids.length);
    const sizes: { width: number; height: number }[] = new Array(ids.length);
    const outputText = `float [1, H, W, ${C}] (or [H, W, ${C}]): each label's intensity in [0, 1] at the input's size, channels ${channels.join(', ')}`;
    const scaled = how === 'unit' ? 'each value the intensity in [0, 1] (16-bit / 65535, 8-bit / 255)' : 'standardised per example (zero mean, unit variance over the stack)';
    return {
      contract: contractOf(track.feeds, outputText, {
        zstack: { dims: first.dims, description: `float32 NHWC [1, H, W, D]: the transmitted-light z-stack, D focal depths as channels (${H0}x${W0}, D = ${D0} here), ${scaled}` },
      }),
      count: ids.length,
      input(i) {
        const tensor = i === 0 ? first : zStack(stackDir(i), how);
        sizes[i] = { width: tensor.dims[2]!, height: tensor.dims[1]! };
        return { zstack: tensor };
      },
      add(i, outputs) {
        const t = singleOutput(outputs, outputText);
        const { width: W, height: H } = sizes[i]!;
        const d = t.dims;
        const ok = (t.dtype === 'float32' || t.dtype === 'float64') &&
          ((d.length === 4 && d[0] === 1 && d[1] === H && d[2] === W && d[3] === C) || (d.length === 3 && d[0] === H && d[1] === W && d[2] === C));
        if (!ok) throw new ContractError(`output for ${ids[i]} is ${t.dtype} ${describeDims(d)}; expected [1, ${H}, ${W}, ${C}] (${outputText})`);
        const s = t.data as Float32Array | Float64Array;
        const images = channels.map(() => (t.dtype === 'float64' ? new Float64Array(W * H) : new Float32Array(W * H)));
        for (let p = 0; p < W * H; p++) {
          for (let c = 0; c < C; c++) {
            const v = s[p * C + c]!;
            if (Number.isNaN(v)) throw new ContractError(`output for ${ids[i]} is NaN at pixel ${p} of channel ${channels[c]}`);
            images[c]![p] = v;
          }
        }
        predictions[i] = { id: ids[i]!, width: W, height: H, channels: new Map(channels.map((name, c) => [String(name), images[c]!])) };
      },
      async finish(workDir) {
        fs.mkdirSync(workDir, { recursive: true });
        const out = path.join(workDir, 'submission.zip');
        await writePredictionZip(out, predictions.filter(Boolean));
        return out;
      },
    };
  },
};
