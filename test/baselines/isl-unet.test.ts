import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { buildUNet, maskedMse } from '../../src/baselines/fluorescence/unet.js';
import { modelCost } from '../../src/baselines/model-cost.js';
import { standardise } from '../../src/baselines/fluorescence/data.js';

beforeAll(async () => {
  await initRuntime('wasm');
});

describe('isl U-Net', () => {
  it('is fully convolutional: 13 depths in, 4 labels out, at 32 and 64 px', () => {
    const model = buildUNet(13, 4, 1);
    for (const s of [32, 64]) {
      const y = model.predict(tf.zeros([2, s, s, 13])) as tf.Tensor;
      expect(y.shape).toEqual([2, s, s, 4]);
      y.dispose();
    }
    model.dispose();
  });
  it('counts params and multiply-adds on a fixed-size twin (the same weights shapes)', () => {
    const fixed = buildUNet(13, 4, 1, 64);
    const { params, madds } = modelCost(fixed);
    expect(params).toBe(buildUNet(13, 4, 1).countParams());
    // by hand: 3x3 convolutions per level (in -> out), pixels per level 4096, 1024, 256; 1x1 head
    const conv = (pixels: number, cin: number, cout: number) => pixels * 9 * cin * cout;
    const expected =
      conv(4096, 13, 16) + conv(4096, 16, 16) + conv(1024, 16, 32) + conv(1024, 32, 32) + conv(256, 32, 64) + conv(256, 64, 64) +
      conv(1024, 96, 32) + conv(1024, 32, 32) + conv(4096, 48, 16) + conv(4096, 16, 16) + 4096 * 16 * 4;
    expect(madds).toBe(expected);
    fixed.dispose();
  });
  it('masks missing labels out of the loss: they are never treated as zero', () => {
    const pred = tf.tensor4d([0.5, 0.9, 0.2, 0.1], [1, 2, 2, 1]).tile([1, 1, 1, 2]); // two channels, same prediction
    const labels = tf.concat([tf.tensor4d([0.4, 0.8, 0.2, 0.3], [1, 2, 2, 1]), tf.zeros([1, 2, 2, 1])], 3);
    const onlyFirst = maskedMse(pred, labels, tf.tensor4d([1, 0], [1, 1, 1, 2]));
    // mean over the 4 pixels of channel 0 only: (0.01 + 0.01 + 0 + 0.04) / 4
    expect(onlyFirst.dataSync()[0]).toBeCloseTo(0.015, 6);
    const both = maskedMse(pred, labels, tf.tensor4d([1, 1], [1, 1, 1, 2]));
    expect(both.dataSync()[0]).toBeGreaterThan(0.1); // channel 1's "zeros" would count if not masked
    tf.dispose([pred, labels, onlyFirst, both]);
  });
  it('standardises a stack to zero mean and unit variance', () => {
    const x = Float32Array.of(1, 2, 3, 4, 5, 6);
    standardise(x);
    expect(x.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 6);
    expect(x.reduce((a, b) => a + b * b, 0) / 6).toBeCloseTo(1, 5);
  });
});
