/**
 * Cached weights: a learned baseline trains once and keeps its model under
 * data/<challenge>/baselines/<name>/model (tfjs layers format); later runs load it, unless
 * asked to retrain or the data's content changed. Extra JSON (label maps, normalisation) is
 * kept beside it in meta.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { hasSavedModel, loadModel, saveModel } from './model-store.js';
import { folderHash } from './content-hash.js';
import type { BaselineContext, BaselineOutput } from './baseline.js';
import type { TrainResult } from './train.js';

interface CachedMeta<Meta> {
  epochs: number;
  seed: number;
  /** Content hash of the data they were trained on (content-hash.ts). */
  data?: string;
  /** Set when training was cut short (tests): such weights only answer the same cut. */
  maxSteps?: number;
  limitTrain?: number;
  meta: Meta;
}

export interface Trained<Meta> {
  model: tf.LayersModel;
  meta: Meta;
  trained?: BaselineOutput['trained'];
  loadedFromCache: boolean;
}

export async function trainOrLoad<Meta>(
  ctx: BaselineContext, epochs: number,
  fit: (epochs: number) => Promise<{ model: tf.LayersModel; meta: Meta; result: TrainResult }>,
): Promise<Trained<Meta>> {
  const dir = path.join(ctx.workDir, 'model');
  const metaFile = path.join(ctx.workDir, 'meta.json');
  const cached = !ctx.retrain && hasSavedModel(dir) && fs.existsSync(metaFile)
    ? (JSON.parse(fs.readFileSync(metaFile, 'utf8')) as CachedMeta<Meta>)
    : undefined;
  // Cached weights answer only for the same data (content hash), the same seed, the same cut
  // (maxSteps, limitTrain) and, when asked for, the same epochs.
  const data = folderHash(ctx.dataDir, ['baselines']);
  if (cached && cached.data === data && cached.seed === ctx.seed && (ctx.epochs === undefined || cached.epochs === ctx.epochs) &&
      cached.maxSteps === ctx.maxSteps && (cached.limitTrain || undefined) === (ctx.limitTrain || undefined)) {
    ctx.log(`loading cached weights from ${dir} (${cached.epochs} epochs, seed ${cached.seed})`);
    return { model: await loadModel(dir), meta: cached.meta, loadedFromCache: true };
  }
  if (cached) {
    ctx.log(cached.data !== data
      ? 'cached weights were trained on other data (its content changed): training again'
      : `cached weights are for ${cached.epochs} epochs, seed ${cached.seed}${cached.maxSteps !== undefined ? `, ${cached.maxSteps} steps` : ''}: training again`);
  }
  const { model, meta, result } = await fit(epochs);
  fs.mkdirSync(ctx.workDir, { recursive: true });
  fs.rmSync(metaFile, { force: true }); // never a new model beside an old meta
  await saveModel(model, dir);
  fs.writeFileSync(metaFile, JSON.stringify({ epochs, seed: ctx.seed, data, maxSteps: ctx.maxSteps, limitTrain: ctx.limitTrain || undefined, meta } satisfies CachedMeta<Meta>));
  const finalLoss = result.epochLosses[result.epochLosses.length - 1] ?? NaN;
  ctx.log(`trained ${result.steps} steps in ${result.seconds.toFixed(1)} s, final loss ${finalLoss.toFixed(4)}`);
  return { model, meta, loadedFromCache: false, trained: { epochs: result.epochLosses.length, steps: result.steps, seconds: result.seconds, finalLoss } };
}
