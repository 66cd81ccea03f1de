// Add, Sub, Multiply and RealDiv with a per-channel row (row-broadcast.ts) must give tfjs' wasm
// kernels' bits: both run on the same operands, with -0, NaN payloads (in one operand and in
// both at the same place), ±∞, zeros and subnormals in both, rows of 4..33 channels (with and
// without a remainder of four lanes), the row first or second, and shapes that are not a row
// broadcast still reaching tfjs.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { originalWasmKernel } from '../../src/baselines/wasm-kernel-override.js';
import { ROWS_KERNELS, rowsBroadcast } from '../../src/baselines/row-broadcast.js';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Values over 2^-140 .. 2^40 with specials (-0, +0, NaN payloads, ±∞, a subnormal) spread through. */
function seededValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  const words = new Uint32Array(out.buffer);
  const specials = [0x80000000, 0x00000000, 0x7fc00001, 0xffc12345, 0x7f800000, 0xff800000, 0x00000003];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 ** ((s % 181) - 140);
    if (s % 13 === 0) words[i] = specials[(s >>> 8) % specials.length]!;
  }
  return out;
}

const bits = async (t: tf.Tensor) => Array.from(new Uint32Array(((await t.data()) as Float32Array).slice().buffer));

beforeAll(async () => {
  await initRuntime('wasm');
});

describe('wasm arithmetic with a per-channel row', () => {
  const shapes: [number[], number[]][] = [
    [[2, 3, 4, 8], [8]],
    [[3, 5, 2, 7], [1, 1, 1, 7]],
    [[4, 33], [33]],
    [[2, 3, 5, 6], [5, 6]],
    [[6, 4], [1, 4]],
    [[3, 2, 2, 16], [16]],
  ];
  for (const [name, kernel] of Object.entries(ROWS_KERNELS)) {
    for (const [full, row] of shapes) {
      for (const rowFirst of [false, true]) {
        const [aShape, bShape] = rowFirst ? [row, full] : [full, row];
        it(`${name} [${aShape.join(', ')}] by [${bShape.join(', ')}] equals tfjs' ${kernel} bit for bit`, async () => {
          expect(rowsBroadcast(aShape, bShape)).not.toBeNull();
          const a = tf.tensor(seededValues(size(aShape), 5 + size(aShape)), aShape);
          const b = tf.tensor(seededValues(size(bShape), 77 + size(bShape)), bShape);
          const ours = tf.engine().runKernel(kernel, { a, b }) as tf.Tensor;
          const info = originalWasmKernel(kernel)({ inputs: { a, b }, backend: tf.backend(), attrs: {} }) as tf.TensorInfo;
          const theirs = tf.engine().makeTensorFromTensorInfo(info);
          expect(ours.shape).toEqual(theirs.shape);
          expect(await bits(ours)).toEqual(await bits(theirs));
        });
      }
    }
  }

  it('keeps NaN payloads where both operands are NaN, in tfjs operand order', async () => {
    const channels = 9;
    const fullWords = new Uint32Array(3 * channels).fill(0x7fc00aaa);
    const rowWords = new Uint32Array(channels).fill(0xffc00bbb);
    const full = tf.tensor(new Float32Array(fullWords.buffer), [3, channels]);
    const row = tf.tensor(new Float32Array(rowWords.buffer), [channels]);
    for (const kernel of Object.values(ROWS_KERNELS)) {
      for (const [a, b] of [[full, row], [row, full]]) {
        const ours = tf.engine().runKernel(kernel, { a: a!, b: b! }) as tf.Tensor;
        const theirs = tf.engine().makeTensorFromTensorInfo(
          originalWasmKernel(kernel)({ inputs: { a: a!, b: b! }, backend: tf.backend(), attrs: {} }) as tf.TensorInfo,
        );
        expect(await bits(ours)).toEqual(await bits(theirs));
      }
    }
  });

  it('leaves other shapes and dtypes to tfjs', async () => {
    expect(rowsBroadcast([2, 3, 4], [2, 3, 4])).toBeNull(); // same shape
    expect(rowsBroadcast([2, 3, 4], [1])).toBeNull(); // a scalar
    expect(rowsBroadcast([5, 6], [5, 1])).toBeNull(); // a column
    expect(rowsBroadcast([2, 1, 4], [1, 3, 4])).toBeNull(); // both broadcast
    expect(rowsBroadcast([4, 3], [3])).toBeNull(); // rows under four elements
    const ints = tf.engine().runKernel('Multiply', { a: tf.tensor([[1, 2, 3, 4], [5, 6, 7, 8]], [2, 4], 'int32'), b: tf.tensor([2, -1, 0, 3], [4], 'int32') }) as tf.Tensor;
    expect(ints.dtype).toBe('int32');
    expect(Array.from(await ints.data())).toEqual([2, -2, 0, 12, 10, -6, 0, 24]);
    const column = tf.tensor(seededValues(30, 3), [5, 6]);
    const scale = tf.tensor(seededValues(5, 4), [5, 1]);
    const ours = tf.mul(column, scale);
    const theirs = tf.engine().makeTensorFromTensorInfo(
      originalWasmKernel('Multiply')({ inputs: { a: column, b: scale }, backend: tf.backend(), attrs: {} }) as tf.TensorInfo,
    );
    expect(await bits(ours)).toEqual(await bits(theirs));
  });
});
