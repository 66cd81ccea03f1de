/**
 * SpaceToBatchND and BatchToSpaceND on the wasm backend as copies of channel runs in the heap.
 * DeepLab-v3+'s atrous convolutions (atrous-depthwise.ts) move every activation they see to
 * batches and back, forward and in the gradient (each op's gradient is the other). tfjs-backend-
 * wasm 4.22 does it as a padding copy, then a 6-D Transpose kernel that works out each element's
 * source index one at a time (kernels/SpaceToBatchND.ts, BatchToSpaceND.ts): ~11 % of a
 * DeepLab training step.
 *
 * Without padding or crops, for NHWC x and block [rH, rW] (TensorFlow's space_to_batch_nd):
 *   batched[(i rW + j) B + b, h, w, :] = x[b, h rH + i, w rW + j, :]
 * and batch-to-space is the same map read the other way. Each [:] is a run of C contiguous
 * elements, moved with one `copyWithin` over the heap as 32-bit words: a copy of bits (-0 and NaN
 * payloads stay), so the output is tfjs' element for element (tested against its kernels).
 * Padding, crops, other ranks or block shapes, and elements that are not 4 bytes go to tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';
import { fourByteElements } from './heap-words.js';
import { overrideWasmKernel } from './wasm-kernel-override.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The spatial side of the map: [batch, height, width, channels] of the NHWC (unbatched) tensor. */
export interface SpaceShape {
  batch: number;
  height: number;
  width: number;
  channels: number;
}

/**
 * Copies between the spatial tensor at word `space` and the batched one at word `batched` of the
 * heap `words` (toBatch: spatial to batched; else back), block [rH, rW].
 */
export function copySpaceBatch(words: Int32Array, space: number, batched: number, s: SpaceShape, rH: number, rW: number, toBatch: boolean): void {
  const { batch, height, width, channels: c } = s;
  const [oh, ow] = [height / rH, width / rW];
  let to = batched;
  for (let i = 0; i < rH; i++) {
    for (let j = 0; j < rW; j++) {
      for (let b = 0; b < batch; b++) {
        for (let h = 0; h < oh; h++) {
          let from = space + ((b * height + h * rH + i) * width + j) * c;
          for (let w = 0; w < ow; w++, to += c, from += rW * c) {
            if (toBatch) words.copyWithin(to, from, from + c);
            else words.copyWithin(from, to, to + c);
          }
        }
      }
    }
  }
}

const zeros = (pairs: number[][]) => pairs.every(([a, b]) => a === 0 && b === 0);

function spaceBatch(args: KernelArgs, original: tf.KernelFunc, toBatch: boolean): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { blockShape, paddings, crops } = args.attrs as unknown as { blockShape: number[]; paddings?: number[][]; crops?: number[][] };
  const [rH, rW] = blockShape as [number, number];
  const margins = toBatch ? paddings : crops;
  const plain = x.shape.length === 4 && blockShape.length === 2 && margins !== undefined && zeros(margins);
  if (!plain || !fourByteElements(x.dtype)) return original(args) as tf.TensorInfo;
  const [n, h, w, channels] = x.shape as [number, number, number, number];
  if (toBatch && (h % rH !== 0 || w % rW !== 0)) return original(args) as tf.TensorInfo;
  if (!toBatch && n % (rH * rW) !== 0) return original(args) as tf.TensorInfo;
  const space: SpaceShape = toBatch ? { batch: n, height: h, width: w, channels } : { batch: n / (rH * rW), height: h * rH, width: w * rW, channels };
  const outShape = toBatch ? [n * rH * rW, h / rH, w / rW, channels] : [space.batch, space.height, space.width, channels];
  const heap = args.backend as unknown as HeapBackend;
  const out = heap.makeOutput(outShape, x.dtype);
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  const [xv, ov] = [heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(out)];
  const words = new Int32Array(xv.buffer);
  const [xAt, outAt] = [xv.byteOffset / 4, ov.byteOffset / 4];
  copySpaceBatch(words, toBatch ? xAt : outAt, toBatch ? outAt : xAt, space, rH, rW, toBatch);
  return out;
}

/** Replaces the wasm SpaceToBatchND and BatchToSpaceND kernels (keeping the originals for every other case). */
export function installHeapSpaceToBatch(): void {
  overrideWasmKernel('SpaceToBatchND', (original) => (args) => spaceBatch(args, original, true));
  overrideWasmKernel('BatchToSpaceND', (original) => (args) => spaceBatch(args, original, false));
}
