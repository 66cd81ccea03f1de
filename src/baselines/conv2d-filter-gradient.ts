/**
 * The Conv2D filter gradient (`Conv2DBackpropFilter`) for the wasm backend, which tfjs 4.x does
 * not ship: without it no convolution can be trained on wasm. Registered through tfjs' public
 * kernel registry (`registerKernel`), so tfjs-core's own Conv2D / FusedConv2D gradient
 * functions call it exactly as they call the cpu backend's kernel.
 *
 * dW[kh, kw, ci, co] = sum over b, oh, ow of x[b, oh*sh - top + kh*dh, ow*sw - left + kw*dw, ci] * dy[b, oh, ow, co]
 * (TensorFlow's Conv2DBackpropFilter, NHWC; out-of-range input positions are the zero padding).
 *
 * Computed as one matrix product patches^T dY by the wasm backend's own BatchMatMul kernel:
 * for 1x1 stride-1 filters (MobileNetV2's expansions and projections, most of its
 * multiply-adds) the patches are the input itself; otherwise an im2col copy.
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
  const heap = backend as unknown as HeapBackend & { disposeData(id: tf.DataId): boolean };
  const n = info.batchSize * info.outHeight * info.outWidth;
  const isPointwise = info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 &&
    info.strideWidth === 1 && info.padInfo.top === 0 && info.padInfo.left === 0;
  if (isPointwise) return filterProduct({ dataId: x.dataId, shape: [1, n, info.inChannels], dtype: 'float32' }, dy, info, backend as tf.KernelBackend);
  const patches = heap.makeOutput([1, n, info.filterHeight * info.filterWidth * info.inChannels], 'float32');
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  im2col(heap.typedArrayFromHeap(x) as Float32Array, heap.typedArrayFromHeap(patches) as Float32Array, info);
  try {
    return filterProduct(patches, dy, info, backend as tf.KernelBackend);
  } finally {
    heap.disposeData(patches.dataId);
  }
}

/**
 * im2col: row (b, oh, ow) holds the input values under every filter tap, in the filter's
 * (kh, kw, ci) order, zeros where the tap falls in the padding. Then dW, laid out
 * [kh, kw, ci, co], is exactly patches^T dY.
 */
export function im2col(x: Float32Array, patches: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const rowLength = filterHeight * filterWidth * inChannels;
  patches.fill(0);
  let row = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, row++) {
        for (let fh = 0; fh < filterHeight; fh++) {
          const ih = oh * info.strideHeight - top + fh * info.dilationHeight;
          if (ih < 0 || ih >= inHeight) continue;
          for (let fw = 0; fw < filterWidth; fw++) {
            const iw = ow * info.strideWidth - left + fw * info.dilationWidth;
            if (iw < 0 || iw >= inWidth) continue;
            const from = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            patches.set(x.subarray(from, from + inChannels), row * rowLength + (fh * filterWidth + fw) * inChannels);
          }
        }
      }
    }
  }
}

/** dW = patches^T dY through the backend's own BatchMatMul kernel, reshaped to the filter. */
function filterProduct(patches: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, backend: tf.KernelBackend): tf.TensorInfo {
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  if (!matMul) throw new Error('Conv2DBackpropFilter on wasm: BatchMatMul kernel missing');
  const n = patches.shape[1];
  // A reshape is only a new shape on the same data id.
  const b: tf.TensorInfo = { dataId: dy.dataId, shape: [1, n, info.outChannels], dtype: 'float32' };
  const product = matMul.kernelFunc({ inputs: { a: patches, b }, backend, attrs: { transposeA: true, transposeB: false } }) as tf.TensorInfo;
  return { dataId: product.dataId, shape: info.filterShape, dtype: 'float32' };
}

export const conv2dBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm,
};
