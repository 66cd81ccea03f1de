// A model submission end to end on a tiny iNat-format challenge: the sandboxed classifier's
// outputs become the ordinary submission and score exactly what the same predictions score as
// an uploaded file (predictions computed independently with numpy + PIL); the CLI prints the
// same numbers and a failed model exits with its reason.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChallenge } from '../../src/challenges/definition.js';
import { evaluateModel } from '../../src/models/evaluate-model.js';
import { ModelFailure } from '../../src/models/session.js';
import { latencyRecord } from '../../src/models/score-model.js';
import { loadTask } from '../../src/tasks/registry.js';
import { podium } from '../helpers/cli.js';
import { here, makeModels, PYTHON, tinyClassificationChallenge, type TinyChallenge } from './helpers.js';

let root: string;
let models: string;
let ch: TinyChallenge;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-model-sub-'));
  models = path.join(root, 'models');
  makeModels(models, 32, 10);
  ch = tinyClassificationChallenge(root);
}, 120_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('model submission', () => {
  it('scores exactly what its predictions score as a file', async () => {
    const challenge = await loadChallenge(ch.dir, { requireTruth: true });
    expect(challenge.submission).toEqual(['file', 'model']);
    const work = path.join(root, 'work');
    const r = await evaluateModel(challenge, path.join(models, 'classifier.onnx'), { workDir: work, latency: 'off' });

    const file = path.join(root, 'by-hand.csv');
    execFileSync(PYTHON, [path.join(here, 'predict_classifier.py'), path.join(models, 'classifier.onnx'), path.join(ch.data, 'test2018.json'), file, '3', '-1', '1']);
    expect(fs.readFileSync(r.submission, 'utf8')).toBe(fs.readFileSync(file, 'utf8'));
    const task = await loadTask('classification');
    const asFile = await task.evaluate(challenge.truth, file, { options: challenge.options });
    expect(r.report).toEqual(asFile.report);
    expect(r.cost).toEqual({ params: 3 * 10 + 10, madds: 3 * 10 });
    expect(r.environment).toMatchObject({ isolation: 'bwrap', threads: 1, runtime: expect.stringMatching(/onnxruntime-node/) });
    // The runner keeps freed memory mapped, so no timed query pays page faults for its buffers.
    expect(r.environment.allocator).toBe('glibc malloc, mmap threshold 33554432 B, trim threshold 268435456 B');
    expect(r.contract.input).toBe('float32 NHWC [1, 32, 32, 3], RGB scaled from 0..255 to [-1, 1]');
  }, 300_000);

  it('times the entry with the reference interleaved, and the harness floor', async () => {
    // The reference here is the same classifier: the relative latency is about 1.
    tinyClassificationChallenge(root, { reference: path.join(models, 'classifier.onnx') });
    const challenge = await loadChallenge(ch.dir, { requireTruth: true });
    const r = await evaluateModel(challenge, path.join(models, 'classifier.onnx'), { workDir: path.join(root, 'work-latency') });
    const l = r.latency!;
    expect(l.entry.queries).toBeGreaterThanOrEqual(20);
    expect(l.reference!.queries).toBe(l.entry.queries);
    expect(l.entry.p50_ms).toBeGreaterThan(0);
    expect(l.entry.p50_ms).toBeLessThanOrEqual(l.entry.p90_ms);
    expect(l.entry.p90_ms).toBeLessThanOrEqual(l.entry.p99_ms);
    expect(l.relative!.paired).toBeGreaterThan(0);
    expect(l.floor!.queries).toBeGreaterThanOrEqual(20);
    expect(l.entry.params).toBe(40);
    expect(r.environment.latency_settings).toMatchObject({ minQueries: 20, seed: 1, warmup: 2 });
    expect(r.environment.reference_runtime).toMatch(/onnxruntime-node/);
    // Each stored figure says which warm-up ran before it (the yaml asks for 2 queries: a fixed count,
    // run alternating by entry and reference).
    const fixed = { queries: 2, ms: 0, stop: 'fixed' };
    expect(latencyRecord(r)).toMatchObject({
      warmup: 2, warmup_stop: 'fixed', warmup_ms: 0, reference_warmup: fixed, harness_floor_warmup: fixed,
      environment: { latency_settings: { warmup: 2 } },
    });
  }, 300_000);

  it('a model whose output breaks the contract fails with a one-line reason', async () => {
    const challenge = await loadChallenge(ch.dir, { requireTruth: true });
    const e = await evaluateModel(challenge, path.join(models, 'conv.onnx'), { workDir: path.join(root, 'work-bad'), latency: 'off' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelFailure);
    expect((e as ModelFailure).message).toMatch(/the model's input "x" is float32 \[1, 3, 8, 8\]; the contract expects float32 NHWC \[1, 32, 32, 3\]/);
  }, 120_000);

  it('podium evaluate --model prints the score, cost and latency; a hostile model exits 3 with its reason', () => {
    tinyClassificationChallenge(root);
    const ok = podium(['evaluate', '--challenge', ch.dir, '--model', path.join(models, 'classifier.onnx'), '--json']);
    expect(ok.code).toBe(0);
    const json = JSON.parse(ok.stdout);
    const file = path.join(root, 'by-hand.csv');
    const asFile = JSON.parse(podium(['evaluate', '--challenge', ch.dir, '--submission', file, '--json']).stdout);
    expect(json.metrics).toEqual(asFile.metrics);
    expect(json.model.latency.entry.queries).toBeGreaterThanOrEqual(20);
    expect(json.model.environment.isolation).toBe('bwrap');
    const text = podium(['evaluate', '--challenge', ch.dir, '--model', path.join(models, 'classifier.onnx'), '--no-reference']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ms over \d+ queries after 2 warm-up queries \(fixed count\);/);

    const bad = podium(['evaluate', '--challenge', ch.dir, '--model', path.join(models, 'external.onnx')]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/^podium: model failed \(input\): .*external\.onnx: refused: tensor "w" keeps its data in an external file/);
    expect(bad.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  }, 300_000);
});
