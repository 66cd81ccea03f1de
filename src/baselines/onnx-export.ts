/**
 * `podium baseline export <challenge> --format onnx`: the trained tfjs baselines (cached
 * weights under data/<challenge>/baselines/<name>/model) written as one self-contained ONNX
 * file each, `data/<challenge>/baselines/<name>/model.onnx`, through layers-to-onnx.ts.
 *
 * Every export is checked before it is kept: the file is run in onnxruntime-node (the same
 * loader the sandbox uses, in this process) on every test input the baseline predicts, and
 * compared with the tfjs model on the wasm backend on the same input; the largest absolute
 * difference of any output element must be at most 1e-4, else nothing is written.
 *
 * What each file computes (its inputs are the baseline's own, batch of one or more):
 *   mobilenet-v2       image NHWC [N, S, S, 3] in [-1, 1] → scores [N, C] = logits - log prior
 *                      (the logit adjustment the baseline ranks by): the classification
 *                      contract of the model track, so it is inat2018-mini's `model.reference`.
 *   deeplab-v3plus     image NHWC [N, S, S, 3] in [-1, 1] → scores NHWC [N, S, S, 21] (the
 *                      segmentation contract at the set's image size).
 *   ssdlite-mobilenet-v2  pixels [1, H, W, 3] in [-1, 1] at the images' size → boxes [1, K, 4],
 *                      scores [1, K], classes [1, K]: the box filter to 64 px, the network and
 *                      the SSD decoding and per-class NMS as ONNX nodes (detection/ssd-onnx.ts),
 *                      the detection contract; the comparison with tfjs reads the network's
 *                      own outputs (class_logits, box_offsets) inside the file.
 *   audio-only-mask    mixture waveform [N, L] → sources [N, 2, L]: the STFT, the network's
 *                      normalised log spectrum, the masks times the mixture's STFT and the
 *                      inverse STFT as ONNX nodes (separation/stft-onnx.ts), the separation
 *                      contract's required feed; the comparison with tfjs reads the network's
 *                      masks [N, T, 2, F] inside the file.
 *   audio-visual-mask  mixture waveform [N, L] and face_tracks [N, V, 2] (each speaker's mouth
 *                      openness at 25 fps) → sources [N, 2, L]: the audio-only net's STFT and
 *                      inverse around the network, and the face tracks resampled to STFT
 *                      frames with their changes (separation/faces-onnx.ts), the separation
 *                      contract with both feeds, so it is separation-mini's `model.reference`;
 *                      the comparison with tfjs reads the masks inside the file.
 *   unet               z_stack NHWC [N, H, W, D] (the D focal depths as channels, standardised
 *                      per example over the whole stack, as the baseline reads it) → labels NHWC
 *                      [N, H, W, C] (each label's intensity, unclipped; the submission clips to
 *                      [0, 1]): the fluorescence contract with `normalise: standardise`, so it is
 *                      isl-mini's `model.reference`. The network is fully convolutional: H and W
 *                      are left open in the file (any size divisible by 4).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../problems.js';
import { dataRoot } from '../paths.js';
import { interleavedSingleStream, measureLatency, warmupOf, type LatencyReport, type LatencySettings } from '../evaluators/latency.js';
import type { WarmupUsed } from '../evaluators/steady-warmup.js';
import { mulberry32 } from '../random.js';
import type { HostTensor } from '../models/tensor.js';
import { layersToOnnx } from './layers-to-onnx.js';
import type { OnnxGraph, ValueInfo } from '../models/onnx-graph.js';
import { onnx } from '../models/onnx-file.js';
import { hasSavedModel, loadModel } from './model-store.js';
import type { ModelCost } from './model-cost.js';
import { machineLabel } from './machine.js';
import { modelLatency } from './model-latency.js';
import { initRuntime } from './runtime.js';
import { baselineWorkDir } from './work-dir.js';

/** Largest absolute difference allowed between the ONNX file and tfjs, any output element. */
export const PARITY_TOLERANCE = 1e-4;

export interface ExportSource {
  model: tf.LayersModel;
  /** Test items as the baseline feeds them, one tensor per model input (batch of one). */
  count: number;
  input(i: number): tf.Tensor[];
  /** Batch of items [start, start + count) (for Offline throughput). */
  batch(start: number, count: number): tf.Tensor[];
  /** Names of the file's outputs, in the model's output order. */
  outputNames: string[];
  /** A per-class constant subtracted from the single output (classification's log prior). */
  subtract?: Float32Array;
  /**
   * Nodes around the network that make the file meet its task's contract (detection): they read
   * the network's named outputs and give the file's own inputs and outputs. The network's
   * outputs stay in the file under `outputNames`, where the comparison with tfjs reads them.
   */
  wrap?: {
    names: string[];
    build(g: OnnxGraph, networkInputs: ValueInfo[], networkOutputs: string[]): { inputs: ValueInfo[]; outputs: ValueInfo[] };
  };
  /**
   * The tfjs network's params and multiply-adds at the test inputs' size, for a network whose
   * spatial sizes are open (model-cost.ts would count an open size as 1 pixel); else counted
   * from its layers.
   */
  cost?: ModelCost;
  /** The file's inputs for test item i, when the wrapped file's inputs differ from the network's. */
  fileInput?: (i: number) => Record<string, HostTensor>;
  description: string;
}

interface ExportSpec {
  challenge: string;
  name: string;
  source(dataDir: string, workDir: string): Promise<ExportSource>;
}

/** A baseline with no trained weights in its folder: nothing to export until `podium baseline run` trains it. */
export class UntrainedBaseline extends UsageError {
  constructor(readonly challenge: string, readonly baseline: string, readonly workDir: string) {
    super(`baseline export: ${untrainedReason(challenge, baseline, workDir)}`);
  }
}

/** "no trained weights for <c> / <name> in <dir>; run `podium baseline run ...` first", with the flags that pick the weights (--seed, --epochs). */
export function untrainedReason(challenge: string, baseline: string, workDir: string, runFlags: string[] = []): string {
  return `no trained weights for ${challenge} / ${baseline} in ${workDir}; run \`${['podium baseline run', challenge, '--baseline', baseline, ...runFlags].join(' ')}\` first`;
}

function readMeta<Meta>(workDir: string, challenge: string, name: string): { model: string; meta: Meta; epochs: number; seed: number } {
  const modelDir = path.join(workDir, 'model');
  const metaFile = path.join(workDir, 'meta.json');
  if (!hasSavedModel(modelDir) || !fs.existsSync(metaFile)) throw new UntrainedBaseline(challenge, name, workDir);
  const cached = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { epochs: number; seed: number; meta: Meta };
  return { model: modelDir, meta: cached.meta, epochs: cached.epochs, seed: cached.seed };
}

/** Tensors of one item cut from a flat array of `per` values an item. */
function slicer(values: Float32Array, shape: number[]) {
  const per = shape.reduce((a, b) => a * b, 1);
  return (start: number, count: number) => tf.tensor(values.slice(start * per, (start + count) * per), [count, ...shape]);
}

const SPECS: ExportSpec[] = [
  {
    challenge: 'inat2018-mini', name: 'mobilenet-v2',
    async source(dataDir, workDir) {
      const { loadImageSet } = await import('./classification/data.js');
      const c = readMeta<{ categories: number[]; logPrior: number[]; size: number }>(workDir, 'inat2018-mini', 'mobilenet-v2');
      const test = loadImageSet(dataDir, ['test2018.json']);
      const cut = slicer(test.pixels, [test.size, test.size, 3]);
      return {
        model: await loadModel(c.model), count: test.ids.length,
        input: (i) => [cut(i, 1)], batch: (s, n) => [cut(s, n)],
        outputNames: ['scores'], subtract: Float32Array.from(c.meta.logPrior),
        description: `MobileNetV2 classifier (${c.epochs} epochs, seed ${c.seed}): image NHWC [N, ${test.size}, ${test.size}, 3] in [-1, 1] → scores [N, ${c.meta.categories.length}] (logits - log training prior), unit u = u-th category in ascending id`,
      };
    },
  },
  {
    challenge: 'voc2012-seg-mini', name: 'deeplab-v3plus',
    async source(dataDir, workDir) {
      const { loadSegmentationSet } = await import('./segmentation/data.js');
      const c = readMeta<{ size: number }>(workDir, 'voc2012-seg-mini', 'deeplab-v3plus');
      const val = loadSegmentationSet(path.join(dataDir, 'VOC2012'), 'val', false);
      const cut = slicer(val.pixels, [val.size, val.size, 3]);
      return {
        model: await loadModel(c.model), count: val.ids.length,
        input: (i) => [cut(i, 1)], batch: (s, n) => [cut(s, n)], outputNames: ['scores'],
        description: `DeepLab-v3+ on MobileNetV2 (${c.epochs} epochs, seed ${c.seed}): image NHWC [N, ${val.size}, ${val.size}, 3] in [-1, 1] → scores NHWC [N, ${val.size}, ${val.size}, 21]`,
      };
    },
  },
  {
    challenge: 'detection-mini', name: 'ssdlite-mobilenet-v2',
    async source(dataDir, workDir) {
      const { downscaleScaled, readImage, readInstances } = await import('./detection/data.js');
      const { SSD_INPUT, ssdAnchors } = await import('./detection/ssdlite.js');
      const { appendSsdPostprocess, prependBoxFilter } = await import('./detection/ssd-onnx.js');
      const c = readMeta<{ categories: number[] }>(workDir, 'detection-mini', 'ssdlite-mobilenet-v2');
      const test = readInstances(dataDir, 'test');
      const px = SSD_INPUT * SSD_INPUT * 3;
      const pixels = new Float32Array(test.images.length * px);
      // Decoded once: the network's inputs are cut from them, and the file's own inputs (full size) for the check.
      const images = test.images.map((im) => readImage(dataDir, 'test', im.file_name));
      images.forEach((img, i) => downscaleScaled(img, test.images[i].width / SSD_INPUT, pixels, i * px));
      const cut = slicer(pixels, [SSD_INPUT, SSD_INPUT, 3]);
      const side = test.images[0].width;
      for (const im of test.images) {
        if (im.width !== side || im.height !== side || side % SSD_INPUT !== 0) {
          throw new UsageError(`baseline export: detection images must all be square and a multiple of ${SSD_INPUT} px (image ${im.id} is ${im.width}x${im.height})`);
        }
      }
      const factor = side / SSD_INPUT;
      const classes = c.meta.categories.length;
      return {
        model: await loadModel(c.model), count: test.images.length,
        input: (i) => [cut(i, 1)], batch: (s, n) => [cut(s, n)], outputNames: ['class_logits', 'box_offsets'],
        wrap: {
          names: ['pixels', 'boxes', 'scores', 'classes'],
          build(g, networkInputs, [logits, offsets]) {
            const input = prependBoxFilter(g, networkInputs[0].name, SSD_INPUT, factor);
            return { inputs: [input], outputs: appendSsdPostprocess(g, logits, offsets, ssdAnchors(), classes) };
          },
        },
        fileInput(i) {
          const img = images[i];
          const data = new Float32Array(img.rgb.length);
          for (let j = 0; j < data.length; j++) data[j] = -1 + img.rgb[j] * (2 / 255); // as the detection adapter scales
          return { pixels: { dtype: 'float32', dims: [1, side, side, 3], data } };
        },
        description: `SSDLite on MobileNetV2 (${c.epochs} epochs, seed ${c.seed}): pixels NHWC [1, ${side}, ${side}, 3] in [-1, 1] → box filter to ${SSD_INPUT} px → network (class_logits [1, A, ${classes + 1}], box_offsets [1, A, 4]) → softmax, SSD decoding, per-class NMS (IoU 0.5, score 0.05), best 100 → boxes [1, K, 4] (ymin, xmin, ymax, xmax in 0..1), scores [1, K], classes [1, K] (index into the categories in ascending id)`,
      };
    },
  },
  ...(['audio-visual-mask', 'audio-only-mask'] as const).map((name): ExportSpec => ({
    challenge: 'separation-mini', name,
    async source(dataDir, workDir) {
      const { loadMixture, mixtureIds, VISUAL_FEATURES } = await import('./separation/data.js');
      const { BINS, FRAME, HOP } = await import('./separation/stft.js');
      const c = readMeta<{ frames: number }>(workDir, 'separation-mini', name);
      const testDir = path.join(dataDir, 'test');
      const test = mixtureIds(testDir).map((id) => loadMixture(testDir, id, false));
      const T = c.meta.frames;
      const audioVisual = name === 'audio-visual-mask';
      const make = (s: number, n: number) => {
        const a = new Float32Array(n * T * BINS);
        const v = new Float32Array(n * T * VISUAL_FEATURES);
        for (let k = 0; k < n; k++) {
          a.set(test[s + k].features, k * T * BINS);
          v.set(test[s + k].visual, k * T * VISUAL_FEATURES);
        }
        const out = [tf.tensor3d(a, [n, T, BINS])];
        if (audioVisual) out.push(tf.tensor3d(v, [n, T, VISUAL_FEATURES]));
        return out;
      };
      const network = `spectrum [N, ${T}, ${BINS}] (normalised log magnitude)${audioVisual ? `, faces [N, ${T}, ${VISUAL_FEATURES}]` : ''} → masks [N, ${T}, 2, ${BINS}]`;
      const base = {
        model: await loadModel(c.model), count: test.length, input: (i: number) => make(i, 1), batch: make, outputNames: ['masks'],
      };
      const L = test[0].samples;
      for (const m of test) {
        if (m.samples !== L) throw new UsageError(`baseline export: the test mixtures must all have one length (${test[0].id} has ${L} samples, ${m.id} ${m.samples})`);
      }
      const { appendInverseStft, prependStft } = await import('./separation/stft-onnx.js');
      const mixture = (i: number): HostTensor => ({ dtype: 'float32', dims: [1, L], data: Float32Array.from(test[i].mix) });
      const front = `mixture [N, ${L}] → STFT (Hann ${FRAME}, hop ${HOP}, centred)`;
      const back = 'masks x mixture STFT → inverse STFT → sources [N, 2, ' + L + ']';
      if (audioVisual) {
        const { readFace } = await import('./separation/data.js');
        const { prependFaceTracks } = await import('./separation/faces-onnx.js');
        const tracks = test.map((m) => readFace(path.join(testDir, 'face', `${m.id}.csv`)));
        const V = tracks[0].s1.length;
        const rate = test[0].sampleRate;
        test.forEach((m, k) => {
          if (tracks[k].s1.length !== V || m.sampleRate !== rate) {
            throw new UsageError(`baseline export: the test face tracks must all have one length and the mixtures one rate (${test[0].id}: ${V} frames at ${rate} Hz, ${m.id}: ${tracks[k].s1.length} at ${m.sampleRate} Hz)`);
          }
        });
        const faceTracks = (i: number): HostTensor => {
          const data = new Float32Array(2 * V);
          for (let f = 0; f < V; f++) [data[2 * f], data[2 * f + 1]] = [tracks[i].s1[f], tracks[i].s2[f]];
          return { dtype: 'float32', dims: [1, V, 2], data };
        };
        return {
          ...base,
          wrap: {
            names: ['mixture', 'face_tracks', 'sources'],
            build(g, networkInputs, [masks]) {
              const stftNodes = prependStft(g, networkInputs[0].name, L);
              const faces = prependFaceTracks(g, networkInputs[1].name, L, rate, V);
              return { inputs: [stftNodes.input, faces], outputs: [appendInverseStft(g, masks, stftNodes, L)] };
            },
          },
          fileInput: (i) => ({ mixture: mixture(i), face_tracks: faceTracks(i) }),
          description: `audio-visual STFT mask net (${c.epochs} epochs, seed ${c.seed}): ${front}, face_tracks [N, ${V}, 2] (25 fps) → resampled to STFT frames with their changes → ${network} → ${back}`,
        };
      }
      return {
        ...base,
        wrap: {
          names: ['mixture', 'sources'],
          build(g, networkInputs, [masks]) {
            const stftNodes = prependStft(g, networkInputs[0].name, L);
            return { inputs: [stftNodes.input], outputs: [appendInverseStft(g, masks, stftNodes, L)] };
          },
        },
        fileInput: (i) => ({ mixture: mixture(i) }),
        description: `audio-only STFT mask net (${c.epochs} epochs, seed ${c.seed}): ${front} → ${network} → ${back}`,
      };
    },
  })),
  {
    challenge: 'isl-mini', name: 'unet',
    async source(dataDir, workDir) {
      const { loadFluorescenceSet } = await import('./fluorescence/data.js');
      const { buildUNet } = await import('./fluorescence/unet.js');
      const { modelCost } = await import('./model-cost.js');
      const c = readMeta<{ depths: number; channels: string[] }>(workDir, 'isl-mini', 'unet');
      const test = loadFluorescenceSet(path.join(dataDir, 'test'), c.meta.channels);
      const cut = slicer(test.inputs, [test.size, test.size, test.depths]);
      // Counted on the same network built for the test images' size, as the baseline's run counts it.
      const fixed = buildUNet(test.depths, c.meta.channels.length, c.seed, test.size);
      const cost = modelCost(fixed);
      fixed.dispose();
      return {
        model: await loadModel(c.model), count: test.ids.length, cost,
        input: (i) => [cut(i, 1)], batch: (s, n) => [cut(s, n)], outputNames: ['labels'],
        description: `U-Net 16-32-64 (${c.epochs} epochs, seed ${c.seed}): z_stack NHWC [N, H, W, ${test.depths}] (focal depths as channels, standardised per example over the stack; H, W divisible by 4, ${test.size} here) → labels NHWC [N, H, W, ${c.meta.channels.length}] (${c.meta.channels.join(', ')}; intensities, clipped to [0, 1] when written)`,
      };
    },
  },
];

export function exportableBaselines(challenge?: string): { challenge: string; name: string }[] {
  return SPECS.filter((s) => !challenge || s.challenge === challenge).map(({ challenge: c, name }) => ({ challenge: c, name }));
}

/**
 * The ONNX bytes of a source's model (with its constant subtraction, if any) under the given
 * output names, inside its contract wrapping unless `network` asks for the network alone.
 */
export function encodeSource(src: ExportSource, docString: string, network = false): Uint8Array {
  const wrap = network ? undefined : src.wrap;
  const { graph, inputs, outputs } = layersToOnnx(src.model, [...src.outputNames, ...(wrap?.names ?? [])]);
  const named = outputs.map((o, i) => {
    let name = o.name;
    if (src.subtract) {
      const c = src.subtract.length;
      name = graph.op('Sub', [name, graph.floats('log_prior', [c], src.subtract)], {}, 'logit_adjustment');
    }
    graph.node('Identity', [name], [src.outputNames[i]]);
    return { name: src.outputNames[i], dims: o.dims };
  });
  if (!wrap) return graph.encode(src.model.name, inputs, named, docString);
  const io = wrap.build(graph, inputs, named.map((o) => o.name));
  return graph.encode(src.model.name, io.inputs, io.outputs, docString);
}

/** The file with the network's own outputs also declared as graph outputs (what the comparison reads). */
function exposeNetworkOutputs(bytes: Uint8Array, names: string[]): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const declared = new Set((model.graph!.output ?? []).map((o) => o.name));
  for (const name of names) if (!declared.has(name)) model.graph!.output!.push(onnx.ValueInfoProto.create({ name }));
  return onnx.ModelProto.encode(model).finish();
}

interface TfjsReference {
  outputs(xs: tf.Tensor[]): tf.Tensor[];
  dispose(): void;
}

/**
 * The tfjs side of the comparison: the model's outputs with the same constant subtracted. The
 * constant is one tensor made once, as the file holds it once (not uploaded again on each call,
 * which the timed queries would otherwise count).
 */
function tfjsReference(src: ExportSource): TfjsReference {
  const subtract = src.subtract ? tf.tensor1d(src.subtract) : undefined;
  return {
    outputs: (xs) => tf.tidy(() => {
      const out = src.model.predict(xs.length === 1 ? xs[0] : xs);
      const list = Array.isArray(out) ? out : [out];
      return subtract ? list.map((t) => tf.sub(t, subtract)) : list;
    }),
    dispose: () => subtract?.dispose(),
  };
}

const host = (t: tf.Tensor): HostTensor => ({ dtype: 'float32', dims: [...t.shape], data: t.dataSync() as Float32Array });

export interface Parity {
  items: number;
  /** Output elements compared. */
  elements: number;
  maxAbsDiff: number;
  /** Largest |value| among the tfjs outputs (the scale the difference is relative to). */
  maxAbs: number;
}

/**
 * Test items the tfjs side predicts in one call: its cost per call (layer by layer, kernel by
 * kernel) was most of the check on small inputs (1,500 classifier images: 1.9 of 3.5 s in a profile).
 * The ONNX file still runs one item at a time, as it is queried in the model track.
 */
const PARITY_BATCH = 32;

/** Runs the ONNX bytes (written to `file`) in onnxruntime-node and the tfjs model on every test item. */
export async function checkParity(src: ExportSource, file: string): Promise<Parity> {
  const { loadOnnx } = await import('../models/onnx-runtime.js');
  const probe = src.wrap ? `${file}.probe-${process.pid}` : file;
  if (src.wrap) fs.writeFileSync(probe, exposeNetworkOutputs(fs.readFileSync(file), src.outputNames));
  let onnxModel: Awaited<ReturnType<typeof loadOnnx>>;
  try {
    onnxModel = await loadOnnx({ format: 'onnx', path: probe, threads: 1, maxModelBytes: Number.MAX_SAFE_INTEGER });
  } finally {
    if (probe !== file) fs.rmSync(probe, { force: true });
  }
  const inputNames = src.model.inputNames;
  const reference = tfjsReference(src);
  const parity: Parity = { items: 0, elements: 0, maxAbsDiff: 0, maxAbs: 0 };
  try {
    for (let start = 0; start < src.count; start += PARITY_BATCH) {
      const n = Math.min(PARITY_BATCH, src.count - start);
      const xs = src.batch(start, n);
      const inputs = xs.map((x) => ({ dims: [1, ...x.shape.slice(1)], data: x.dataSync() as Float32Array }));
      const outs = reference.outputs(xs);
      const want = outs.map((w) => ({ dims: [1, ...w.shape.slice(1)], data: w.dataSync() as Float32Array }));
      tf.dispose([...xs, ...outs]);
      for (let k = 0; k < n; k++) {
        let feeds: Record<string, HostTensor> = {};
        if (src.fileInput) feeds = src.fileInput(start + k);
        else inputs.forEach((x, j) => (feeds[inputNames[j]] = { dtype: 'float32', dims: x.dims, data: itemOf(x.data, n, k) }));
        const got = await onnxModel.run(feeds);
        want.forEach((w, j) => {
          const a = itemOf(w.data, n, k);
          const b = got[src.outputNames[j]];
          if (!b || b.data.length !== a.length) throw new Error(`output ${src.outputNames[j]}: ONNX gave ${b ? `[${b.dims}]` : 'nothing'}, tfjs [${w.dims}]`);
          for (let e = 0; e < a.length; e++) {
            const d = Math.abs(a[e] - Number(b.data[e]));
            if (!(d <= parity.maxAbsDiff)) parity.maxAbsDiff = Number.isNaN(d) ? Infinity : Math.max(parity.maxAbsDiff, d);
            parity.maxAbs = Math.max(parity.maxAbs, Math.abs(a[e]));
          }
          parity.elements += a.length;
        });
        parity.items++;
      }
    }
  } finally {
    reference.dispose();
    await onnxModel.dispose();
  }
  return parity;
}

/** Item k's values of a batch of n items (a copy, so ONNX Runtime gets a whole buffer). */
function itemOf(batch: Float32Array, n: number, k: number): Float32Array {
  const per = batch.length / n;
  return batch.slice(k * per, (k + 1) * per);
}

export interface ExportResult {
  challenge: string;
  baseline: string;
  file: string;
  bytes: number;
  description: string;
  parity: Parity;
  /**
   * The same network and samples timed by the same harness in both runtimes; `relative` is
   * ONNX Runtime / tfjs latency from a third, interleaved run (blocks of 8 queries, AB/BA, the
   * median over rounds of the blocks' ratio), which holds under load where the two separate
   * runs' milliseconds do not.
   */
  latency?: {
    tfjs?: LatencyReport; onnx: LatencyReport; relative: number; interleavedWarmup: { onnx: WarmupUsed; tfjs: WarmupUsed };
    /**
     * Parameters and multiply-adds of the written file, counted as a model track counts an
     * entry's (the whole graph: a wrapped file's box filter, anchors, STFT bases included),
     * where `onnx.params` and `onnx.madds` count the network that was timed.
     */
    file: { params: number; madds: number };
  };
}

/**
 * The ONNX Runtime figures a baseline's leaderboard entry keeps beside its tfjs ones, each with
 * the warm-up run before it: the separate run's (`onnx_warmup`) and the interleaved run's, of
 * both models (`onnx_vs_tfjs_warmup`).
 */
export function onnxLatencyRecord(l: NonNullable<ExportResult['latency']>): Record<string, unknown> {
  return {
    onnx_p50_ms: l.onnx.p50_ms, onnx_p90_ms: l.onnx.p90_ms, onnx_p99_ms: l.onnx.p99_ms, onnx_runtime: l.onnx.backend, onnx_warmup: warmupOf(l.onnx),
    onnx_vs_tfjs: l.relative, onnx_vs_tfjs_warmup: l.interleavedWarmup, onnx_params: l.file.params, onnx_madds: l.file.madds,
  };
}

export interface ExportOptions {
  dataDir?: string;
  /** The baseline's folder with its trained weights (default: the default run's, work-dir.ts). */
  workDir?: string;
  /** Output file (default model.onnx in the baseline's folder). */
  out?: string;
  latency?: LatencySettings | null;
  /** Samples the latency runs cycle through (default 32, or fewer test items). */
  latencySamples?: number;
  /**
   * Also time tfjs on its own (`latency.tfjs`; default true). The interleaved ONNX / tfjs run is
   * made either way. The demo's worker keeps the run's own tfjs figures and turns this off, so it
   * does not time what it would throw away.
   */
  tfjsLatency?: boolean;
  log?: (line: string) => void;
}

/** The trained model of an exportable baseline with its test inputs (cached weights in `dataDir`). */
export async function exportSource(challenge: string, name: string, dataDir: string, workDir = baselineWorkDir(dataDir, name)): Promise<ExportSource> {
  const spec = SPECS.find((s) => s.challenge === challenge && s.name === name);
  if (!spec) {
    const known = exportableBaselines(challenge).map((s) => s.name);
    throw new UsageError(known.length
      ? `baseline export: "${name}" is not an exportable baseline of ${challenge}; expected one of ${known.join(', ')}`
      : `baseline export: no exportable baselines for "${challenge}"; expected one of ${[...new Set(SPECS.map((s) => s.challenge))].join(', ')}`);
  }
  if (!fs.existsSync(dataDir)) throw new UsageError(`baseline export: ${dataDir} does not exist; run \`podium data make ${challenge}\``);
  await initRuntime('wasm');
  return spec.source(dataDir, workDir);
}

export async function exportBaseline(challenge: string, name: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const dataDir = opts.dataDir ?? path.join(dataRoot(), challenge);
  const workDir = opts.workDir ?? baselineWorkDir(dataDir, name);
  const src = await exportSource(challenge, name, dataDir, workDir);
  const runtime = await initRuntime('wasm');
  const log = opts.log ?? (() => {});
  try {
    const file = path.resolve(opts.out ?? path.join(workDir, 'model.onnx'));
    const bytes = encodeSource(src, `podium baseline ${challenge} / ${name}: ${src.description}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const pending = `${file}.partial-${process.pid}`;
    fs.writeFileSync(pending, bytes);
    let parity: Parity;
    try {
      parity = await checkParity(src, pending);
      log(`${name}: ${parity.items} test items, ${parity.elements} output values, max |ONNX - tfjs| = ${parity.maxAbsDiff.toExponential(2)} (outputs up to ${parity.maxAbs.toPrecision(3)})`);
      if (!(parity.maxAbsDiff <= PARITY_TOLERANCE)) {
        throw new Error(`baseline export: ${challenge} / ${name}: ONNX Runtime differs from tfjs by ${parity.maxAbsDiff} (over ${PARITY_TOLERANCE}); nothing written`);
      }
      fs.renameSync(pending, file);
    } finally {
      fs.rmSync(pending, { force: true });
    }
    const result: ExportResult = { challenge, baseline: name, file, bytes: bytes.length, description: src.description, parity };
    if (opts.latency) {
      // The same network in both runtimes: a wrapped file's extra nodes (box filter, NMS) are left out of the timing.
      const network = src.wrap ? `${file}.network-${process.pid}` : file;
      if (src.wrap) fs.writeFileSync(network, encodeSource(src, src.description, true));
      try {
        result.latency = await bothLatencies(src, network, file, opts.latency, Math.min(opts.latencySamples ?? 32, src.count), runtime, opts.tfjsLatency ?? true);
      } finally {
        if (network !== file) fs.rmSync(network, { force: true });
      }
    }
    return result;
  } finally {
    src.model.dispose();
  }
}

/** An ONNX file's parameters and multiply-adds, counted as a track job counts an entry's (onnx-runtime.ts `cost`). */
async function costOfFile(file: string, feeds: Record<string, HostTensor>): Promise<{ params: number; madds: number }> {
  const { loadOnnx } = await import('../models/onnx-runtime.js');
  const model = await loadOnnx({ format: 'onnx', path: file, threads: 1, maxModelBytes: Number.MAX_SAFE_INTEGER });
  try {
    return await model.cost(feeds);
  } finally {
    await model.dispose();
  }
}

/**
 * The latency harness (evaluators/latency.ts: SingleStream after warm-up, Offline) on the same
 * samples, tfjs (wasm) first (unless `withTfjs` is false), then ONNX Runtime (CPU, one intra-op
 * thread, the sandbox's session options), in this process, then both interleaved for their
 * ratio. Params and multiply-adds: tfjs from the layers, ONNX read from the graph timed (`file`)
 * and from the whole file written (`written`: a wrapped file's extra nodes and constants too).
 */
async function bothLatencies(src: ExportSource, file: string, written: string, settings: LatencySettings, samples: number, runtime: Awaited<ReturnType<typeof initRuntime>>, withTfjs: boolean) {
  const reference = tfjsReference(src);
  try {
    const tfjs = withTfjs ? await modelLatency(
      { predict: (x: tf.Tensor | tf.Tensor[]) => reference.outputs(Array.isArray(x) ? x : [x]) },
      { samples, make: (s, n) => { const xs = src.batch(s, n); return xs.length === 1 ? xs[0] : xs; } },
      settings, runtime, src.cost ?? (await import('./model-cost.js')).modelCost(src.model),
    ) : undefined;
    const { loadOnnx } = await import('../models/onnx-runtime.js');
    const onnxModel = await loadOnnx({ format: 'onnx', path: file, threads: 1, maxModelBytes: Number.MAX_SAFE_INTEGER });
    const inputNames = src.model.inputNames;
    const feedsOf = (xs: tf.Tensor[]) => {
      const feeds: Record<string, HostTensor> = {};
      xs.forEach((x, k) => (feeds[inputNames[k]] = host(x)));
      tf.dispose(xs);
      return feeds;
    };
    try {
      const single = Array.from({ length: samples }, (_, i) => feedsOf(src.input(i)));
      const cost = await onnxModel.cost(single[0]);
      const whole = written === file ? cost : await costOfFile(written, src.fileInput?.(0) ?? single[0]);
      const runOnnx = async (i: number) => void (await onnxModel.run(single[i]));
      const onnx = await measureLatency({
        samples,
        runOne: runOnnx,
        runBatch: async (start, count) => void (await onnxModel.run(feedsOf(src.batch(start, count)))),
        params: cost.params, madds: cost.madds, backend: onnxModel.runtime, machine: machineLabel(),
      }, settings);
      const tfInputs = Array.from({ length: samples }, (_, i) => src.input(i));
      try {
        const runTfjs = async (i: number) => {
          const outs = reference.outputs(tfInputs[i]);
          await Promise.all(outs.map((t) => t.data()));
          tf.dispose(outs);
        };
        const paired = await interleavedSingleStream({ samples, runOne: runOnnx }, { samples, runOne: runTfjs }, settings, mulberry32(2018));
        return { tfjs, onnx, relative: paired.pairedRatio, interleavedWarmup: { onnx: paired.entryWarmup, tfjs: paired.referenceWarmup }, file: whole };
      } finally {
        tf.dispose(tfInputs.flat());
      }
    } finally {
      await onnxModel.dispose();
    }
  } finally {
    reference.dispose();
  }
}
