// Segmentation, detection, separation and fluorescence models through their adapters: each model's
// submission scores exactly what the same predictions, computed by hand with numpy / PIL /
// scipy (predict_tasks.py), score when uploaded as a file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChallenge } from '../../src/challenges/definition.js';
import { generateVocSegMini } from '../../src/datasets/voc2012-seg-generate.js';
import { generateDetectionMini } from '../../src/datasets/detection-generate.js';
import { generateSeparationMini } from '../../src/datasets/separation-generate.js';
import { generateIslMini } from '../../src/datasets/isl-generate.js';
import { readStack } from '../../src/baselines/fluorescence/data.js';
import { evaluateModel } from '../../src/models/evaluate-model.js';
import { ModelFailure } from '../../src/models/session.js';
import { ValidationError } from '../../src/problems.js';
import { loadTask } from '../../src/tasks/registry.js';
import { here, makeModels, PYTHON } from './helpers.js';

let root: string;
let models: string;

function challenge(id: string, task: string, truth: string, metric: string, inputs: string, options = '{}'): string {
  const dir = path.join(root, 'challenges', id);
  fs.mkdirSync(dir, { recursive: true });
  const track = { inputs, latency: { warmup: 1, min_queries: 5, min_duration_ms: 0, offline_samples: 4, offline_batch: 2, samples: 2, seed: 1 }, sandbox: { wall_s: 120 } };
  fs.writeFileSync(path.join(dir, 'challenge.yaml'), [
    `id: ${id}`, `title: ${id}`, `task: ${task}`, `truth: ${truth}`, `primary_metric: ${metric}`, `options: ${options}`,
    'submission: model', `model: ${JSON.stringify(track)}`,
    'phases:', '  - { id: main, start: 2026-01-01T00:00:00Z, end: 2027-06-30T23:59:59Z }', '',
  ].join('\n'));
  return dir;
}

async function sameAsFile(dir: string, model: string, byHand: (out: string) => void, ext: string) {
  const c = await loadChallenge(dir, { requireTruth: true });
  const r = await evaluateModel(c, path.join(models, model), { workDir: path.join(root, 'work', path.basename(dir), model), latency: 'off' });
  const file = path.join(root, `${path.basename(dir)}-${model}-by-hand.${ext}`);
  byHand(file);
  const task = await loadTask(c.task);
  const asFile = await task.evaluate(c.truth, file, { options: c.options });
  expect(r.report).toEqual(asFile.report);
  return r;
}

const py = (...args: string[]) => execFileSync(PYTHON, [path.join(here, 'predict_tasks.py'), ...args], { stdio: 'pipe' });

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-adapters-'));
  models = path.join(root, 'models');
  makeModels(models, 32, 3);
  await generateVocSegMini(path.join(root, 'data', 'seg'), { seed: 3, sizes: { trainImages: 2, valImages: 4, size: 64 } });
  generateDetectionMini(path.join(root, 'data', 'det'), { seed: 3, sizes: { trainImages: 2, testImages: 4, size: 128 } });
  await generateSeparationMini(path.join(root, 'data', 'sep'), { seed: 3, sizes: { trainMixtures: 1, testMixtures: 3 }, synthesizer: 'built-in' });
  await generateIslMini(path.join(root, 'data', 'isl'), { seed: 3, sizes: { trainExamples: 1, testExamples: 3, size: 32 } });
}, 300_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('model adapters score like files', () => {
  it('segmentation: arg-max of per-pixel scores, and integer class ids, both as PNG masks', async () => {
    const voc = path.join(root, 'data', 'seg', 'VOC2012');
    const dir = challenge('seg', 'segmentation', voc, 'miou', voc, '{ split: val }');
    const r = await sameAsFile(dir, 'segment.onnx', (out) => py('segment', path.join(models, 'segment.onnx'), voc, 'val', out), 'zip');
    expect(r.contract.output).toMatch(/NHWC \[1, H, W, 21\]/);
    await sameAsFile(dir, 'segment-ids.onnx', (out) => py('segment', path.join(models, 'segment.onnx'), voc, 'val', out), 'zip');
  }, 300_000);

  it('detection: normalised boxes, scores and class indices to the COCO CSV', async () => {
    const data = path.join(root, 'data', 'det');
    const truth = path.join(data, 'annotations', 'instances_test.json');
    const dir = challenge('det', 'detection', truth, 'AP', truth);
    const r = await sameAsFile(dir, 'detect.onnx', (out) => py('detect', path.join(models, 'detect.onnx'), truth, path.join(data, 'images', 'test'), out), 'csv');
    expect(fs.readFileSync(r.submission, 'utf8').split('\n').length).toBeGreaterThan(4 * 8);
  }, 300_000);

  it('separation: two waveforms per mixture to the WAV zip', async () => {
    const test = path.join(root, 'data', 'sep', 'test');
    const dir = challenge('sep', 'separation', test, 'sdri', test);
    const r = await sameAsFile(dir, 'separate.onnx', (out) => py('separate', path.join(models, 'separate.onnx'), test, out), 'zip');
    expect(r.contract.input).toMatch(/float32 \[1, T\]/);
  }, 300_000);

  it('fluorescence: the z-stack in, one intensity image a label out, to the 16-bit PNG zip', async () => {
    const test = path.join(root, 'data', 'isl', 'test');
    const channels = '{ channels: [DAPI, MAP2, NFH, DEAD] }';
    const dir = challenge('isl', 'fluorescence', test, 'mean_pearson', test, channels);
    const r = await sameAsFile(dir, 'fluoresce.onnx', (out) => py('fluoresce', path.join(models, 'fluoresce.onnx'), test, 'DAPI,MAP2,NFH,DEAD', out), 'zip');
    expect(r.contract.input).toMatch(/^float32 NHWC \[1, H, W, D\]: the transmitted-light z-stack.*\(32x32, D = 13 here\), each value the intensity in \[0, 1\]/);
    expect(r.contract.output).toMatch(/\[1, H, W, 4\].*channels DAPI, MAP2, NFH, DEAD/);
    expect(r.report.metrics.mean_pearson).toBeGreaterThan(-1);

    // normalise: standardise feeds each stack as the U-Net baseline reads it.
    const c = await loadChallenge(dir, { requireTruth: true });
    const { loadAdapter } = await import('../../src/models/adapters/registry.js');
    const set = await (await loadAdapter('fluorescence')).open(c, { ...c.model!, input: { normalise: 'standardise' } });
    const id = fs.readFileSync(path.join(test, 'examples.csv'), 'utf8').split('\n')[2]!.split(',')[0]!;
    expect(set.count).toBe(3);
    expect(set.input(1).zstack!.data).toEqual(readStack(path.join(test, 'inputs', id)).data);
    expect(set.contract.input).toMatch(/standardised per example/);
    // An output of the wrong channel count breaks the contract.
    set.input(0);
    expect(() => set.add(0, { labels: { dtype: 'float32', dims: [1, 32, 32, 3], data: new Float32Array(32 * 32 * 3) } })).toThrow(/output for test-0001 is float32 \[1, 32, 32, 3\]; expected \[1, 32, 32, 4\]/);
  }, 300_000);

  it('a model built for another task breaks the contract with a clear reason', async () => {
    const test = path.join(root, 'data', 'sep', 'test');
    const c = await loadChallenge(challenge('sep2', 'separation', test, 'sdri', test), { requireTruth: true });
    const e = await evaluateModel(c, path.join(models, 'classifier.onnx'), { workDir: path.join(root, 'work', 'bad'), latency: 'off' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelFailure);
    expect((e as Error).message).toMatch(/the model's input "image" is float32 \[\?, 32, 32, 3\]; the contract expects float32 \[1, T\]/);
  }, 120_000);
});

describe('an audio-visual separation contract: two named inputs, one optional', () => {
  const feeds = [
    { name: 'mixture', dtype: 'float32', shape: [1, 'T'] },
    { name: 'face_tracks', dtype: 'float32', shape: [1, 'V', 2], optional: true },
  ];
  function avChallenge(id: string, extra: Record<string, unknown> = {}, required = false): string {
    const test = path.join(root, 'data', 'sep', 'test');
    const dir = challenge(id, 'separation', test, 'sdri', test);
    const yaml = fs.readFileSync(path.join(dir, 'challenge.yaml'), 'utf8');
    const track = { inputs: test, sandbox: { wall_s: 120 }, feeds: required ? feeds.map((f) => ({ ...f, optional: false })) : feeds, ...extra };
    fs.writeFileSync(path.join(dir, 'challenge.yaml'), yaml.replace(/^model: .*$/m, `model: ${JSON.stringify(track)}`));
    return dir;
  }

  it('feeds the waveform and the face tracks by name, and scores as the same predictions do as a file', async () => {
    const dir = avChallenge('sep-av');
    const test = path.join(root, 'data', 'sep', 'test');
    const r = await sameAsFile(dir, 'separate-av.onnx', (out) => py('separate-av', path.join(models, 'separate-av.onnx'), test, out), 'zip');
    expect(r.contract.input).toMatch(/^mixture: float32 \[1, T\].*; face_tracks \(optional\): float32 \[1, V, 2\]/);
    // An audio-only model leaves the optional input out and is scored as before.
    await sameAsFile(dir, 'separate.onnx', (out) => py('separate', path.join(models, 'separate.onnx'), test, out), 'zip');
  }, 300_000);

  it('times an audio-only entry against an audio-visual reference: every query feeds each model its inputs', async () => {
    const latency = { warmup: 2, min_queries: 12, min_duration_ms: 0, offline_samples: 6, offline_batch: 3, samples: 3, seed: 1 };
    const dir = avChallenge('sep-av-timed', { reference: path.join(models, 'separate-av.onnx'), latency });
    const c = await loadChallenge(dir, { requireTruth: true });
    const r = await evaluateModel(c, path.join(models, 'separate.onnx'), { workDir: path.join(root, 'work', 'sep-av-timed') });
    const l = r.latency!;
    expect(l.entry.queries).toBeGreaterThanOrEqual(12);
    expect(l.reference!.queries).toBe(l.entry.queries);
    expect(l.relative!.paired).toBeGreaterThan(0);
    expect(l.floor!.queries).toBeGreaterThan(0); // the null model takes both inputs
    // Offline: the entry's batch dimension is fixed at 1, so its samples go one at a time.
    expect(l.entry.offline_batch).toBe(1);
  }, 300_000);

  it('refuses a model whose inputs do not match, naming the input, what is expected and what it has', async () => {
    const dir = avChallenge('sep-av-bad');
    const c = await loadChallenge(dir, { requireTruth: true });
    const reason = async (model: string) => {
      const e = await evaluateModel(c, path.join(models, model), { workDir: path.join(root, 'work', `bad-${model}`), latency: 'off' }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ModelFailure);
      const message = (e as Error).message;
      expect(message.split('\n')).toHaveLength(1);
      return message;
    };
    expect(await reason('separate-av-wide.onnx')).toMatch(/input does not meet the contract: the model's input "face_tracks" is float32 \[1, \?, 3\]; the contract expects float32 \[1, V, 2\].*\(input "face_tracks", float32 \[1, \d+, 2\] here\)/);
    expect(await reason('separate-lips.onnx')).toMatch(/the model has an input "lips" \(float32 \[1, \?, 2\]\) that the contract does not; the contract's inputs: mixture float32 \[1, \d+\], face_tracks \(optional\) float32 \[1, \d+, 2\]/);
    expect(await reason('separate-faces-only.onnx')).toMatch(/the model has no input "mixture" \(the contract expects float32 \[1, T\].*\); its inputs: face_tracks float32 \[1, \?, 2\]/);
    // With the face tracks required, an audio-only model is refused too.
    const strict = await loadChallenge(avChallenge('sep-av-strict', {}, true), { requireTruth: true });
    const e = await evaluateModel(strict, path.join(models, 'separate.onnx'), { workDir: path.join(root, 'work', 'strict'), latency: 'off' }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/the model has no input "face_tracks" \(the contract expects float32 \[1, V, 2\]/);
  }, 300_000);

  it('refuses feeds the task does not make, in challenge.yaml, field by field', async () => {
    const dir = avChallenge('sep-av-yaml', { feeds: [{ name: 'mixture', dtype: 'float64', shape: [1, 'T'] }, { name: 'video', dtype: 'float32', shape: [1, 'V', 2] }, { name: 'face_tracks', dtype: 'float32', shape: [1, 'V'], optional: 'yes' }] });
    const e = await loadChallenge(dir, { requireTruth: true }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).problems.map((p) => `${p.column}: ${p.message}`)).toEqual([
      'model.feeds[0].dtype: "mixture" is float32, got "float64"',
      'model.feeds[1].name: "video" is not an input the separation adapter makes; expected one of mixture (float32 [1, T]), face_tracks (float32 [1, V, 2])',
      'model.feeds[2].shape: "face_tracks" is [1, V, 2], got [1, V]',
      'model.feeds[2].optional: must be true or false',
    ]);
  });
});
