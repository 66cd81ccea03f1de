/**
 * A per-task adapter of the model track: it reads the hidden inputs in the task's own format
 * and makes the contract's input tensors (the challenge's feeds, models/feeds.ts) for each item, checks each output against the
 * contract, and writes the task's ordinary submission file, which is then scored by exactly
 * the code that scores an upload (the task's `evaluate`).
 */
import fs from 'node:fs';
import { readRgb } from '../../baselines/images.js';
import type { Challenge } from '../../challenges/definition.js';
import { ValidationError } from '../../problems.js';
import type { ModelTrack } from '../../challenges/model-track.js';
import type { DType, HostTensor } from '../tensor.js';
import type { Feed } from '../feeds.js';

/** One input of the contract as the hidden inputs make it (the first item's dims). */
export interface ContractInput {
  name: string;
  dtype: DType;
  dims: number[];
  /** e.g. "float32 NHWC [1, 32, 32, 3], RGB scaled from 0..255 to [-1, 1]". */
  description: string;
  optional: boolean;
}

export interface Contract {
  /** Every input in one line, e.g. "image: float32 NHWC [1, 32, 32, 3], RGB scaled from 0..255 to [-1, 1]". */
  input: string;
  /** e.g. "one float32 tensor [1, 100]: a score per class, classes in ascending category id". */
  output: string;
  /** The challenge's feeds, in its order. */
  inputs: ContractInput[];
}

export interface InputSet {
  contract: Contract;
  /** Number of hidden items. */
  count: number;
  /** Every contract input of item i by name (batch of one). */
  input(i: number): Record<string, HostTensor>;
  /** Checks the outputs of item i and keeps what the submission needs; throws ContractError. */
  add(i: number, outputs: Record<string, HostTensor>): void;
  /** Writes the submission in the task's format under `workDir`; returns its path. */
  finish(workDir: string): Promise<string>;
}

export interface ModelAdapter {
  open(challenge: Pick<Challenge, 'options'>, track: ModelTrack): Promise<InputSet>;
}

/** An output that does not meet the contract (the participant's fault, one line). */
export class ContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractError';
  }
}

/**
 * The contract of the track's feeds: `made` gives each feed the adapter can make its dims and
 * description; a feed the task offers but the adapter cannot make is the host's mistake.
 */
export function contractOf(feeds: readonly Feed[], output: string, made: Record<string, { dims: number[]; description: string }>): Contract {
  const inputs = feeds.map((f): ContractInput => {
    const m = made[f.name];
    if (!m) throw new Error(`the adapter makes no input "${f.name}"`);
    return { name: f.name, dtype: f.dtype, dims: m.dims, description: m.description, optional: f.optional };
  });
  const input = inputs.length === 1 && !inputs[0].optional
    ? inputs[0].description
    : inputs.map((i) => `${i.name}${i.optional ? ' (optional)' : ''}: ${i.description}`).join('; ');
  return { input, output, inputs };
}

export function describeDims(dims: readonly (number | null)[]): string {
  return `[${dims.map((d) => (d === null ? '?' : d)).join(', ')}]`;
}

/** The single float output of a model, or a ContractError naming what was found. */
export function singleOutput(outputs: Record<string, HostTensor>, what: string): HostTensor {
  const list = Object.entries(outputs);
  if (list.length !== 1) throw new ContractError(`the model has ${list.length} outputs (${list.map(([k]) => k).join(', ')}); the contract expects one: ${what}`);
  return list[0][1];
}

/** `range: [lo, hi]` from the track's input settings (default [-1, 1], MobileNetV2's). */
export function inputRange(track: ModelTrack): [number, number] {
  const r = track.input.range;
  if (r === undefined) return [-1, 1];
  if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => typeof x === 'number' && Number.isFinite(x)) || !(r[0] < r[1])) {
    throw new ContractError(`model.input.range must be [lo, hi] with lo < hi, got ${JSON.stringify(r)}`);
  }
  return [r[0], r[1]];
}

/** The hidden inputs file (the organisers' JSON), or a ValidationError naming it. */
export function readInputsJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw ValidationError.of({ file, message: `hidden inputs unreadable: ${(e as Error).message.split('\n')[0]}` });
  }
}

/** An image file as the image contracts' input: float32 NHWC [1, H, W, 3], each channel 0..255 scaled linearly to [lo, hi]. */
export function imageInput(file: string, [lo, hi]: [number, number]): { tensor: HostTensor; width: number; height: number } {
  const img = readRgb(file);
  const data = new Float32Array(img.rgb.length);
  const scale = (hi - lo) / 255;
  for (let j = 0; j < data.length; j++) data[j] = lo + img.rgb[j] * scale;
  return { tensor: { dtype: 'float32', dims: [1, img.height, img.width, 3], data }, width: img.width, height: img.height };
}
