/**
 * STFT mask networks for two-speaker separation, after Looking to Listen (Ephrat et al.,
 * SIGGRAPH 2018) at mini scale: per-frame embedding of the mixture's log spectrum, temporal
 * 1-D convolutions, and a sigmoid mask per speaker and frequency bin applied to the mixture's
 * STFT (mixture phase). Two variants:
 * - audio-only: the speakers are unordered, so it trains with permutation-invariant training
 *   (Yu et al. 2017): the loss of the better of the two output orders;
 * - audio-visual: the speakers' mouth-openness tracks (face/<id>.csv) enter beside the audio,
 *   and output k is trained to be speaker k — the face tracks say who is who, as in the paper.
 * Loss: squared error of the masked mixture magnitude against the phase-sensitive target
 * (Erdogan et al. 2015), in units of the mixture's mean magnitude.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Baseline, BaselineContext } from '../baseline.js';
import { trainOrLoad } from '../cache.js';
import { Seeds } from '../mobilenet-v2.js';
import { modelLatency } from '../model-latency.js';
import { predictInBatches, train } from '../train.js';
import { loadMixture, mixtureIds, VISUAL_FEATURES, type Mixture } from './data.js';
import { applyMask, BINS, istft } from './stft.js';
import { writeSourcesZip } from './write-sources.js';

const HIDDEN = 96;
const VISUAL_HIDDEN = 16;
const CONV_LAYERS = 3;
const KERNEL = 5;

type ST = tf.SymbolicTensor;

export function buildMaskNet(frames: number, audioVisual: boolean, seed: number): tf.LayersModel {
  const seeds = new Seeds(seed);
  const audio = tf.input({ shape: [frames, BINS], name: 'spectrum' });
  const inputs = [audio];
  let x = tf.layers.dense({ units: HIDDEN, activation: 'relu', kernelInitializer: seeds.he(), name: 'audio_embed' }).apply(audio) as ST;
  if (audioVisual) {
    const visual = tf.input({ shape: [frames, VISUAL_FEATURES], name: 'faces' });
    inputs.push(visual);
    const v = tf.layers.dense({ units: VISUAL_HIDDEN, activation: 'relu', kernelInitializer: seeds.he(), name: 'visual_embed' }).apply(visual) as ST;
    x = tf.layers.concatenate({ name: 'fuse' }).apply([x, v]) as ST;
  }
  for (let i = 0; i < CONV_LAYERS; i++) {
    const y = tf.layers.conv1d({ filters: HIDDEN, kernelSize: KERNEL, padding: 'same', activation: 'relu', kernelInitializer: seeds.he(), name: `temporal${i}` }).apply(x) as ST;
    // Residual from the second layer on (the first changes the width when faces are fused in).
    x = i === 0 ? y : (tf.layers.add({ name: `temporal${i}_residual` }).apply([x, y]) as ST);
  }
  let masks = tf.layers.dense({ units: 2 * BINS, activation: 'sigmoid', kernelInitializer: seeds.glorot(), name: 'masks' }).apply(x) as ST;
  masks = tf.layers.reshape({ targetShape: [frames, 2, BINS], name: 'masks_by_speaker' }).apply(masks) as ST;
  return tf.model({ inputs, outputs: masks, name: audioVisual ? 'av_mask_net' : 'audio_mask_net' });
}

/** Per-example squared error of masked magnitudes against targets, speaker order as given or PIT. */
export function maskLoss(masks: tf.Tensor, mixMag: tf.Tensor, targets: tf.Tensor, permutationInvariant: boolean): tf.Scalar {
  return tf.tidy(() => {
    // masks [B, T, 2, F]; mixMag [B, T, F]; targets [B, 2, T, F]
    const est = tf.mul(tf.transpose(masks, [0, 2, 1, 3]), tf.expandDims(mixMag, 1));
    const error = (order: tf.Tensor) => tf.mean(tf.square(tf.sub(est, order)), [1, 2, 3]);
    const straight = error(targets);
    if (!permutationInvariant) return tf.mean(straight) as tf.Scalar;
    const swapped = error(tf.reverse(targets, 1));
    return tf.mean(tf.minimum(straight, swapped)) as tf.Scalar;
  });
}

interface Meta {
  frames: number;
}

const DEFAULT_EPOCHS = 8;
const BATCH = 16;

function inputsOf(set: Mixture[], idx: number[], audioVisual: boolean): tf.Tensor[] {
  const frames = set[idx[0]].spec.frames;
  const a = new Float32Array(idx.length * frames * BINS);
  idx.forEach((k, i) => a.set(set[k].features, i * frames * BINS));
  const out = [tf.tensor3d(a, [idx.length, frames, BINS])];
  if (audioVisual) {
    const v = new Float32Array(idx.length * frames * VISUAL_FEATURES);
    idx.forEach((k, i) => v.set(set[k].visual, i * frames * VISUAL_FEATURES));
    out.push(tf.tensor3d(v, [idx.length, frames, VISUAL_FEATURES]));
  }
  return out;
}

function maskNetBaseline(audioVisual: boolean): Baseline {
  const name = audioVisual ? 'audio-visual-mask' : 'audio-only-mask';
  return {
    name,
    challenge: 'separation-mini',
    description: audioVisual
      ? 'STFT mask network reading the mixture and both face tracks (Looking to Listen style)'
      : 'STFT mask network on the mixture alone, permutation-invariant training',
    kind: 'model',
    async run(ctx: BaselineContext) {
      const trainDir = path.join(ctx.dataDir, 'train');
      const trained = await trainOrLoad<Meta>(ctx, ctx.epochs ?? DEFAULT_EPOCHS, async (epochs) => {
        const ids = mixtureIds(trainDir);
        const set = (ctx.limitTrain ? ids.slice(0, ctx.limitTrain) : ids).map((id) => loadMixture(trainDir, id, true));
        const frames = set[0].spec.frames;
        const model = buildMaskNet(frames, audioVisual, ctx.seed);
        const result = await train({
          label: name, model, samples: set.length, epochs, batchSize: BATCH, learningRate: 2e-3, seed: ctx.seed, maxSteps: ctx.maxSteps,
          makeBatch: (idx) => {
            const mag = new Float32Array(idx.length * frames * BINS);
            const tgt = new Float32Array(idx.length * 2 * frames * BINS);
            idx.forEach((k, i) => {
              mag.set(set[k].mixMag, i * frames * BINS);
              tgt.set(set[k].targets!, i * 2 * frames * BINS);
            });
            return {
              inputs: inputsOf(set, idx, audioVisual),
              targets: [tf.tensor3d(mag, [idx.length, frames, BINS]), tf.tensor4d(tgt, [idx.length, 2, frames, BINS])],
            };
          },
          loss: (pred, t) => maskLoss(pred as tf.Tensor, (t as tf.Tensor[])[0], (t as tf.Tensor[])[1], !audioVisual),
        });
        return { model, meta: { frames }, result };
      });

      const testDir = path.join(ctx.dataDir, 'test');
      const test = mixtureIds(testDir).map((id) => loadMixture(testDir, id, false));
      const estimates: { id: string; sampleRate: number; sources: Float64Array[] }[] = [];
      const frames = trained.meta.frames;
      for (const m of test) {
        if (m.spec.frames !== frames) throw new Error(`${m.id}: ${m.spec.frames} STFT frames, the model was trained on ${frames}`);
      }
      const makeInputs = (start: number, count: number) => inputsOf(test, Array.from({ length: count }, (_, i) => start + i), audioVisual);
      await predictInBatches(name, trained.model, test.length, 16, (idx) => makeInputs(idx[0], idx.length), async (idx, [masks]) => {
        const values = (await masks.data()) as Float32Array;
        idx.forEach((k, i) => {
          const m = test[k];
          const sources = [0, 1].map((speaker) => {
            const mask = new Float32Array(frames * BINS);
            for (let f = 0; f < frames; f++) {
              const from = ((i * frames + f) * 2 + speaker) * BINS;
              mask.set(values.subarray(from, from + BINS), f * BINS);
            }
            return istft(applyMask(m.spec, mask), m.samples);
          });
          estimates.push({ id: m.id, sampleRate: m.sampleRate, sources });
        });
      });
      fs.mkdirSync(ctx.workDir, { recursive: true });
      const submission = path.join(ctx.workDir, 'submission.zip');
      await writeSourcesZip(submission, estimates);
      const latency = ctx.latency
        ? await modelLatency(trained.model, { samples: Math.min(16, test.length), make: makeInputs }, ctx.latency, ctx.runtime)
        : undefined;
      return { submission, latency, trained: trained.trained, loadedFromCache: trained.loadedFromCache };
    },
  };
}

export const audioOnlyMask = maskNetBaseline(false);
export const audioVisualMask = maskNetBaseline(true);
