// SpaceToBatchND / BatchToSpaceND as heap copies (heap-space-to-batch.ts) must give tfjs' wasm
// kernels' bits: both run on the same input, with -0, quiet and signalling NaN payloads and
// infinities, for the atrous rates DeepLab uses and others, square and unequal blocks, one to 33
// channels, int32; cases with padding or crops (tfjs' kernels) agree too; and the two invert
// each other.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { originalWasmKernel } from '../../src/baselines/wasm-kernel-override.js';
import { bytesOf, seededSpecialBits } from './float-bits.js';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** seededSpecialBits with a signalling NaN first (copied as a float it could come out quieted). */
function inputBits(n: number, seed: number): Float32Array {
  const values = seededSpecialBits(n, seed);
  new Uint32Array(values.buffer)[0] = 0x7f800001;
  return values;
}

function tfjsKernel(name: string, x: tf.Tensor, attrs: Record<string, unknown>): tf.Tensor {
  const info = originalWasmKernel(name)({ inputs: { x }, backend: tf.backend(), attrs: attrs as never }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(info);
}

beforeAll(async () => {
  await initRuntime('wasm');
});

describe('wasm SpaceToBatchND and BatchToSpaceND as heap copies', () => {
  const cases: [number[], number[]][] = [
    [[2, 8, 8, 16], [2, 2]], // DeepLab's atrous rates on a feature map
    [[2, 12, 12, 5], [3, 3]],
    [[1, 6, 9, 3], [2, 3]], // unequal block
    [[3, 4, 4, 1], [2, 2]], // one channel
    [[2, 6, 6, 33], [3, 2]],
    [[1, 2, 2, 7], [1, 1]],
  ];
  for (const [shape, block] of cases) {
    it(`moves [${shape.join(', ')}] by block [${block.join(', ')}] to batches and back as tfjs does`, async () => {
      const x = tf.tensor(inputBits(size(shape), 3 + size(shape)), shape);
      const zero = [[0, 0], [0, 0]];
      const batched = tf.spaceToBatchND(x, block, zero);
      const theirsBatched = tfjsKernel('SpaceToBatchND', x, { blockShape: block, paddings: zero });
      expect(batched.shape).toEqual(theirsBatched.shape);
      expect(await bytesOf(batched)).toEqual(await bytesOf(theirsBatched));
      const back = tf.batchToSpaceND(batched, block, zero);
      const theirsBack = tfjsKernel('BatchToSpaceND', batched, { blockShape: block, crops: zero });
      expect(back.shape).toEqual(shape);
      expect(await bytesOf(back)).toEqual(await bytesOf(theirsBack));
      expect(await bytesOf(back)).toEqual(await bytesOf(x));
    });
  }

  it('moves int32 tensors as tfjs does', async () => {
    const ints = tf.tensor(Array.from({ length: 2 * 4 * 6 * 3 }, (_, i) => (i * 2654435761) | 0), [2, 4, 6, 3], 'int32');
    const zero = [[0, 0], [0, 0]];
    const batched = tf.spaceToBatchND(ints, [2, 3], zero);
    expect(batched.dtype).toBe('int32');
    expect(await bytesOf(batched)).toEqual(await bytesOf(tfjsKernel('SpaceToBatchND', ints, { blockShape: [2, 3], paddings: zero })));
    const back = tf.batchToSpaceND(batched, [2, 3], zero);
    expect(await bytesOf(back)).toEqual(await bytesOf(tfjsKernel('BatchToSpaceND', batched, { blockShape: [2, 3], crops: zero })));
  });

  it('leaves padding and crops to tfjs, with the same result', async () => {
    const x = tf.tensor(inputBits(2 * 5 * 6 * 4, 9), [2, 5, 6, 4]);
    const paddings = [[1, 0], [0, 2]];
    const batched = tf.spaceToBatchND(x, [2, 2], paddings);
    expect(await bytesOf(batched)).toEqual(await bytesOf(tfjsKernel('SpaceToBatchND', x, { blockShape: [2, 2], paddings })));
    const back = tf.batchToSpaceND(batched, [2, 2], paddings);
    expect(back.shape).toEqual([2, 5, 6, 4]);
    expect(await bytesOf(back)).toEqual(await bytesOf(x));
  });
});
