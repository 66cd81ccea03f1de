/**
 * The SSDLite baseline's input preparation and post-processing as ONNX nodes around the
 * exported network, so the file meets the detection contract of the model track (image at
 * its own size in, boxes / scores / classes out) and computes what ssdlite.ts does in
 * JavaScript:
 *   - the box filter to the network's side (data.ts `downscaleScaled`: the mean of f x f
 *     pixels, which in [-1, 1] is AveragePool with kernel and stride f);
 *   - softmax over the C + 1 logits, background dropped;
 *   - SSD box decoding (anchors.ts `decode`: centre offsets x 0.1 x anchor size, sizes
 *     anchor x exp(min(0.2 t, 4))) to [ymin, xmin, ymax, xmax] relative to the image;
 *   - per-class NMS at IoU 0.5 over scores >= 0.05 (nms.ts; ONNX NonMaxSuppression), then the
 *     100 best by score over all classes (nms.ts' cap per image).
 * Outputs, batch of one: boxes [1, K, 4], scores [1, K], classes [1, K] (int64 index into the
 * categories in ascending id), K <= 100.
 */
import type { OnnxGraph, ValueInfo } from '../../models/onnx-graph.js';
import { VARIANCE_CENTER, VARIANCE_SIZE, type AnchorSet } from './anchors.js';

export const SCORE_THRESHOLD = 0.05;
export const IOU_THRESHOLD = 0.5;
export const MAX_DETECTIONS = 100;

/** Nodes making the network's input `networkInput` [1, S, S, 3] from `pixels` [1, S f, S f, 3]; returns the new graph input. */
export function prependBoxFilter(g: OnnxGraph, networkInput: string, side: number, factor: number): ValueInfo {
  const pixels = 'pixels';
  g.reserve(pixels);
  const before = g.nodes.length;
  const nchw = g.op('Transpose', [pixels], { perm: [0, 3, 1, 2] }, 'pixels_nchw');
  const pooled = g.op('AveragePool', [nchw], { kernel_shape: [factor, factor], strides: [factor, factor] }, 'box_filter');
  g.node('Transpose', [pooled], [networkInput], { perm: [0, 2, 3, 1] });
  g.nodes.unshift(...g.nodes.splice(before)); // ONNX wants nodes in topological order: these come first
  return { name: pixels, dims: [1, side * factor, side * factor, 3] };
}

/** Nodes from the network's `logits` [1, A, C + 1] and `offsets` [1, A, 4] to the contract's outputs. */
export function appendSsdPostprocess(g: OnnxGraph, logits: string, offsets: string, anchors: AnchorSet, classes: number): ValueInfo[] {
  const A = anchors.count;
  const column = (k: number) => Float32Array.from({ length: A }, (_, a) => anchors.boxes[a * 4 + k]);
  // Scores [1, C, A] without the background column.
  const probs = g.op('Softmax', [logits], { axis: 2 }, 'class_probs');
  const foreground = g.op('Slice', [probs, g.int64s('fg_start', [1]), g.int64s('fg_end', [classes + 1]), g.int64s('fg_axis', [2])], {}, 'foreground');
  const scores = g.op('Transpose', [foreground], { perm: [0, 2, 1] }, 'scores_by_class');
  // Decoding, each coordinate [1, A, 1].
  const [t0, t1, t2, t3] = g.node('Split', [offsets, g.int64s('split_sizes', [1, 1, 1, 1])], 4, { axis: 2 }, 'offset');
  const anchor = (k: number, name: string) => g.floats(name, [A, 1], column(k));
  const [acx, acy, aw, ah] = [anchor(0, 'anchor_cx'), anchor(1, 'anchor_cy'), anchor(2, 'anchor_w'), anchor(3, 'anchor_h')];
  const mul = (a: string, b: string, name: string) => g.op('Mul', [a, b], {}, name);
  const add = (a: string, b: string, name: string) => g.op('Add', [a, b], {}, name);
  const center = g.scalar('variance_center', VARIANCE_CENTER);
  const size = g.scalar('variance_size', VARIANCE_SIZE);
  const cx = add(acx, mul(mul(t0, center, 'dx'), aw, 'dx_scaled'), 'cx');
  const cy = add(acy, mul(mul(t1, center, 'dy'), ah, 'dy_scaled'), 'cy');
  const grow = (t: string, a: string, name: string) =>
    mul(a, g.op('Exp', [g.op('Min', [mul(t, size, `${name}_log`), g.scalar(`${name}_cap`, 4)], {}, `${name}_capped`)], {}, `${name}_scale`), name);
  const half = g.scalar('half', 0.5);
  const hw = mul(grow(t2, aw, 'w'), half, 'half_w');
  const hh = mul(grow(t3, ah, 'h'), half, 'half_h');
  const boxes = g.op('Concat', [g.op('Sub', [cy, hh], {}, 'ymin'), g.op('Sub', [cx, hw], {}, 'xmin'), add(cy, hh, 'ymax'), add(cx, hw, 'xmax')], { axis: 2 }, 'decoded_boxes');
  // Per-class NMS: selected [K, 3] = (batch, class, box).
  const selected = g.op('NonMaxSuppression', [
    boxes, scores, g.int64s('max_per_class', [MAX_DETECTIONS]), g.floats('iou_threshold', [1], [IOU_THRESHOLD]), g.floats('score_threshold', [1], [SCORE_THRESHOLD]),
  ], { center_point_box: 0 }, 'nms');
  const selectedScores = g.op('GatherND', [scores, selected], {}, 'selected_scores');
  const column64 = (k: number, name: string) => g.op('Squeeze', [g.op('Slice', [selected, g.int64s(`${name}_s`, [k]), g.int64s(`${name}_e`, [k + 1]), g.int64s(`${name}_a`, [1])], {}, `${name}_col`), g.int64s(`${name}_sq`, [1])], {}, name);
  const selectedClass = column64(1, 'selected_class');
  const selectedBox = column64(2, 'selected_box');
  // The best MAX_DETECTIONS over all classes, by score.
  const count = g.op('Shape', [selectedScores], {}, 'selected_count');
  const k = g.op('Min', [count, g.int64s('max_detections', [MAX_DETECTIONS])], {}, 'k');
  const [topScores, order] = g.node('TopK', [selectedScores, k], 2, { axis: 0, largest: 1, sorted: 1 }, 'top');
  const flatBoxes = g.op('Squeeze', [boxes, g.int64s('boxes_sq', [0])], {}, 'flat_boxes');
  const topBoxes = g.op('Gather', [flatBoxes, g.op('Gather', [selectedBox, order], { axis: 0 }, 'top_box_index')], { axis: 0 }, 'top_boxes');
  const topClasses = g.op('Gather', [selectedClass, order], { axis: 0 }, 'top_classes');
  const batch = g.int64s('batch_axis', [0]);
  g.node('Unsqueeze', [topBoxes, batch], ['boxes']);
  g.node('Unsqueeze', [topScores, batch], ['scores']);
  g.node('Unsqueeze', [topClasses, batch], ['classes']);
  return [
    { name: 'boxes', dims: [1, 'K', 4] },
    { name: 'scores', dims: [1, 'K'] },
    { name: 'classes', dims: [1, 'K'], elemType: 'int64' },
  ];
}
