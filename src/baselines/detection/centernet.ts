/**
 * The pretrained CenterNet COCO-80 detector that ships with @vladmandic/human
 * (models/centernet.json: MobileNetV3 + CenterNet head, 512x512 input, converted from
 * github.com/610265158/mobilenetv3_centernet). No training: the graph model is loaded from
 * node_modules through tf.io.fromMemory and run through the same submission path as SSDLite.
 * Its `tower_0/detections` output holds the top 100 centres as [x0, y0, x1, y1, score, class]
 * in input pixels; as human does, we add class-wise NMS and scale back to the image.
 * Its 80 classes are mapped to the truth's categories by name (COCO category ids on COCO data);
 * classes the truth does not have are dropped, so on data without COCO classes it scores 0;
 * there (the demo's detection-mini) the images are not run at all: the submission is the
 * same empty file either way, and the latency figures are still measured.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import type { Baseline, BaselineContext } from '../baseline.js';
import { graphCost } from '../graph-cost.js';
import { loadGraphModel } from '../model-store.js';
import { modelLatency } from '../model-latency.js';
import { COCO_IDS, COCO_NAMES } from './coco-classes.js';
import { readImage, readInstances } from './data.js';
import { nonMaxSuppression, type Detection } from './nms.js';
import { writeDetectionsCsv, type CocoDetection } from './write-detections.js';
import { progress } from '../../progress.js';

const INPUT = 512;
const MIN_SCORE = 0.05;

export function centernetModelPath(): string {
  // The package's exports hide package.json: start from its main entry and walk up to models/.
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve('@vladmandic/human'));
  while (!fs.existsSync(path.join(dir, 'models', 'centernet.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('@vladmandic/human is installed without models/centernet.json');
    dir = up;
  }
  return path.join(dir, 'models', 'centernet.json');
}

export const centernet: Baseline = {
  name: 'centernet-coco80',
  challenge: 'detection-mini',
  description: 'pretrained CenterNet (MobileNetV3) COCO-80 detector from @vladmandic/human, 512x512, no training',
  kind: 'pretrained',
  async run(ctx: BaselineContext) {
    const modelPath = centernetModelPath();
    const graph = await loadGraphModel(modelPath);
    const test = readInstances(ctx.dataDir, 'test');
    const byName = new Map(test.categories.map((c) => [c.name, c.id]));
    const truthIds = new Set(test.categories.map((c) => c.id));
    const categoryOf = (cls: number): number | undefined =>
      byName.get(COCO_NAMES[cls]) ?? (truthIds.has(COCO_IDS[cls]) && test.categories.find((c) => c.id === COCO_IDS[cls])?.name === COCO_NAMES[cls] ? COCO_IDS[cls] : undefined);
    const unmatched = COCO_NAMES.filter((_, i) => categoryOf(i) === undefined).length;
    const noneKept = unmatched === COCO_NAMES.length;
    if (noneKept) ctx.log('no COCO class names in this truth: every detection would be dropped, so the test images are not run (AP 0)');

    const makeInput = (i: number) => tf.tidy(() => {
      const im = readImage(ctx.dataDir, 'test', test.images[i].file_name);
      const pixels = tf.tensor3d(Float32Array.from(im.rgb), [im.height, im.width, 3]);
      return tf.image.resizeBilinear(pixels, [INPUT, INPUT]).expandDims(0); // raw 0-255, as human feeds it
    });
    const detections: CocoDetection[] = [];
    const rawByClass = new Map<string, number>();
    if (!noneKept) {
      const bar = progress('predict centernet', test.images.length);
      try {
        for (let i = 0; i < test.images.length; i++) {
          const im = test.images[i];
          const x = makeInput(i);
          const out = graph.execute(x, 'tower_0/detections') as tf.Tensor;
          const rows = (await out.array()) as number[][][];
          tf.dispose([x, out]);
          const candidates: Detection[] = [];
          for (const [x0, y0, x1, y1, score, cls] of rows[0]) {
            if (!(score >= MIN_SCORE) || !Number.isFinite(cls)) continue;
            const sx = im.width / INPUT;
            const sy = im.height / INPUT;
            candidates.push({ classIndex: Math.round(cls), score, box: [x0 * sx, y0 * sy, x1 * sx, y1 * sy] });
          }
          for (const d of nonMaxSuppression(candidates, 0.5, 100)) {
            rawByClass.set(COCO_NAMES[d.classIndex], (rawByClass.get(COCO_NAMES[d.classIndex]) ?? 0) + 1);
            const categoryId = categoryOf(d.classIndex);
            if (categoryId === undefined) continue;
            const bx0 = Math.max(0, d.box[0]), by0 = Math.max(0, d.box[1]);
            const bx1 = Math.min(im.width, d.box[2]), by1 = Math.min(im.height, d.box[3]);
            if (bx1 <= bx0 || by1 <= by0) continue;
            detections.push({ imageId: im.id, categoryId, score: d.score, bbox: [bx0, by0, bx1 - bx0, by1 - by0] });
          }
          bar.tick();
        }
      } finally {
        bar.stop();
      }
    }
    fs.mkdirSync(ctx.workDir, { recursive: true });
    const submission = path.join(ctx.workDir, 'submission.csv');
    writeDetectionsCsv(submission, detections);
    const common = [...rawByClass.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, v]) => `${k} ${v}`).join(', ');
    if (!noneKept) ctx.log(`${detections.length} detections kept on ${test.images.length} images (COCO classes found: ${common || 'none'})`);
    let latency;
    if (ctx.latency) {
      const samples = Math.min(8, test.images.length);
      const inputs = Array.from({ length: samples }, (_, i) => makeInput(i));
      const model = { predict: (x: tf.Tensor | tf.Tensor[]) => graph.execute(x, 'tower_0/detections') as tf.Tensor };
      // The converted graph has a fixed batch of 1, so the Offline scenario runs batches of one.
      latency = await modelLatency(model, { samples, make: (start) => inputs[start].clone() },
        { ...ctx.latency, offlineBatch: 1, offlineSamples: Math.min(ctx.latency.offlineSamples, 16) }, ctx.runtime, graphCost(graph, modelPath, inputs[0]));
      tf.dispose(inputs);
    }
    graph.dispose();
    return { submission, latency };
  },
};
