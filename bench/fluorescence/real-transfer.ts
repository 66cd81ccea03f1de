/**
 * How the isl-mini U-Net transfers to real microscopy: the network trained on the synthetic
 * set (data/isl-mini/baselines/unet, from `podium baseline run isl-mini --baseline unet`) is run
 * on tiles of a real In Silico Labeling well imported with `podium data import isl`, and
 * scored by the fluorescence task against the real DAPI, MAP2 and NFH labels (the synthetic
 * set's DAPI, MAP2, NFH outputs; DEAD has no real label here).
 *
 *   npx tsx src/cli.ts data import isl <in-silico-labeling folder> /tmp/isl-real
 *   npx tsx bench/fluorescence/real-transfer.ts /tmp/isl-real [--tile 256] [--factor 4]
 *
 * Tiles of `tile` pixels are averaged down by `factor` (real nuclei are ~4x larger in pixels
 * than the synthetic ones), so the network sees 64 x 64 inputs as in training. The labels are
 * averaged down the same way. Every tile of every example is scored (pooled r per channel).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { loadModel } from '../../src/baselines/model-store.js';
import { depthFiles, readIntensities, standardise } from '../../src/baselines/fluorescence/data.js';
import { encodePng } from '../../src/formats/png.js';
import { to16Bit } from '../../src/baselines/fluorescence/write-predictions.js';
import { taskFromDefinition } from '../../src/scoring/pipeline.js';
import { definition } from '../../src/tasks/fluorescence/index.js';
import { countFlag } from '../lib/args.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const src = process.argv[2];
if (!src || src.startsWith('--')) throw new Error('usage: real-transfer.ts <imported isl folder> [--tile 256] [--factor 4]');
const TILE = countFlag('tile', 256);
const FACTOR = countFlag('factor', 4);
const OUT = TILE / FACTOR;
const SYNTHETIC = ['DAPI', 'MAP2', 'NFH', 'DEAD'];

function downsample(img: Float32Array, width: number, x0: number, y0: number): Float32Array {
  const out = new Float32Array(OUT * OUT);
  for (let y = 0; y < OUT; y++) {
    for (let x = 0; x < OUT; x++) {
      let s = 0;
      for (let dy = 0; dy < FACTOR; dy++) for (let dx = 0; dx < FACTOR; dx++) s += img[(y0 + y * FACTOR + dy) * width + x0 + x * FACTOR + dx]!;
      out[y * OUT + x] = s / (FACTOR * FACTOR);
    }
  }
  return out;
}

async function main() {
  await initRuntime('wasm');
  const model = await loadModel(path.join(root, 'data/isl-mini/baselines/unet/model'));
  const test = path.join(src!, 'test');
  const rows = fs.readFileSync(path.join(test, 'examples.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'isl-transfer-'));
  const truth = path.join(work, 'truth');
  const sub = path.join(work, 'sub');
  const examples: string[] = [];
  const channels = fs.readdirSync(path.join(test, 'targets', rows[0]![0]!)).map((f) => f.slice(0, -4)).sort();
  for (const [id, condition] of rows) {
    const dir = path.join(test, 'inputs', id!);
    const depths = depthFiles(dir).map((f) => readIntensities(path.join(dir, f)));
    const [width, height] = depths[0]!.size;
    const labels = new Map(channels.map((c) => [c, readIntensities(path.join(test, 'targets', id!, `${c}.png`)).data]));
    for (let y0 = 0; y0 + TILE <= height; y0 += TILE) {
      for (let x0 = 0; x0 + TILE <= width; x0 += TILE) {
        const tileId = `${id}-y${y0}-x${x0}`;
        examples.push(`${tileId},${condition}`);
        const stack = new Float32Array(OUT * OUT * depths.length);
        depths.forEach((d, z) => downsample(d.data, width, x0, y0).forEach((v, p) => (stack[p * depths.length + z] = v)));
        standardise(stack);
        const pred = model.predict(tf.tensor4d(stack, [1, OUT, OUT, depths.length])) as tf.Tensor;
        const out = (await pred.data()) as Float32Array;
        pred.dispose();
        for (const c of channels) {
          fs.mkdirSync(path.join(truth, 'targets', tileId), { recursive: true });
          fs.writeFileSync(path.join(truth, 'targets', tileId, `${c}.png`), encodePng({ width: OUT, height: OUT, colorType: 'gray', data: to16Bit(downsample(labels.get(c)!, width, x0, y0)) }));
          const k = SYNTHETIC.indexOf(c.split('_')[0]!);
          const img = new Float32Array(OUT * OUT);
          for (let p = 0; p < img.length; p++) img[p] = out[p * SYNTHETIC.length + k]!;
          fs.mkdirSync(path.join(sub, tileId), { recursive: true });
          fs.writeFileSync(path.join(sub, tileId, `${c}.png`), encodePng({ width: OUT, height: OUT, colorType: 'gray', data: to16Bit(img) }));
        }
      }
    }
  }
  fs.writeFileSync(path.join(truth, 'examples.csv'), `id,condition\n${examples.join('\n')}\n`);
  const { report } = await taskFromDefinition(definition).evaluate(truth, sub, { options: { channels } });
  console.log(`${examples.length} tiles of ${TILE} px (averaged down ${FACTOR}x to ${OUT} px) from ${rows.length} example(s)`);
  console.log(JSON.stringify(report.metrics));
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
