/**
 * Object detection (COCO format). Input: one RGB image listed in the inputs file (a COCO
 * instances file: only its `images` and `categories` are read), float32 NHWC [1, H, W, 3] at
 * the image's size, channels scaled from 0..255 to `range` (default [-1, 1]). Output, the
 * TensorFlow Object Detection API's layout, three tensors by name:
 *   boxes   float [1, K, 4]: [ymin, xmin, ymax, xmax] normalised to [0, 1] by the image size;
 *   scores  float [1, K];
 *   classes [1, K] (float or integer): 0-based index into the categories in ascending id.
 * Any K (up to 10,000); detections of score 0 or below are dropped. The submission is the CSV
 * `image_id,category_id,score,x,y,width,height` in pixels that a participant uploads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeDetectionsCsv, type CocoDetection } from '../../baselines/detection/write-detections.js';
import { ValidationError } from '../../problems.js';
import { ContractError, contractOf, describeDims, imageInput, inputRange, readInputsJson, type ModelAdapter } from './adapter.js';

interface CocoInputs {
  images: { id: number; file_name: string; width: number; height: number }[];
  categories: { id: number }[];
}

const MAX_DETECTIONS = 10_000;

export const detectionAdapter: ModelAdapter = {
  async open(_challenge, track) {
    const file = track.inputs;
    const json = readInputsJson<CocoInputs>(file);
    if (!Array.isArray(json.images) || json.images.length === 0) throw ValidationError.of({ file, message: 'no images' });
    const categories = (json.categories ?? []).map((c) => c.id).sort((a, b) => a - b);
    if (categories.length === 0) throw ValidationError.of({ file, message: 'no categories' });
    const imagesDir = typeof track.input.images === 'string'
      ? path.resolve(path.dirname(file), track.input.images)
      : path.join(path.dirname(file), '..', 'images', 'test');
    const locate = (name: string) => {
      const f = path.join(imagesDir, name);
      return fs.existsSync(f) ? f : path.join(path.dirname(file), '..', name);
    };
    const [lo, hi] = inputRange(track);
    const detections: CocoDetection[][] = new Array(json.images.length);
    const outputText = `boxes [1, K, 4] ([ymin, xmin, ymax, xmax] in 0..1), scores [1, K], classes [1, K] (0-based index into the ${categories.length} categories in ascending id)`;
    const first = json.images[0];
    return {
      contract: contractOf(track.feeds, outputText, {
        image: { dims: [1, first.height, first.width, 3], description: `float32 NHWC [1, H, W, 3] at each image's size (${first.height}x${first.width} here), RGB scaled from 0..255 to [${lo}, ${hi}]` },
      }),
      count: json.images.length,
      input(i) {
        return { image: imageInput(locate(json.images[i].file_name), [lo, hi]).tensor };
      },
      add(i, outputs) {
        const { boxes, scores, classes } = outputs;
        if (!boxes || !scores || !classes) {
          throw new ContractError(`the model's outputs are ${Object.keys(outputs).join(', ')}; the contract expects ${outputText}`);
        }
        const K = scores.data.length;
        if (K > MAX_DETECTIONS) throw new ContractError(`${K} detections for one image; at most ${MAX_DETECTIONS}`);
        if (boxes.data.length !== K * 4 || classes.data.length !== K || boxes.dims[boxes.dims.length - 1] !== 4) {
          throw new ContractError(`boxes ${describeDims(boxes.dims)}, scores ${describeDims(scores.dims)}, classes ${describeDims(classes.dims)} do not agree; expected ${outputText}`);
        }
        const im = json.images[i];
        const out: CocoDetection[] = [];
        for (let k = 0; k < K; k++) {
          const score = Number(scores.data[k]);
          if (Number.isNaN(score)) throw new ContractError(`score ${k} for image ${im.id} is NaN`);
          if (!(score > 0)) continue;
          const u = Number(classes.data[k]);
          if (!Number.isInteger(u) || u < 0 || u >= categories.length) {
            throw new ContractError(`class ${u} of detection ${k} for image ${im.id} is not an index 0..${categories.length - 1}`);
          }
          const [y0, x0, y1, x1] = [0, 1, 2, 3].map((c) => Number(boxes.data[k * 4 + c]));
          if (![y0, x0, y1, x1].every(Number.isFinite)) throw new ContractError(`box ${k} for image ${im.id} is not finite`);
          const x = Math.max(0, Math.min(x0, x1)) * im.width;
          const y = Math.max(0, Math.min(y0, y1)) * im.height;
          const w = Math.min(1, Math.max(x0, x1)) * im.width - x;
          const h = Math.min(1, Math.max(y0, y1)) * im.height - y;
          if (!(w > 0 && h > 0)) continue;
          out.push({ imageId: im.id, categoryId: categories[u], score, bbox: [x, y, w, h] });
        }
        detections[i] = out;
      },
      async finish(workDir) {
        fs.mkdirSync(workDir, { recursive: true });
        const out = path.join(workDir, 'submission.csv');
        writeDetectionsCsv(out, detections.flatMap((d) => d ?? []));
        return out;
      },
    };
  },
};
