/**
 * The inputs ("feeds") a task's model-track adapter can give a model, and the contract's list of
 * them as challenge.yaml declares it (`model.feeds`). Each feed has a name, a dtype and a shape
 * whose letters the adapter fills in from the hidden inputs (T = samples of the mixture, ...).
 * A challenge declares which of its task's feeds a model gets; without `model.feeds` it is
 * the task's first one alone, the single input every contract had before feeds were named.
 *
 *   feeds:
 *     - { name: mixture, dtype: float32, shape: [1, T] }
 *     - { name: face_tracks, dtype: float32, shape: [1, V, 2], optional: true }
 *
 * An optional feed is offered, and a model may leave it out (an audio-only model entering an
 * audio-visual challenge). Binding a model's inputs to the feeds: input-binding.ts.
 */
import type { TaskName } from '../tasks/task.js';
import type { DType } from './tensor.js';

export interface FeedSpec {
  name: string;
  dtype: DType;
  /** Dimensions: numbers are fixed, letters are read from the hidden inputs. */
  shape: (number | string)[];
  description: string;
}

export interface Feed extends FeedSpec {
  /** A model may leave this input out. */
  optional: boolean;
}

const IMAGE = (what: string): FeedSpec => ({
  name: 'image', dtype: 'float32', shape: [1, 'H', 'W', 3],
  description: `${what}: RGB, NHWC, each channel scaled from 0..255 to model.input.range (default [-1, 1])`,
});

/** What each task can feed a model; the first is the default contract. */
export const TASK_FEEDS: Partial<Record<TaskName, readonly FeedSpec[]>> = {
  classification: [{ ...IMAGE('the image (all the same size S x S)'), shape: [1, 'S', 'S', 3] }],
  segmentation: [IMAGE("the image at its own size")],
  detection: [IMAGE("the image at its own size")],
  separation: [
    { name: 'mixture', dtype: 'float32', shape: [1, 'T'], description: "the mixture's waveform (mix/<id>.wav, T samples at its own rate, samples in [-1, 1])" },
    {
      name: 'face_tracks', dtype: 'float32', shape: [1, 'V', 2],
      description: "each speaker's face track (face/<id>.csv: V video frames at 25 fps; column 0 speaker s1's mouth openness, column 1 speaker s2's)",
    },
  ],
  fluorescence: [{
    name: 'zstack', dtype: 'float32', shape: [1, 'H', 'W', 'D'],
    description: "the transmitted-light z-stack (inputs/<id>/z00.png ..., D focal depths as channels, NHWC): intensities in [0, 1], or standardised per example with model.input.normalise: standardise",
  }],
};

export const describeShape = (shape: readonly (number | string | null)[]) => `[${shape.map((d) => (d === null ? '?' : d)).join(', ')}]`;

type Fail = (column: string, message: string) => void;

const isMapping = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** `model.feeds` of challenge.yaml, checked against what the task offers; the task's default when absent. */
export function parseFeeds(raw: unknown, task: TaskName | undefined, fail: Fail): Feed[] {
  const offered = (task && TASK_FEEDS[task]) || [];
  if (raw === undefined) return offered.length ? [{ ...offered[0], optional: false }] : [];
  const list = (offered.map((f) => `${f.name} (${f.dtype} ${describeShape(f.shape)})`).join(', ')) || 'none';
  if (!Array.isArray(raw) || raw.length === 0) {
    fail('model.feeds', 'must be a list of { name, dtype, shape, optional } (the model\'s inputs)');
    return [];
  }
  const feeds: Feed[] = [];
  raw.forEach((item, i) => {
    const col = `model.feeds[${i}]`;
    if (!isMapping(item)) return fail(col, 'must be a mapping { name, dtype, shape, optional }');
    for (const k of Object.keys(item)) if (!['name', 'dtype', 'shape', 'optional'].includes(k)) fail(`${col}.${k}`, 'unknown field; expected name, dtype, shape, optional');
    const spec = offered.find((f) => f.name === item.name);
    if (!spec) return fail(`${col}.name`, `${JSON.stringify(item.name)} is not an input the ${task ?? 'task'} adapter makes; expected one of ${list}`);
    if (feeds.some((f) => f.name === spec.name)) return fail(`${col}.name`, `"${spec.name}" is listed twice`);
    if (item.dtype !== spec.dtype) fail(`${col}.dtype`, `"${spec.name}" is ${spec.dtype}, got ${JSON.stringify(item.dtype)}`);
    const shape = item.shape;
    const same = Array.isArray(shape) && shape.length === spec.shape.length && shape.every((d, k) => d === spec.shape[k]);
    if (!same) fail(`${col}.shape`, `"${spec.name}" is ${describeShape(spec.shape)}, got ${Array.isArray(shape) ? describeShape(shape as (number | string)[]) : JSON.stringify(shape)}`);
    if (item.optional !== undefined && typeof item.optional !== 'boolean') fail(`${col}.optional`, 'must be true or false');
    feeds.push({ ...spec, optional: item.optional === true });
  });
  if (feeds.length && feeds.every((f) => f.optional)) fail('model.feeds', 'at least one input must be required (not optional)');
  return feeds;
}
