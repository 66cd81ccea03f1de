// The transposed copies the matrix-product gradients make (wasm-matmul.ts transposedCopy: SIMD
// tiles and the JavaScript loop for the rows and columns left over) must hold every element's
// bits at its transposed place: compared with an index-by-index transpose of the same words,
// with -0, NaN payloads and infinities, for sizes on, under and off the 16 x 4 tiles, several
// matrices in a batch.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { transposedCopy, type WasmBackend } from '../../src/baselines/wasm-matmul.js';
import { bytesOf, seededSpecialBits } from './float-bits.js';

beforeAll(async () => {
  await initRuntime('wasm');
});

describe('transposed copies on the wasm heap', () => {
  for (const [batches, rows, cols] of [[1, 16, 4], [1, 32, 96], [2, 37, 70], [3, 16, 5], [1, 15, 8], [1, 3, 2], [2, 64, 1], [1, 1, 9], [1, 130, 33]]) {
    it(`transposes ${batches} x [${rows}, ${cols}] bit for bit`, async () => {
      const values = seededSpecialBits(batches * rows * cols, 5 + rows * cols);
      const x = tf.tensor(values, [batches, rows, cols]);
      const info = transposedCopy({ dataId: x.dataId, shape: [batches, rows, cols], dtype: 'float32' }, tf.backend() as unknown as WasmBackend);
      const out = tf.engine().makeTensorFromTensorInfo(info);
      expect(out.shape).toEqual([batches, cols, rows]);
      const words = new Uint32Array(values.buffer);
      const expected = new Uint32Array(words.length);
      for (let b = 0; b < batches; b++) {
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) expected[(b * cols + c) * rows + r] = words[(b * rows + r) * cols + c]!;
        }
      }
      expect(await bytesOf(out)).toEqual(Array.from(new Uint8Array(expected.buffer)));
    });
  }
});
