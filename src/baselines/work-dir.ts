/**
 * Where a baseline keeps its weights, submission and ONNX file. The default settings (the
 * demo's seed, the baseline's own epochs) use data/<challenge>/baselines/<name>, which the
 * demo reuses and the model tracks name as their reference model; any other seed or an epochs
 * override gets a folder of its own, baselines/<settings>/<name> (e.g.
 * baselines/seed-42/mobilenet-v2), so it never overwrites the default run's weights. (A run cut
 * short with maxSteps is marked in its meta.json and never reused as a full one: cache.ts.)
 */
import path from 'node:path';
import { DEFAULT_SEED } from '../datasets/rng.js';

export interface RunSettings {
  seed?: number;
  epochs?: number;
}

/** The folder name of non-default settings, or undefined for the default run. */
export function settingsLabel(s: RunSettings): string | undefined {
  const seed = s.seed ?? DEFAULT_SEED;
  if (seed === DEFAULT_SEED && s.epochs === undefined) return undefined;
  return s.epochs === undefined ? `seed-${seed}` : `seed-${seed}-epochs-${s.epochs}`;
}

/** data/<challenge>/baselines/[<settings>/]<name> for a challenge's data folder. */
export function baselineWorkDir(challengeDataDir: string, name: string, s: RunSettings = {}): string {
  const label = settingsLabel(s);
  return label ? path.join(challengeDataDir, 'baselines', label, name) : path.join(challengeDataDir, 'baselines', name);
}

/**
 * The baseline a model file belongs to, read back from where baselineWorkDir keeps it
 * (data/<challenge>/baselines/[<settings>/]<name>/model.onnx): its folder's name. A model
 * track's reference names its baseline entry this way.
 */
export function baselineOfModel(modelFile: string): string {
  return path.basename(path.dirname(modelFile));
}
