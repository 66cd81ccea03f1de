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
 * With channel multiplier 1 (every depthwise layer of the baselines) both run as WebAssembly
 * SIMD (simd-kernels.ts convolutionTaps), the same loops over positions and taps with the
 * channels in vector lanes, so each element sees the same operations in the same order as in
 * the JavaScript loops below, which remain for other multipliers and as the tests' reference.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';
import type { WasmBackend } from './wasm-matmul.js';
import { DEPTHWISE_FILTER, DEPTHWISE_INPUT, simdKernels } from './simd-kernels.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.backend_util.Conv2DInfo;

function depthwiseInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap): Info {
  const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    strides, dilations ?? 1, pad, dimRoundingMode, true, 'channelsLast',
  );
}

/** The geometry both kernels loop over, read once. */
function geometry(info: Info) {
  return {
    ...info,
    top: info.padInfo.top,
    left: info.padInfo.left,
    multiplier: info.outChannels / info.inChannels,
  };
}

/*
 * Both kernels walk every (output position, filter tap) pair whose input position lies inside
 * the image, with the channel loop innermost (channels are contiguous in NHWC). The loops are
 * written out in each kernel rather than shared through a callback: a callback shared by
 * several kernels stops being inlined and costs a call per tap.
 */

export function depthwiseBackpropInputJs({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const inputShape = (attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs).inputShape;
  const g = geometry(depthwiseInfo(inputShape, filter.shape, attrs as tf.NamedAttrMap));
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput(inputShape, 'float32');
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  const dx = heap.typedArrayFromHeap(out) as Float32Array;
  const dyv = heap.typedArrayFromHeap(dy) as Float32Array;
  const f = heap.typedArrayFromHeap(filter) as Float32Array;
  dx.fill(0);
  const { inChannels: channels, outChannels, multiplier: m } = g;
  for (let b = 0; b < g.batchSize; b++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++) {
        const dyBase = ((b * g.outHeight + oh) * g.outWidth + ow) * outChannels;
        for (let fh = 0; fh < g.filterHeight; fh++) {
          const ih = oh * g.strideHeight - g.top + fh * g.dilationHeight;
          if (ih < 0 || ih >= g.inHeight) continue;
          for (let fw = 0; fw < g.filterWidth; fw++) {
            const iw = ow * g.strideWidth - g.left + fw * g.dilationWidth;
            if (iw < 0 || iw >= g.inWidth) continue;
            const xBase = ((b * g.inHeight + ih) * g.inWidth + iw) * channels;
            const fBase = (fh * g.filterWidth + fw) * outChannels;
            if (m === 1) {
              for (let c = 0; c < channels; c++) dx[xBase + c] += dyv[dyBase + c] * f[fBase + c];
            } else {
              for (let c = 0; c < channels; c++) {
                let sum = 0;
                for (let q = 0; q < m; q++) sum += dyv[dyBase + c * m + q] * f[fBase + c * m + q];
                dx[xBase + c] += sum;
              }
            }
          }
        }
      }
    }
  }
  return out;
}

export function depthwiseBackpropFilterJs({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const filterShape = (attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs).filterShape;
  const g = geometry(depthwiseInfo(x.shape, filterShape, attrs as tf.NamedAttrMap));
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput(filterShape, 'float32');
  const df = heap.typedArrayFromHeap(out) as Float32Array;
  const xv = heap.typedArrayFromHeap(x) as Float32Array;
  const dyv = heap.typedArrayFromHeap(dy) as Float32Array;
  df.fill(0);
  const { inChannels: channels, outChannels, multiplier: m } = g;
  for (let b = 0; b < g.batchSize; b++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++) {
        const dyBase = ((b * g.outHeight + oh) * g.outWidth + ow) * outChannels;
        for (let fh = 0; fh < g.filterHeight; fh++) {
          const ih = oh * g.strideHeight - g.top + fh * g.dilationHeight;
          if (ih < 0 || ih >= g.inHeight) continue;
          for (let fw = 0; fw < g.filterWidth; fw++) {
            const iw = ow * g.strideWidth - g.left + fw * g.dilationWidth;
            if (iw < 0 || iw >= g.inWidth) continue;
            const xBase = ((b * g.inHeight + ih) * g.inWidth + iw) * channels;
            const fBase = (fh * g.filterWidth + fw) * outChannels;
            if (m === 1) {
              for (let c = 0; c < channels; c++) df[fBase + c] += xv[xBase + c] * dyv[dyBase + c];
            } else {
              for (let c = 0; c < channels; c++) {
                const xval = xv[xBase + c];
                for (let q = 0; q < m; q++) df[fBase + c * m + q] += xval * dyv[dyBase + c * m + q];
              }
            }
          }
        }
      }
    }
  }
  return out;
}

/** Multiplier 1 through the SIMD loop (simd-kernels.ts convolutionTaps): `out` zeroed, then every tap's products added in order. */
function simdDepthwise(heap: WasmBackend, g: ReturnType<typeof geometry>, out: tf.TensorInfo, mode: number, p: tf.TensorInfo, q: tf.TensorInfo): void {
  const outView = heap.typedArrayFromHeap(out);
  outView.fill(0);
  simdKernels(heap)!.convolutionTaps(
    mode, outView.byteOffset, heap.typedArrayFromHeap(p).byteOffset, heap.typedArrayFromHeap(q).byteOffset,
    g.batchSize, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.filterHeight, g.filterWidth,
    g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.top, g.left, g.outChannels * 4,
  );
}

export function depthwiseBackpropInputWasm(args: KernelArgs): tf.TensorInfo {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const inputShape = (args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs).inputShape;
  const g = geometry(depthwiseInfo(inputShape, filter.shape, args.attrs as tf.NamedAttrMap));
  const heap = args.backend as unknown as WasmBackend;
  if (g.multiplier !== 1 || !simdKernels(heap)) return depthwiseBackpropInputJs(args);
  const out = heap.makeOutput(inputShape, 'float32');
  simdDepthwise(heap, g, out, DEPTHWISE_INPUT, dy, filter);
  return out;
}

export function depthwiseBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const filterShape = (args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs).filterShape;
  const g = geometry(depthwiseInfo(x.shape, filterShape, args.attrs as tf.NamedAttrMap));
  const heap = args.backend as unknown as WasmBackend;
  if (g.multiplier !== 1 || !simdKernels(heap)) return depthwiseBackpropFilterJs(args);
  const out = heap.makeOutput(filterShape, 'float32');
  simdDepthwise(heap, g, out, DEPTHWISE_FILTER, x, dy);
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
