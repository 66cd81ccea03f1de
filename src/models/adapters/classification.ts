/**
 * Classification (iNat 2018 format). Input: one RGB image, float32 NHWC [1, S, S, 3] with the
 * channel values scaled linearly from 0..255 to `range` (default [-1, 1]). Output: one float
 * tensor of C scores ([1, C] or [C]), unit u scoring the u-th category in ascending category
 * id (the categories of the inputs file). The submission is `id,predicted` with the top-k
 * units (k = the challenge's `predictions`, else 5), highest score first, ties to the lower id.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../../problems.js';
import { ContractError, contractOf, describeDims, imageInput, inputRange, readInputsJson, singleOutput, type ModelAdapter } from './adapter.js';

interface InatInputs {
  images: { id: number | string; file_name: string; width: number; height: number }[];
  categories?: { id: number }[];
}

export const classificationAdapter: ModelAdapter = {
  async open(challenge, track) {
    const file = track.inputs;
    const json = readInputsJson<InatInputs>(file);
    if (!Array.isArray(json.images) || json.images.length === 0) throw ValidationError.of({ file, message: 'no images' });
    if (!Array.isArray(json.categories) || json.categories.length === 0) throw ValidationError.of({ file, message: 'no categories (the output units)' });
    const categories = json.categories.map((c) => c.id).sort((a, b) => a - b);
    const size = json.images[0].width;
    for (const im of json.images) {
      if (im.width !== size || im.height !== size) throw ValidationError.of({ file, message: `image ${im.id} is ${im.width}x${im.height}; the inputs must all be ${size}x${size}` });
    }
    const [lo, hi] = inputRange(track);
    const k = Math.min(categories.length, typeof challenge.options.predictions === 'number' ? challenge.options.predictions : 5);
    const dir = path.dirname(file);
    const rows: string[] = new Array(json.images.length);
    const C = categories.length;
    const outputText = `one float32 tensor [1, ${C}] (or [${C}]): a score per class, unit u = the u-th category in ascending id`;
    return {
      contract: contractOf(track.feeds, outputText, {
        image: { dims: [1, size, size, 3], description: `float32 NHWC [1, ${size}, ${size}, 3], RGB scaled from 0..255 to [${lo}, ${hi}]` },
      }),
      count: json.images.length,
      input(i) {
        return { image: imageInput(path.join(dir, json.images[i].file_name), [lo, hi]).tensor };
      },
      add(i, outputs) {
        const t = singleOutput(outputs, outputText);
        const n = t.data.length;
        if ((t.dtype !== 'float32' && t.dtype !== 'float64') || n !== C || t.dims.filter((d) => d !== 1).length > 1) {
          throw new ContractError(`output has dtype ${t.dtype} and shape ${describeDims(t.dims)}; the contract expects ${outputText}`);
        }
        const s = t.data as Float32Array;
        for (let u = 0; u < C; u++) if (Number.isNaN(s[u])) throw new ContractError(`output for image ${json.images[i].id} contains NaN`);
        const order = Array.from({ length: C }, (_, u) => u).sort((a, b) => (s[b] - s[a]) || a - b);
        rows[i] = `${json.images[i].id},${order.slice(0, k).map((u) => categories[u]).join(' ')}`;
      },
      async finish(workDir) {
        fs.mkdirSync(workDir, { recursive: true });
        const out = path.join(workDir, 'submission.csv');
        fs.writeFileSync(out, ['id,predicted', ...rows.filter((r) => r !== undefined)].join('\n') + '\n');
        return out;
      },
    };
  },
};
