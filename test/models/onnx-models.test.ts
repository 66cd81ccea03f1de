// Real ONNX files built by python3-onnx (make_models.py), run in onnxruntime-node inside the
// sandbox: the cost read from the graph, and every hostile model refused or stopped with its reason.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModelSession, ModelFailure, type SessionOptions } from '../../src/models/session.js';
import { DEFAULT_SANDBOX_LIMITS } from '../../src/sandbox/limits.js';
import { decodeOnnx, readOnnx, onnxParams } from '../../src/models/onnx-file.js';
import { makeModels } from './helpers.js';

let root: string;
let models: string;
const image = () => ({ image: { dtype: 'float32' as const, dims: [1, 32, 32, 3], data: new Float32Array(32 * 32 * 3).fill(0.25) } });

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-onnx-'));
  models = path.join(root, 'models');
  makeModels(models, 32, 10);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function open(name: string, o: Partial<SessionOptions> = {}, limits: Partial<SessionOptions['limits']> = {}) {
  return openModelSession({
    entry: { format: 'onnx', path: path.join(models, name) },
    scratch: path.join(root, 'scratch'),
    limits: { ...DEFAULT_SANDBOX_LIMITS, wallSeconds: 120, ...limits },
    ...o,
  });
}

async function failure(p: Promise<unknown>): Promise<ModelFailure> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(ModelFailure);
  return e as ModelFailure;
}

describe('ONNX files', () => {
  it('a truncated file is refused before any runtime sees it', () => {
    expect(() => readOnnx(path.join(models, 'truncated.onnx'), 1e9)).toThrow(/truncated\.onnx: not a complete ONNX model/);
  });

  it('external data anywhere is refused, naming the tensor and the path', () => {
    expect(() => readOnnx(path.join(models, 'external.onnx'), 1e9)).toThrow(/tensor "w" keeps its data in an external file \(\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd\)/);
  });

  it('a file over the size limit is refused', () => {
    expect(() => readOnnx(path.join(models, 'conv.onnx'), 100)).toThrow(/over the 100-byte limit/);
  });

  it('random bytes are not a model', () => {
    expect(() => decodeOnnx(Buffer.from('not a model at all, just text'), 'x.onnx')).toThrow(/x\.onnx: not/);
  });

  it('counts parameters from the initializers', () => {
    const { model } = readOnnx(path.join(models, 'conv.onnx'), 1e9);
    expect(onnxParams(model)).toBe(8 * 3 * 9 + 8 + 4 * 8); // w1, b1, w2
  });
});

describe('ONNX models in the sandbox', () => {
  it('runs a classifier and reports its I/O and runtime settings', async () => {
    const s = await open('classifier.onnx');
    expect(s.isolation).toBe('bwrap');
    expect(s.entry.inputs).toEqual([{ name: 'image', dtype: 'float32', dims: [null, 32, 32, 3] }]);
    expect(s.entry.runtime).toMatch(/onnxruntime-node .* intra-op 1, inter-op 1/);
    const out = await s.run('entry', image());
    expect(out.scores.dims).toEqual([1, 10]);
    expect((await s.close()).failure).toBeUndefined();
  });

  it('reads multiply-adds from the graph by running it once (two convolutions, by hand)', async () => {
    const s = await open('conv.onnx');
    const cost = await s.cost('entry', { x: { dtype: 'float32', dims: [1, 3, 8, 8], data: new Float32Array(192) } });
    // 3x3 conv 3->8 at 8x8: 8*8 * 8*3*9 = 13,824; 1x1 conv 8->4: 8*8 * 4*8 = 2,048
    expect(cost).toEqual({ params: 256, madds: 13824 + 2048 });
    await s.close();
  });

  it('a truncated model fails to load with the reason', async () => {
    const f = await failure(open('truncated.onnx'));
    expect(f.failure.kind).toBe('input');
    expect(f.message).toMatch(/not a complete ONNX model/);
  });

  it('an external-data model is refused inside too', async () => {
    const f = await failure(open('external.onnx'));
    expect(f.message).toMatch(/external file/);
  });

  it('an endless Loop is stopped at the wall-time limit', async () => {
    const s = await open('loop.onnx', {}, { wallSeconds: 8 });
    const f = await failure(s.run('entry', image()));
    expect(f.failure.kind).toBe('timeout');
    expect(f.message).toMatch(/8 s wall-time limit/);
  });

  it('a memory hog hits the memory limit', async () => {
    const s = await open('memhog.onnx', {}, { memoryMb: 1024 });
    const f = await failure(s.run('entry', image()));
    expect(f.failure.kind).toBe('memory');
    expect(f.message).toMatch(/out of memory/);
    await s.close();
  });

  it('1 GiB of output is refused', { timeout: 300_000 }, async () => {
    const s = await open('bigout.onnx', {}, { memoryMb: 3072, outputMb: 64, wallSeconds: 240 });
    const f = await failure(s.run('entry', image()));
    expect(f.failure.kind).toBe('output');
    expect(f.message).toMatch(/output too large: the model returned 1073741824 bytes/);
    await s.close().catch(() => {});
  });
});
