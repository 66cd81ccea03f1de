/**
 * The demo's result cache: a baseline's outcome (submission, score, tfjs and ONNX Runtime
 * latency) is kept in its folder as demo-run.json, under a key made of everything that decides
 * it: the challenge data's content hash, the challenge definition, podium's code and lock file,
 * the seed and training settings. A later demo with the same key and the same output files
 * (checked by sha256) reuses it instead of training, predicting and timing again; anything
 * changed runs the baseline again. Latency figures come from the run that made the entry.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { codeHash, folderHash, sha256File } from '../baselines/content-hash.js';
import { baselineWorkDir } from '../baselines/work-dir.js';
import type { BaselineListing } from '../baselines/registry.js';
import type { BaselineWorkerResult, WorkerSettings } from './demo-baselines.js';

export const CACHE_FILE = 'demo-run.json';
const CACHE_VERSION = 1;

interface CacheEntry {
  version: number;
  key: string;
  inputs: Record<string, unknown>;
  result: BaselineWorkerResult;
  /** Output files (absolute) and their sha256 when the entry was written. */
  outputs: Record<string, string>;
}

export class DemoCache {
  private readonly dataHashes = new Map<string, string>();

  constructor(private readonly dataRoot: string, private readonly settings: WorkerSettings) {}

  /** The folder the baseline writes to with the demo's settings. */
  workDir(b: BaselineListing): string {
    const s = this.settings;
    return baselineWorkDir(path.join(this.dataRoot, b.challenge), b.name, { seed: s.seed, epochs: s.epochs });
  }

  /** Everything the result depends on, and its sha256. */
  key(b: BaselineListing): { key: string; inputs: Record<string, unknown> } {
    const s = this.settings;
    let data = this.dataHashes.get(b.challenge);
    if (!data) {
      data = folderHash(path.join(this.dataRoot, b.challenge), ['baselines']);
      this.dataHashes.set(b.challenge, data);
    }
    const definition = path.join(s.challengesRoot, b.challenge, 'challenge.yaml');
    const inputs = {
      challenge: b.challenge, baseline: b.name, seed: s.seed, epochs: s.epochs ?? null, maxSteps: s.maxSteps ?? null,
      data, definition: fs.existsSync(definition) ? sha256File(definition) : null, code: codeHash(),
    };
    return { key: crypto.createHash('sha256').update(JSON.stringify(inputs)).digest('hex'), inputs };
  }

  /** The cached result when its key and every output file still match; else undefined. */
  lookup(b: BaselineListing): BaselineWorkerResult | undefined {
    let entry: CacheEntry;
    try {
      entry = JSON.parse(fs.readFileSync(path.join(this.workDir(b), CACHE_FILE), 'utf8')) as CacheEntry;
    } catch {
      return undefined;
    }
    if (entry.version !== CACHE_VERSION || entry.key !== this.key(b).key) return undefined;
    for (const [file, sha] of Object.entries(entry.outputs)) {
      if (!fs.existsSync(file) || sha256File(file) !== sha) return undefined;
    }
    return entry.result;
  }

  /** Remembers a fresh result with its output files (the submission, and the ONNX file when exported). */
  store(b: BaselineListing, result: BaselineWorkerResult): void {
    const dir = this.workDir(b);
    const files = [result.submission, ...(result.onnxFile ? [result.onnxFile] : [])];
    const outputs = Object.fromEntries(files.filter((f) => fs.existsSync(f)).map((f) => [f, sha256File(f)]));
    const { key, inputs } = this.key(b);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, CACHE_FILE);
    fs.writeFileSync(`${file}.partial`, JSON.stringify({ version: CACHE_VERSION, key, inputs, result, outputs } satisfies CacheEntry, null, 1));
    fs.renameSync(`${file}.partial`, file);
  }
}
