/** Builds the test models with Debian's python3-onnx (make_models.py) and a tiny classification challenge with a model track. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateInatMini } from '../../src/datasets/inat2018-generate.js';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const PYTHON = '/usr/bin/python3';

/** Fails (never skips) when the oracle is missing: CI installs python3-onnx. */
export function makeModels(dir: string, size = 32, classes = 10): void {
  fs.mkdirSync(dir, { recursive: true });
  try {
    execFileSync(PYTHON, [path.join(here, 'make_models.py'), dir, String(size), String(classes)], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`building the test models needs Debian's python3-onnx and python3-numpy (.ci/run installs them): ${(e as { stderr?: Buffer }).stderr?.toString() ?? e}`);
  }
}

export interface TinyChallenge {
  dir: string;
  data: string;
  yaml: string;
}

/** A 10-class, 20-test-image iNat-format challenge whose yaml takes models. */
export function tinyClassificationChallenge(root: string, model: Record<string, unknown> = {}): TinyChallenge {
  const data = path.join(root, 'data', 'inat-tiny');
  if (!fs.existsSync(path.join(data, 'test2018.json'))) {
    generateInatMini(data, { seed: 3, sizes: { classes: 10, trainImages: 40, valPerClass: 1, testPerClass: 2, size: 32 } });
  }
  const dir = path.join(root, 'challenges', 'inat-tiny');
  fs.mkdirSync(dir, { recursive: true });
  const track = {
    inputs: path.join(data, 'test2018.json'),
    latency: { warmup: 2, min_queries: 20, min_duration_ms: 0, offline_samples: 8, offline_batch: 4, samples: 4, seed: 1 },
    sandbox: { wall_s: 120 },
    ...model,
  };
  const yaml = [
    'id: inat-tiny', 'title: tiny', 'task: classification', `truth: ${path.join(data, 'solution.csv')}`,
    'primary_metric: top3_error', 'options: { predictions: 3 }', 'submission: [file, model]',
    `model: ${JSON.stringify(track)}`,
    'phases:', '  - { id: main, start: 2026-01-01T00:00:00Z, end: 2027-06-30T23:59:59Z }', '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'challenge.yaml'), yaml);
  return { dir, data, yaml: path.join(dir, 'challenge.yaml') };
}
