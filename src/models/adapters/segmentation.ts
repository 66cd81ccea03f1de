/**
 * Semantic segmentation (PASCAL VOC devkit layout). Input: one RGB image of the split named by
 * the challenge's `split` option (default val), float32 NHWC [1, H, W, 3] at the image's own
 * size, channels scaled from 0..255 to `range` (default [-1, 1]). Output, either:
 *   - float scores NHWC [1, H, W, C] (C = 21 VOC classes): the arg-max class per pixel, ties
 *     to the lower class; or
 *   - integer class ids [1, H, W] (int32 / int64 / uint8), each in 0..C-1.
 * The submission is the zip of 8-bit VOC-palette PNG masks `<id>.png` that a participant uploads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readRgb } from '../../baselines/images.js';
import { splitIds, VOC_CLASSES } from '../../baselines/segmentation/data.js';
import { writeMaskZip } from '../../baselines/segmentation/write-masks.js';
import { ValidationError } from '../../problems.js';
import { ContractError, contractOf, describeDims, imageInput, inputRange, singleOutput, type ModelAdapter } from './adapter.js';

function imageFile(vocRoot: string, id: string): string {
  for (const ext of ['.png', '.jpg', '.jpeg']) {
    const f = path.join(vocRoot, 'JPEGImages', `${id}${ext}`);
    if (fs.existsSync(f)) return f;
  }
  throw ValidationError.of({ file: path.join(vocRoot, 'JPEGImages'), message: `no image for ${id}` });
}

export const segmentationAdapter: ModelAdapter = {
  async open(challenge, track) {
    const root = track.inputs;
    const split = typeof challenge.options.split === 'string' ? challenge.options.split : 'val';
    const ids = splitIds(root, split);
    if (ids.length === 0) throw ValidationError.of({ file: root, message: `no ids in ImageSets/Segmentation/${split}.txt` });
    const [lo, hi] = inputRange(track);
    const C = VOC_CLASSES;
    const masks: { id: string; width: number; height: number; classes: Uint8Array }[] = new Array(ids.length);
    const sizes: { width: number; height: number }[] = new Array(ids.length);
    const first = readRgb(imageFile(root, ids[0]));
    const outputText = `float32 scores NHWC [1, H, W, ${C}] (arg-max per pixel) or integer class ids [1, H, W] in 0..${C - 1}, at the image's size`;
    return {
      contract: contractOf(track.feeds, outputText, {
        image: { dims: [1, first.height, first.width, 3], description: `float32 NHWC [1, H, W, 3] at each image's size (${first.height}x${first.width} here), RGB scaled from 0..255 to [${lo}, ${hi}]` },
      }),
      count: ids.length,
      input(i) {
        const { tensor, width, height } = imageInput(imageFile(root, ids[i]), [lo, hi]);
        sizes[i] = { width, height };
        return { image: tensor };
      },
      add(i, outputs) {
        const t = singleOutput(outputs, outputText);
        const { width: W, height: H } = sizes[i];
        const n = W * H;
        const classes = new Uint8Array(n);
        const d = t.dims;
        if (t.dtype === 'float32' || t.dtype === 'float64') {
          if (d.length !== 4 || d[0] !== 1 || d[1] !== H || d[2] !== W || d[3] !== C) {
            throw new ContractError(`output for ${ids[i]} has shape ${describeDims(d)}; expected [1, ${H}, ${W}, ${C}] (${outputText})`);
          }
          const s = t.data as Float32Array;
          for (let p = 0; p < n; p++) {
            let best = 0;
            let bestScore = s[p * C];
            for (let c = 1; c < C; c++) if (s[p * C + c] > bestScore) (bestScore = s[p * C + c]), (best = c);
            if (Number.isNaN(bestScore)) throw new ContractError(`output for ${ids[i]} contains NaN`);
            classes[p] = best;
          }
        } else if (t.dtype === 'int32' || t.dtype === 'int64' || t.dtype === 'uint8') {
          if (d.length !== 3 || d[0] !== 1 || d[1] !== H || d[2] !== W) {
            throw new ContractError(`output for ${ids[i]} has shape ${describeDims(d)}; expected [1, ${H}, ${W}] (${outputText})`);
          }
          for (let p = 0; p < n; p++) {
            const v = Number(t.data[p]);
            if (!(v >= 0 && v < C)) throw new ContractError(`output for ${ids[i]} has class ${v} at pixel ${p}; expected 0..${C - 1}`);
            classes[p] = v;
          }
        } else {
          throw new ContractError(`output dtype ${t.dtype}; the contract expects ${outputText}`);
        }
        masks[i] = { id: ids[i], width: W, height: H, classes };
      },
      async finish(workDir) {
        fs.mkdirSync(workDir, { recursive: true });
        const out = path.join(workDir, 'submission.zip');
        await writeMaskZip(out, masks.filter(Boolean));
        return out;
      },
    };
  },
};
