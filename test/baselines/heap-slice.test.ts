// Slice and SplitV read from the wasm heap (heap-slice.ts) must hand back exactly the input's
// bits under the slice: compared with an index-by-index slice of the same bits, with -0 and NaN
// payloads in the input, for splits along every axis, slices cutting one axis (ours) and two
// (tfjs' kernel), int32 and bool.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { sliceRuns } from '../../src/baselines/heap-slice.js';
import { seededWords } from './float-bits.js';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Float32 values whose bits are all different, with -0 and two NaN payloads among them. */
function seededBits(n: number, seed: number): Float32Array {
  const words = seededWords(n, seed);
  words[1] = 0x80000000; // -0
  words[2] = 0x7fc00001; // NaN with a payload
  if (n > 5) words[5] = 0xffc12345; // negative NaN, another payload
  return new Float32Array(words.buffer);
}

/** The reference: every element of the slice read by its own index. */
function sliceByIndex(words: Uint32Array, shape: number[], begin: number[], sliceSize: number[]): number[] {
  const strides = shape.map((_, i) => size(shape.slice(i + 1)));
  const out: number[] = [];
  const index = sliceSize.map(() => 0);
  for (let k = 0; k < size(sliceSize); k++) {
    let rest = k;
    for (let i = sliceSize.length - 1; i >= 0; i--) {
      index[i] = rest % sliceSize[i]!;
      rest = Math.floor(rest / sliceSize[i]!);
    }
    out.push(words[index.reduce((at, v, i) => at + (begin[i]! + v) * strides[i]!, 0)]!);
  }
  return out;
}

const bitsOf = async (t: tf.Tensor) => Array.from(new Uint32Array(((await t.data()) as Float32Array).slice().buffer));

beforeAll(async () => {
  await initRuntime('wasm');
});

describe('wasm Slice and SplitV from the heap', () => {
  const shape = [3, 5, 4, 11];
  const values = seededBits(size(shape), 7);
  const words = new Uint32Array(values.buffer);

  for (const [axis, parts] of [[3, [5, 6]], [3, [1, 7, 3]], [1, [2, 3]], [0, [1, 1, 1]], [2, [4]]] as const) {
    it(`SplitV along axis ${axis} into ${parts.join(' + ')}`, async () => {
      const x = tf.tensor(values, shape);
      const pieces = tf.split(x, [...parts], axis);
      let at = 0;
      for (const [i, piece] of pieces.entries()) {
        const begin = shape.map((_, k) => (k === axis ? at : 0));
        const sliceSize = shape.map((d, k) => (k === axis ? parts[i]! : d));
        expect(piece.shape).toEqual(sliceSize);
        expect(await bitsOf(piece)).toEqual(sliceByIndex(words, shape, begin, sliceSize));
        at += parts[i]!;
      }
    });
  }

  const slices: { begin: number[]; size: number[]; ours: boolean }[] = [
    { begin: [0, 0, 0, 3], size: [3, 5, 4, 6], ours: true },
    { begin: [1, 0, 0, 0], size: [2, 5, 4, 11], ours: true },
    { begin: [0, 2, 0, 0], size: [3, 2, 4, 11], ours: true },
    { begin: [0, 0, 0, 0], size: [3, 5, 4, 11], ours: true },
    { begin: [1, 2, 0, 0], size: [1, 3, 4, 11], ours: false },
    { begin: [0, 1, 1, 2], size: [3, 3, 2, 5], ours: false },
  ];
  for (const s of slices) {
    it(`Slice at ${s.begin.join(',')} of ${s.size.join('x')} (${s.ours ? 'one axis cut or none' : "tfjs' kernel"})`, async () => {
      expect(sliceRuns(shape, s.begin, s.size) !== null).toBe(s.ours);
      const piece = tf.slice(tf.tensor(values, shape), s.begin, s.size);
      expect(await bitsOf(piece)).toEqual(sliceByIndex(words, shape, s.begin, s.size));
    });
  }

  it('int32 and bool', async () => {
    const ints = Int32Array.from({ length: 24 }, (_, i) => (i * 7919) ^ -(i & 1));
    const [a, b] = tf.split(tf.tensor(ints, [2, 3, 4], 'int32'), [1, 3], 2);
    expect(Array.from(await a!.data())).toEqual(sliceByIndex(new Uint32Array(ints.buffer), [2, 3, 4], [0, 0, 0], [2, 3, 1]).map((w) => w | 0));
    expect(Array.from(await b!.data())).toEqual(sliceByIndex(new Uint32Array(ints.buffer), [2, 3, 4], [0, 0, 1], [2, 3, 3]).map((w) => w | 0));
    const flags = tf.tensor([true, false, false, true, true, false], [2, 3], 'bool');
    const [p, q] = tf.split(flags, [2, 1], 1);
    expect(Array.from(await p!.data())).toEqual([1, 0, 1, 1]);
    expect(Array.from(await q!.data())).toEqual([0, 0]);
  });

  it("gives a channel concatenation's gradient as the cpu backend does", async () => {
    const grads = async () => {
      const a = tf.tensor(seededBits(2 * 3 * 3 * 5, 3).map((v) => (Number.isFinite(v) ? v : 1)), [2, 3, 3, 5]);
      const b = tf.tensor(seededBits(2 * 3 * 3 * 4, 4).map((v) => (Number.isFinite(v) ? v : 2)), [2, 3, 3, 4]);
      const w = tf.tensor(seededBits(2 * 3 * 3 * 9, 5).map((v) => (Number.isFinite(v) ? v : 3)), [2, 3, 3, 9]);
      const [ga, gb] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.concat([p, q], 3).mul(w).sum())([a, b]);
      return [await bitsOf(ga!), await bitsOf(gb!)];
    };
    const wasm = await grads();
    await initRuntime('cpu');
    const cpu = await grads();
    await initRuntime('wasm');
    expect(wasm).toEqual(cpu);
  });
});
