// Reverse as heap block copies (heap-reverse.ts) must give tfjs' wasm Reverse kernel's bits: both
// run on the same input, with -0, quiet and signalling NaN payloads and infinities, reversing a
// leading, a middle, the last and several axes, negative axes, odd sizes, an empty tensor, and
// int32 tensors (bool ones stay with tfjs' kernel).
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { originalWasmKernel } from '../../src/baselines/wasm-kernel-override.js';
import { bytesOf, seededSpecialBits } from './float-bits.js';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** seededSpecialBits with a signalling NaN first (copied as a float it could come out quieted). */
function inputBits(n: number, seed: number): Float32Array {
  const values = seededSpecialBits(n, seed);
  if (n > 0) new Uint32Array(values.buffer)[0] = 0x7f800001;
  return values;
}

function tfjsReverse(x: tf.Tensor, dims: number[]): tf.Tensor {
  const info = originalWasmKernel('Reverse')({ inputs: { x }, backend: tf.backend(), attrs: { dims } }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(info);
}

beforeAll(async () => {
  await initRuntime('wasm');
});

describe('wasm Reverse as block copies', () => {
  const cases: [number[], number[]][] = [
    [[4, 2, 5, 7], [1]], // the two speakers swapped (the audio-only mask net's loss)
    [[3, 5, 4], [0]],
    [[3, 5, 4], [2]], // the last axis: element by element
    [[3, 5, 4], [0, 2]],
    [[2, 3, 4, 5], [1, 2]],
    [[2, 3, 4, 5], [0, 1, 2, 3]],
    [[6, 7], [-1]],
    [[6, 7], [-2]],
    [[9], [0]],
    [[1, 1, 13], [0, 1]], // reversing axes of one element changes nothing
    [[5, 3], []],
    [[3, 0, 2], [0]], // empty
  ];
  for (const [shape, dims] of cases) {
    it(`reverses [${shape.join(', ')}] along [${dims.join(', ')}] as tfjs' kernel does`, async () => {
      const x = tf.tensor(inputBits(size(shape), 5 + size(shape)), shape);
      const ours = tf.reverse(x, dims);
      const theirs = tfjsReverse(x, dims);
      expect(ours.shape).toEqual(shape);
      expect(await bytesOf(ours)).toEqual(await bytesOf(theirs));
    });
  }

  it('reverses int32 tensors as tfjs does', async () => {
    const ints = tf.tensor([-1, 2 ** 31 - 1, 0, -(2 ** 31), 7, 3, 9, -4], [2, 4], 'int32');
    for (const dims of [[0], [1], [0, 1]]) {
      const ours = tf.reverse(ints, dims);
      expect(ours.dtype).toBe('int32');
      expect(await bytesOf(ours)).toEqual(await bytesOf(tfjsReverse(ints, dims)));
    }
  });

  it('keeps a rank-0 tensor as it is', async () => {
    const scalar = tf.scalar(-0);
    expect(await bytesOf(tf.reverse(scalar))).toEqual(await bytesOf(scalar));
  });
});
