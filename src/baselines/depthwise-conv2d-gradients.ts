/**
 * Depthwise convolution gradients for the wasm backend, which tfjs 4.x lacks
 * (`DepthwiseConv2dNativeBackpropInput`, `DepthwiseConv2dNativeBackpropFilter`); MobileNetV2's
 * depthwise layers cannot be trained on wasm without them. Registered with `registerKernel`
 * so tfjs-core's DepthwiseConv2dNative gradient calls them as it calls the cpu kernels.
 *
 * With channel multiplier m and output channel c*m + q (TensorFlow's layout, NHWC):
 *   y[b, oh, ow, c*m+q] = sum over kh, kw of x[b, ih, iw, c] * f[kh, kw, c, q],
 *   ih = oh*sh - top + kh*dh,  iw = ow*sw - left + kw*dw;
 * so dx[b, ih, iw, c] += dy[b, oh, ow, c*m+q] * f[kh, kw, c, q] and
 *    df[kh, kw, c, q] += x[b, ih, iw, c] * dy[b, oh, ow, c*m+q].
 * Depthwise layers hold a small share of the multiply-adds, so plain loops are fast enough.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.backend_util.Conv2DInfo;

function depthwiseInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap): Info {
  const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    strides, dilations ?? 1, pad, dimRoundingMode, true, 'channelsLast',
  );
}

/**
 * Walks every (output position, filter tap) pair whose input position is inside the image and
 * calls `visit` with the base offsets of the input pixel, the output pixel and the filter tap;
 * the callers' inner loops run over channels, which are contiguous in NHWC.
 */
function forEachTap(info: Info, visit: (xBase: number, dyBase: number, fBase: number) => void): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * outChannels;
        for (let fh = 0; fh < filterHeight; fh++) {
          const ih = oh * info.strideHeight - top + fh * info.dilationHeight;
          if (ih < 0 || ih >= inHeight) continue;
          for (let fw = 0; fw < filterWidth; fw++) {
            const iw = ow * info.strideWidth - left + fw * info.dilationWidth;
            if (iw < 0 || iw >= inWidth) continue;
            visit(((b * inHeight + ih) * inWidth + iw) * inChannels, dyBase, (fh * filterWidth + fw) * outChannels);
          }
        }
      }
    }
  }
}

export function depthwiseBackpropInputWasm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const inputShape = (attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs).inputShape;
  const info = depthwiseInfo(inputShape, filter.shape, attrs as tf.NamedAttrMap);
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput(inputShape, 'float32');
  const dx = heap.typedArrayFromHeap(out) as Float32Array;
  const dyv = heap.typedArrayFromHeap(dy) as Float32Array;
  const f = heap.typedArrayFromHeap(filter) as Float32Array;
  dx.fill(0);
  const channels = info.inChannels;
  const m = info.outChannels / channels;
  if (m === 1) {
    forEachTap(info, (xBase, dyBase, fBase) => {
      for (let c = 0; c < channels; c++) dx[xBase + c] += dyv[dyBase + c] * f[fBase + c];
    });
  } else {
    forEachTap(info, (xBase, dyBase, fBase) => {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let q = 0; q < m; q++) sum += dyv[dyBase + c * m + q] * f[fBase + c * m + q];
        dx[xBase + c] += sum;
      }
    });
  }
  return out;
}

export function depthwiseBackpropFilterWasm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const filterShape = (attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs).filterShape;
  const info = depthwiseInfo(x.shape, filterShape, attrs as tf.NamedAttrMap);
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput(filterShape, 'float32');
  const df = heap.typedArrayFromHeap(out) as Float32Array;
  const xv = heap.typedArrayFromHeap(x) as Float32Array;
  const dyv = heap.typedArrayFromHeap(dy) as Float32Array;
  df.fill(0);
  const channels = info.inChannels;
  const m = info.outChannels / channels;
  if (m === 1) {
    forEachTap(info, (xBase, dyBase, fBase) => {
      for (let c = 0; c < channels; c++) df[fBase + c] += xv[xBase + c] * dyv[dyBase + c];
    });
  } else {
    forEachTap(info, (xBase, dyBase, fBase) => {
      for (let c = 0; c < channels; c++) {
        const xval = xv[xBase + c];
        for (let q = 0; q < m; q++) df[fBase + c * m + q] += xval * dyv[dyBase + c * m + q];
      }
    });
  }
  return out;
}

export const depthwiseBackpropInputWasmConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInputWasm,
};

export const depthwiseBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilterWasm,
};
