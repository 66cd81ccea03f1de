/**
 * The max-pooling gradient for pools that do not overlap (stride = pool size, no padding: U-Net's
 * 2 x 2 poolings) on the wasm backend. tfjs-backend-wasm 4.22's MaxPoolGrad (MaxPoolGrad.cc over
 * pool3d_impl.h) walks channels outermost, so every step through an NHWC tensor jumps a whole
 * pixel, and for each input element it searches every window that could hold it; in U-Net's
 * training step it cost as much as the upsampling gradient did.
 *
 * Same numbers, taken from that kernel: per output element its window is scanned row by row with
 * a running maximum that starts at FLT_MIN (std::numeric_limits<float>::min(), the smallest
 * positive normal, not -infinity) and position 0, replaced whenever x >= maximum (so the last of
 * equal values wins, NaN never, and a window of zeros or negatives keeps position 0, the
 * tensor's first element); then dx = 0 + dy * (this element is that position ? 1 : 0) in float32,
 * which with one window per element is exactly what its sum over windows gives; elements no
 * window covers get 0. Overlapping or padded pools go to tfjs' kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';
import { overrideWasmKernel } from './wasm-kernel-override.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** std::numeric_limits<float>::min(): where the C++ kernel's running maximum starts. */
const FLT_MIN = 2 ** -126;

/** dx of a max pool whose windows tile the input without overlap or padding (see above). */
export function tiledMaxPoolGradient(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight: fH, effectiveFilterWidth: fW } = info;
  dx.fill(0);
  for (let b = 0, o = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const r0 = oh * strideHeight;
      const r1 = Math.min(inHeight, r0 + fH);
      for (let ow = 0; ow < outWidth; ow++) {
        const c0 = ow * strideWidth;
        const c1 = Math.min(inWidth, c0 + fW);
        for (let c = 0; c < C; c++, o++) {
          let max = FLT_MIN;
          let at = 0;
          for (let r = r0; r < r1; r++) {
            for (let col = c0; col < c1; col++) {
              const i = ((b * inHeight + r) * inWidth + col) * C + c;
              if (x[i]! >= max) {
                max = x[i]!;
                at = i;
              }
            }
          }
          const g = dy[o]!;
          for (let r = r0; r < r1; r++) {
            for (let col = c0; col < c1; col++) {
              const i = ((b * inHeight + r) * inWidth + col) * C + c;
              dx[i] = 0 + Math.fround(g * (i === at ? 1 : 0));
            }
          }
        }
      }
    }
  }
}

function maxPoolGrad(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const tiled = info.strideHeight === info.effectiveFilterHeight && info.strideWidth === info.effectiveFilterWidth &&
    info.dilationHeight === 1 && info.dilationWidth === 1 && info.padInfo.top === 0 && info.padInfo.left === 0;
  if (!tiled || input.dtype !== 'float32' || dy.dtype !== 'float32') return original(args) as tf.TensorInfo;
  const heap = args.backend as unknown as HeapBackend;
  const out = heap.makeOutput(input.shape, 'float32');
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  tiledMaxPoolGradient(
    heap.typedArrayFromHeap(input) as Float32Array, heap.typedArrayFromHeap(dy) as Float32Array, heap.typedArrayFromHeap(out) as Float32Array, info,
  );
  return out;
}

/** Replaces the wasm MaxPoolGrad kernel (keeping the original for the other cases). */
export function installMaxPoolGradient(): void {
  overrideWasmKernel('MaxPoolGrad', (original) => (args) => maxPoolGrad(args, original));
}
