/**
 * The Conv2D filter gradient (`Conv2DBackpropFilter`) for the wasm backend, which tfjs 4.x does
 * not ship: without it no convolution can be trained on wasm. Registered through tfjs' public
 * kernel registry (`registerKernel`), so tfjs-core's own Conv2D / FusedConv2D gradient
 * functions call it exactly as they call the cpu backend's kernel.
 *
 * dW[kh, kw, ci, co] = sum over b, oh, ow of x[b, oh*sh - top + kh*dh, ow*sw - left + kw*dw, ci] * dy[b, oh, ow, co]
 * (TensorFlow's Conv2DBackpropFilter, NHWC; out-of-range input positions are the zero padding).
 *
 * 1x1 stride-1 filters (MobileNetV2's expansions and projections, most of its multiply-adds)
 * are one matrix product x^T dy, done by the wasm backend's own BatchMatMul kernel; other
 * shapes accumulate outer products in JavaScript.
 */
import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Minimal view of the wasm backend used here (public methods of BackendWasm). */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

export function conv2dBackpropFilterWasm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm: only NHWC is supported');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast',
  );
  const heap = backend as unknown as HeapBackend;
  if (info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1 &&
      info.padInfo.top === 0 && info.padInfo.left === 0) {
    return pointwiseFilterGradient(x, dy, info, backend as tf.KernelBackend);
  }
  const out = heap.makeOutput(info.filterShape, 'float32');
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  const xv = heap.typedArrayFromHeap(x) as Float32Array;
  const dyv = heap.typedArrayFromHeap(dy) as Float32Array;
  const dw = heap.typedArrayFromHeap(out) as Float32Array;
  accumulateFilterGradient(xv, dyv, dw, info);
  return out;
}

/** Plain loops: for every output position and filter tap, dW[kh,kw,:,:] += x[ih,iw,:] (outer) dy[oh,ow,:]. */
export function accumulateFilterGradient(x: Float32Array, dy: Float32Array, dw: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dwid, filterHeight: kh, filterWidth: kw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  dw.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * outChannels;
        for (let fh = 0; fh < kh; fh++) {
          const ih = oh * sh - top + fh * dh;
          if (ih < 0 || ih >= inHeight) continue;
          for (let fw = 0; fw < kw; fw++) {
            const iw = ow * sw - left + fw * dwid;
            if (iw < 0 || iw >= inWidth) continue;
            const xBase = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            const wBase = (fh * kw + fw) * inChannels * outChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              const xval = x[xBase + ci];
              if (xval === 0) continue; // ReLU6 outputs are often zero
              const row = wBase + ci * outChannels;
              for (let co = 0; co < outChannels; co++) dw[row + co] += xval * dy[dyBase + co];
            }
          }
        }
      }
    }
  }
}

/** 1x1 stride 1: dW = X^T dY with X as [N, Ci] and dY as [N, Co], via the backend's BatchMatMul kernel. */
function pointwiseFilterGradient(
  x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, backend: tf.KernelBackend,
): tf.TensorInfo {
  const n = info.batchSize * info.outHeight * info.outWidth;
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  if (!matMul) throw new Error('Conv2DBackpropFilter on wasm: BatchMatMul kernel missing');
  // Same buffers, seen as 3-D matrices (a reshape is only a new shape on the same data id).
  const a: tf.TensorInfo = { dataId: x.dataId, shape: [1, n, info.inChannels], dtype: 'float32' };
  const b: tf.TensorInfo = { dataId: dy.dataId, shape: [1, n, info.outChannels], dtype: 'float32' };
  const product = matMul.kernelFunc({ inputs: { a, b }, backend, attrs: { transposeA: true, transposeB: false } }) as tf.TensorInfo;
  return { dataId: product.dataId, shape: info.filterShape, dtype: 'float32' };
}

export const conv2dBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm,
};
