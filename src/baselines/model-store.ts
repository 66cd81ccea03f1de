/**
 * Saves and loads tfjs-layers models as a folder (`model.json` + `weights.bin`, the tfjs
 * layers format) through tfjs' public IO-handler interface; the plain `@tensorflow/tfjs`
 * package has no file:// handler of its own in Node.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import './atrous-depthwise.js'; // custom layers register themselves for deserialisation

export function fileSaveHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      fs.mkdirSync(dir, { recursive: true });
      const weights = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(weights));
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      // model.json last: its presence marks a complete save.
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** Reads a model.json + weight files folder (layers or graph format) into memory artifacts. */
export function readArtifacts(modelJsonPath: string): tf.io.ModelArtifacts {
  const json = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8'));
  const dir = path.dirname(modelJsonPath);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    weightSpecs: specs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
  };
}

export function hasSavedModel(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'model.json'));
}

export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(fileSaveHandler(dir), { includeOptimizer: false });
}

export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(readArtifacts(path.join(dir, 'model.json'))));
}

export async function loadGraphModel(modelJsonPath: string): Promise<tf.GraphModel> {
  return tf.loadGraphModel(tf.io.fromMemory(readArtifacts(modelJsonPath)));
}
