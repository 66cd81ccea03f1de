// tfjs layers models (model.json + weights, the baselines' format) and graph models (what
// tfjs-converter writes) in the sandbox on the wasm backend: the same outputs as tfjs in this
// process, or as the graph's arithmetic by hand; manifests that point outside the model's
// folder or at a URL are refused before anything is read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { saveModel } from '../../src/baselines/model-store.js';
import { checkTfjsModel } from '../../src/models/tfjs-runtime.js';
import { openModelSession } from '../../src/models/session.js';
import { DEFAULT_SANDBOX_LIMITS } from '../../src/sandbox/limits.js';

let root: string;
let dir: string;
let expected: Float32Array;
const x = Float32Array.from({ length: 2 * 8 }, (_, i) => Math.sin(i));

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-tfjs-'));
  dir = path.join(root, 'model');
  await initRuntime('cpu');
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [8], units: 5, activation: 'relu', kernelInitializer: 'glorotUniform' }), tf.layers.dense({ units: 3 })] });
  await saveModel(model, dir);
  const y = model.predict(tf.tensor2d(x, [2, 8])) as import('@tensorflow/tfjs').Tensor;
  expected = (await y.data()) as Float32Array;
}, 120_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('tfjs models', () => {
  it('run in the sandbox on wasm and give the same outputs, with cost from the layers', async () => {
    const s = await openModelSession({ entry: { format: 'tfjs', path: path.join(dir, 'model.json') }, scratch: path.join(root, 'scratch'), limits: { ...DEFAULT_SANDBOX_LIMITS, wallSeconds: 120 } });
    expect(s.entry.runtime).toMatch(/@tensorflow\/tfjs .*wasm/);
    const name = s.entry.inputs[0].name;
    const out = Object.values(await s.run('entry', { [name]: { dtype: 'float32', dims: [2, 8], data: x } }))[0];
    expect(out.dims).toEqual([2, 3]);
    const got = Array.from(out.data as Float32Array);
    got.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-5));
    expect(await s.cost('entry', { [name]: { dtype: 'float32', dims: [1, 8], data: x.slice(0, 8) } })).toEqual({ params: 8 * 5 + 5 + 5 * 3 + 3, madds: 8 * 5 + 5 * 3 });
    expect((await s.close()).failure).toBeUndefined();
  }, 180_000);

  it('take several named inputs: fed by the contract\'s names through a binding, in every timed query', async () => {
    const wave = tf.input({ shape: [8], name: 'mixture' });
    const faces = tf.input({ shape: [4], name: 'face_tracks' });
    const joined = tf.layers.concatenate().apply([wave, faces]) as import('@tensorflow/tfjs').SymbolicTensor;
    const two = tf.model({ inputs: [wave, faces], outputs: tf.layers.dense({ units: 3, kernelInitializer: 'glorotUniform' }).apply(joined) as import('@tensorflow/tfjs').SymbolicTensor });
    const twoDir = path.join(root, 'two-inputs');
    await saveModel(two, twoDir);
    const w = Float32Array.from({ length: 8 }, (_, i) => Math.cos(i));
    const f = Float32Array.from({ length: 4 }, (_, i) => i / 4);
    const want = (await (two.predict([tf.tensor2d(w, [1, 8]), tf.tensor2d(f, [1, 4])]) as import('@tensorflow/tfjs').Tensor).data()) as Float32Array;
    const s = await openModelSession({ entry: { format: 'tfjs', path: path.join(twoDir, 'model.json') }, scratch: path.join(root, 'scratch2'), limits: { ...DEFAULT_SANDBOX_LIMITS, wallSeconds: 120 } });
    expect(s.entry.inputs.map((i) => i.name)).toEqual(['mixture', 'face_tracks']);
    // Contract names differ from the model's; the item is sent in the other order.
    await s.bind('entry', { mixture: 'wave', face_tracks: 'faces' });
    const item = { faces: { dtype: 'float32' as const, dims: [1, 4], data: f }, wave: { dtype: 'float32' as const, dims: [1, 8], data: w } };
    const out = Object.values(await s.run('entry', item, true))[0];
    Array.from(out.data as Float32Array).forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5));
    expect(await s.cost('entry', item)).toEqual({ params: 12 * 3 + 3, madds: 12 * 3 });
    const l = await s.latency({ warmup: 1, minQueries: 5, minDurationMs: 0, offlineSamples: 2, offlineBatch: 2 }, 1, 'test');
    expect(l.entry.queries).toBe(5);
    expect(l.entry.offline_batch).toBe(1); // one kept item
    expect((await s.close()).failure).toBeUndefined();
  }, 180_000);

  it('a graph model (format graph-model: a GraphDef and its weights) runs too, with cost from the graph', async () => {
    // y = x . w, written as tfjs-converter writes a frozen graph: Placeholder, Const, MatMul.
    const graphDir = path.join(root, 'graph');
    fs.mkdirSync(graphDir);
    const w = Float32Array.from({ length: 8 * 3 }, (_, i) => Math.cos(i) / 2);
    fs.writeFileSync(path.join(graphDir, 'group1-shard1of1.bin'), Buffer.from(w.buffer));
    const dim = (...d: number[]) => ({ dim: d.map((size) => ({ size: String(size) })) });
    fs.writeFileSync(path.join(graphDir, 'model.json'), JSON.stringify({
      format: 'graph-model',
      modelTopology: {
        node: [
          { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dim(-1, 8) } } },
          { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dim(8, 3) } } } },
          { name: 'y', op: 'MatMul', input: ['x', 'w'], attr: { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } } },
        ],
        library: {},
        versions: {},
      },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'w', shape: [8, 3], dtype: 'float32' }] }],
    }));
    const s = await openModelSession({ entry: { format: 'tfjs', path: path.join(graphDir, 'model.json') }, scratch: path.join(root, 'scratch3'), limits: { ...DEFAULT_SANDBOX_LIMITS, wallSeconds: 120 } });
    expect(s.entry.inputs.map((i) => i.name)).toEqual(['x']);
    const out = Object.values(await s.run('entry', { x: { dtype: 'float32', dims: [2, 8], data: x } }))[0];
    expect(out.dims).toEqual([2, 3]);
    Array.from(out.data as Float32Array).forEach((v, k) => {
      const [n, j] = [Math.floor(k / 3), k % 3];
      let sum = 0;
      for (let i = 0; i < 8; i++) sum += x[n * 8 + i] * w[i * 3 + j];
      expect(Math.abs(v - sum)).toBeLessThan(1e-5);
    });
    expect(await s.cost('entry', { x: { dtype: 'float32', dims: [1, 8], data: x.slice(0, 8) } })).toEqual({ params: 24, madds: 24 });
    expect((await s.close()).failure).toBeUndefined();
  }, 180_000);

  it('refuses weight paths outside the folder or at a URL', () => {
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    for (const bad of ['../secret.bin', 'http://127.0.0.1:9/w.bin', '/etc/passwd', 'sub/w.bin']) {
      const f = path.join(root, `bad-${Math.random().toString(36).slice(2)}.json`);
      fs.writeFileSync(f, JSON.stringify({ ...json, weightsManifest: [{ paths: [bad], weights: json.weightsManifest[0].weights }] }));
      expect(() => checkTfjsModel(f, 1e9)).toThrow(/refused weight path/);
    }
  });
});
