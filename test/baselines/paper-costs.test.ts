// The seed's own cost tables at the papers' sizes, counted by the baselines' counter
// (model-cost.ts) on the full-size networks of paper-networks.ts, which writes down every
// convention that decides a count. MobileNetV2 paper (Sandler et al., CVPR 2018):
//   Table 6: SSDLite on MobileNetV2 at 320 x 320, 4.3M parameters, 0.8B multiply-adds;
//            MobileNetV1 + SSDLite, 5.1M, 1.3B.
//   Table 7: reduced DeepLabv3 on MobileNetV2 * (output stride 16, no ASPP), 2.11M, 2.75B;
//            MobileNetV1 (output stride 16, ASPP), 11.15M, 14.25B (multiply-adds not reproduced).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initRuntime, tf } from '../../src/baselines/runtime.js';
import { trainableParams } from '../../src/baselines/model-cost.js';
import { deepLabProfilerMadds, deepLabV3Paper, paperCost, spaceToBatchExtraMadds, ssdLitePaper, type PaperCostNetwork } from '../../src/baselines/paper-networks.js';

beforeAll(async () => {
  await initRuntime('cpu'); // nothing runs: building the layers is all a count needs
});

/** Rounds as the tables print: to `digits` decimals of the unit. */
const rounded = (v: number, unit: number, digits: number) => Number((v / unit).toFixed(digits));

const built: PaperCostNetwork[] = [];
afterAll(() => built.forEach((n) => n.model.dispose()));
function build(n: PaperCostNetwork): PaperCostNetwork {
  built.push(n);
  return n;
}

describe('MobileNetV2 paper, Table 6 (SSDLite, 320 x 320, COCO: 80 classes + background)', () => {
  it('SSDLite on MobileNetV2: 4.3M parameters, 0.8B multiply-adds', () => {
    const c = paperCost(build(ssdLitePaper('mobilenet-v2')));
    expect(c.params).toBe(4_337_013);
    expect(c.madds).toBe(788_830_144);
    expect(rounded(c.params, 1e6, 1)).toBe(4.3);
    expect(rounded(c.madds, 1e9, 1)).toBe(0.8);
  });

  it('SSDLite on MobileNetV1: 5.1M parameters, 1.3B multiply-adds', () => {
    const c = paperCost(build(ssdLitePaper('mobilenet-v1')));
    expect(c.params).toBe(5_100_661);
    expect(c.madds).toBe(1_309_162_944);
    expect(rounded(c.params, 1e6, 1)).toBe(5.1);
    expect(rounded(c.madds, 1e9, 1)).toBe(1.3);
  });

  it('with the TF Object Detection API\'s 91 class slots (COCO ids 1-90 with gaps) the table is missed: 4.5M', () => {
    const c = paperCost(build(ssdLitePaper('mobilenet-v2', 91)));
    expect(c.params).toBe(4_500_543);
    expect(rounded(c.params, 1e6, 1)).toBe(4.5);
  });
});

// Parameters match to the table's last digit. Multiply-adds: the DeepLab authors' figures are
// TensorFlow's profiler's float operations halved (deepLabProfilerMadds: the convolutions as run,
// plus the few element-wise ops the profiler's registry counts: residual additions, image
// pooling's mean, the logits' bias, the input's scaling to [-1, 1], the final ArgMax over the
// logits resized to the input). That lands the reduced network on 2.75B, and the model zoo's
// Cityscapes figure for the same network (21.27B), which the convolutions alone miss (2.742B,
// 21.238B). MobileNetV1's figure is not reproduced by it or by any convention tried
// (paper-networks.ts lists them): 14.231B for the table's 14.25B, 14-24M short of its rounding;
// research/deeplab has no MobileNetV1 network to read. Without the space-to-batch execution of the
// atrous convolutions MobileNetV1's count is 12.76B (10% short), and at 512 x 512 the reduced
// MobileNetV2 one is 2.60B (5% short): those two conventions decide most of it.
describe('MobileNetV2 paper, Table 7 (DeepLabv3, 513 x 513, output stride 16, single scale)', () => {
  it('reduced DeepLabv3 on MobileNetV2 * (no ASPP): 2.11M parameters, 2.75B multiply-adds', () => {
    const n = build(deepLabV3Paper('mobilenet-v2', false));
    const c = paperCost(n);
    expect(c.params).toBe(2_113_557);
    expect(c.madds).toBe(2_742_445_696);
    expect(c.maddsKept).toBe(2_740_709_056); // the rate-2 depthwise layers compute 17 x 17 x 4 positions for 33 x 33
    expect(rounded(c.params, 1e6, 2)).toBe(2.11);
    // + (1,436,440 residual + 348,480 mean + 22,869 bias + 2 x 789,507 input + 5,263,380 ArgMax) / 2
    expect(deepLabProfilerMadds(n)).toBe(2_746_770_787.5);
    expect(rounded(deepLabProfilerMadds(n), 1e9, 2)).toBe(2.75);
    expect(rounded(c.madds, 1e9, 2)).toBe(2.74); // the convolutions alone miss the table
  });

  it('DeepLabv3 on MobileNetV1 (ASPP): 11.15M parameters; 14.25B multiply-adds not reproduced (14.23B, 0.14% under)', () => {
    const n = build(deepLabV3Paper('mobilenet-v1', true));
    const c = paperCost(n);
    expect(c.params).toBe(11_145_301);
    expect(c.madds).toBe(14_226_627_264);
    expect(c.maddsKept).toBe(12_760_886_976);
    expect(rounded(c.params, 1e6, 2)).toBe(11.15);
    expect(deepLabProfilerMadds(n)).toBe(14_230_617_463.5);
    expect(Math.abs(deepLabProfilerMadds(n) / 14.25e9 - 1)).toBeLessThan(0.002);
  });

  it('DeepLabv3 on MobileNetV2 * with ASPP: 4.52M parameters, 5.8B multiply-adds', () => {
    const n = build(deepLabV3Paper('mobilenet-v2', true));
    expect(rounded(paperCost(n).params, 1e6, 2)).toBe(4.52);
    expect(rounded(deepLabProfilerMadds(n), 1e9, 1)).toBe(5.8);
  });
});

// research/deeplab/g3doc/model_zoo.md (tensorflow/models): mobilenetv2_coco_cityscapes_trainfine,
// the reduced network at output stride 16 on Cityscapes' 1025 x 2049 crop, 19 classes, one scale:
// 21.27B. A second check of the profiler count on the same network, at another size.
describe('DeepLab model zoo, Cityscapes (1025 x 2049, 19 classes, output stride 16, single scale)', () => {
  it('reduced DeepLabv3 on MobileNetV2: 21.27B multiply-adds', () => {
    const n = build(deepLabV3Paper('mobilenet-v2', false, { height: 1025, width: 2049, classes: 19 }));
    expect(paperCost(n).madds).toBe(21_238_109_312);
    expect(deepLabProfilerMadds(n)).toBe(21_270_327_777.5);
    expect(rounded(deepLabProfilerMadds(n), 1e9, 2)).toBe(21.27);
  });
});

describe('the counting conventions', () => {
  it('space-to-batch: a rate-6 3x3 conv on 33 x 33 computes 36 entries of 6 x 6 positions', () => {
    const input = tf.input({ shape: [33, 33, 2] });
    const out = tf.layers.conv2d({ filters: 3, kernelSize: 3, dilationRate: 6, padding: 'same', useBias: false }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    expect(spaceToBatchExtraMadds(model)).toBe((36 * 36 - 33 * 33) * 9 * 2 * 3);
    model.dispose();
  });

  it('the profiler count: 2 a multiply-add, 1 a value of bias and residual additions, the input\'s scaling and the ArgMax; halved', () => {
    const input = tf.input({ shape: [4, 4, 3] });
    const mixed = tf.layers.conv2d({ filters: 3, kernelSize: 1, useBias: false }).apply(input) as tf.SymbolicTensor; // 16 x 3 x 3 = 144
    const sum = tf.layers.add({}).apply([input, mixed]) as tf.SymbolicTensor; // 48 values
    const logits = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(sum) as tf.SymbolicTensor; // 16 x 3 x 2 = 96, bias 32 values
    const model = tf.model({ inputs: input, outputs: logits });
    // Mul and Sub on the 48 input values; ArgMax over 16 x 2 values into 16.
    expect(deepLabProfilerMadds({ model, label: 'toy' })).toBe((2 * (144 + 96) + 48 + 32 + 2 * 48 + (32 - 16)) / 2);
    model.dispose();
  });

  it('trainable parameters leave out batch norm\'s moving statistics', () => {
    const input = tf.input({ shape: [4, 4, 2] });
    const y = tf.layers.batchNormalization({}).apply(tf.layers.conv2d({ filters: 3, kernelSize: 1, useBias: false }).apply(input)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: y });
    expect(model.countParams()).toBe(6 + 4 * 3);
    expect(trainableParams(model)).toBe(6 + 2 * 3);
    model.dispose();
  });
});
