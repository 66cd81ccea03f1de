// Tile as heap block copies (heap-tile.ts) must give tfjs' wasm Tile kernel's bits: both run on
// the same input, with -0, NaN payloads and infinities, for broadcasts over leading, inner and
// several axes, odd sizes, a rank-0 tensor, an empty output, and int32 / bool tensors.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { originalWasmKernel } from '../../src/baselines/wasm-kernel-override.js';
import { bytesOf, seededSpecialBits as seededBits } from './float-bits.js';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

function tfjsTile(x: tf.Tensor, reps: number[]): tf.Tensor {
  const info = originalWasmKernel('Tile')({ inputs: { x }, backend: tf.backend(), attrs: { reps } }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(info);
}

beforeAll(async () => {
  await initRuntime('wasm');
});

describe('wasm Tile as block copies', () => {
  const cases: [number[], number[]][] = [
    [[1, 1, 1, 7], [3, 5, 4, 1]], // a per-channel row over an activation (the Mean gradient)
    [[1, 1, 1, 16], [2, 8, 8, 1]],
    [[3, 1], [1, 5]], // repeated along the inner axis only
    [[2, 3, 1, 5], [2, 1, 3, 1]], // repeated along a middle and the leading axis
    [[2, 3], [3, 2]], // every axis repeated
    [[5], [1]], // nothing repeated
    [[1], [13]],
    [[1, 1, 1, 1], [2, 3, 4, 5]], // one value everywhere (the gradient of a mean of everything)
    [[3, 0, 2], [2, 2, 2]], // empty output
  ];
  for (const [shape, reps] of cases) {
    it(`tiles [${shape.join(', ')}] by [${reps.join(', ')}] as tfjs' kernel does`, async () => {
      const x = tf.tensor(seededBits(size(shape), 11 + size(shape)), shape);
      const ours = tf.tile(x, reps);
      const theirs = tfjsTile(x, reps);
      expect(ours.shape).toEqual(shape.map((d, i) => d * reps[i]!));
      expect(await bytesOf(ours)).toEqual(await bytesOf(theirs));
    });
  }

  it('tiles a rank-0 tensor, int32 and bool tensors as tfjs does', async () => {
    const scalar = tf.scalar(-0);
    expect(await bytesOf(tf.tile(scalar, []))).toEqual(await bytesOf(tfjsTile(scalar, [])));
    const ints = tf.tensor([-1, 2 ** 31 - 1, 0, -(2 ** 31), 7, 3], [2, 1, 3], 'int32');
    expect(await bytesOf(tf.tile(ints, [2, 3, 1]))).toEqual(await bytesOf(tfjsTile(ints, [2, 3, 1])));
    const flags = tf.tensor([true, false, false, true, true], [1, 5], 'bool');
    const tiled = tf.tile(flags, [3, 2]);
    expect(tiled.dtype).toBe('bool');
    expect(await bytesOf(tiled)).toEqual(await bytesOf(tfjsTile(flags, [3, 2])));
  });

  it('is what tf.broadcastTo runs', async () => {
    const row = tf.tensor(seededBits(5, 3), [1, 5]);
    const wide = tf.broadcastTo(row, [4, 3, 5]);
    expect(await bytesOf(wide)).toEqual(await bytesOf(tfjsTile(tf.reshape(row, [1, 1, 5]), [4, 3, 1])));
  });
});
