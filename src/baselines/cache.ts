/**
 * Cached weights: a learned baseline trains once and keeps its model under
 * data/<challenge>/baselines/<name>/model (tfjs layers format); later runs load it, unless
 * asked to retrain. Extra JSON (label maps, normalisation) is kept beside it in meta.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { hasSavedModel, loadModel, saveModel } from './model-store.js';
import type { BaselineContext, BaselineOutput } from './baseline.js';
import type { TrainResult } from './train.js';

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
  if (!ctx.retrain && hasSavedModel(dir) && fs.existsSync(metaFile)) {
    ctx.log(`loading cached weights from ${dir}`);
    return { model: await loadModel(dir), meta: JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Meta, loadedFromCache: true };
  }
  const { model, meta, result } = await fit(epochs);
  fs.mkdirSync(ctx.workDir, { recursive: true });
  await saveModel(model, dir);
  fs.writeFileSync(metaFile, JSON.stringify(meta));
  const finalLoss = result.epochLosses[result.epochLosses.length - 1] ?? NaN;
  ctx.log(`trained ${result.steps} steps in ${result.seconds.toFixed(1)} s, final loss ${finalLoss.toFixed(4)}`);
  return { model, meta, loadedFromCache: false, trained: { epochs: result.epochLosses.length, steps: result.steps, seconds: result.seconds, finalLoss } };
}
