/**
 * The Conv2D input gradient (`Conv2DBackpropInput`) on wasm, replacing tfjs-backend-wasm's own
 * kernel, which runs at about 0.5 G multiply-adds/s here against ~10 for its matrix product.
 * dx is col2im(dY W^T): with W as a [kh*kw*ci, co] matrix, the product dY [N, co] x W^T
 * [co, kh*kw*ci] gives every output position's gradient for each input value under each tap;
 * col2im adds them back onto the input positions the taps read (zero padding drops out).
 * For 1x1 stride-1 filters the product is dx itself. col2im's additions run as WebAssembly
 * SIMD where available (col2imSimd), bit for bit as the JavaScript loop (col2im).
 */
import * as tf from '@tensorflow/tfjs';
import { plainMatMul, transposedCopy, type WasmBackend } from './wasm-matmul.js';
import { COL2IM, simdKernels } from './simd-kernels.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

export function conv2dBackpropInputWasm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropInput on wasm: only NHWC is supported');
  const info = tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast',
  );
  const wasm = backend as unknown as WasmBackend;
  const n = info.batchSize * info.outHeight * info.outWidth;
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const weightsT = transposedCopy({ dataId: filter.dataId, shape: [1, k, info.outChannels], dtype: 'float32' }, wasm);
  let columns: tf.TensorInfo;
  try {
    columns = plainMatMul({ dataId: dy.dataId, shape: [1, n, info.outChannels], dtype: 'float32' }, weightsT, backend as tf.KernelBackend);
  } finally {
    wasm.disposeData(weightsT.dataId);
  }
  const isPointwise = info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 &&
    info.strideWidth === 1 && info.padInfo.top === 0 && info.padInfo.left === 0;
  if (isPointwise) return { dataId: columns.dataId, shape: inputShape, dtype: 'float32' };
  try {
    const out = wasm.makeOutput(inputShape, 'float32');
    if (simdKernels(wasm)) col2imSimd(wasm, columns, out, info);
    else col2im(wasm.typedArrayFromHeap(columns) as Float32Array, wasm.typedArrayFromHeap(out) as Float32Array, info);
    return out;
  } finally {
    wasm.disposeData(columns.dataId);
  }
}

/** Adds each column entry (row = output position, column = (kh, kw, ci)) onto the input value that tap read. */
export function col2im(columns: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const rowLength = filterHeight * filterWidth * inChannels;
  dx.fill(0);
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
            const to = ((b * inHeight + ih) * inWidth + iw) * inChannels;
            const from = row * rowLength + (fh * filterWidth + fw) * inChannels;
            for (let c = 0; c < inChannels; c++) dx[to + c] += columns[from + c];
          }
        }
      }
    }
  }
}

/**
 * col2im with the channel loop as WebAssembly SIMD (simd-kernels.ts convolutionTaps): the same
 * loops over positions and taps, so every dx element receives the same float32 additions in
 * the same order.
 */
export function col2imSimd(wasm: WasmBackend, columns: tf.TensorInfo, out: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): void {
  const dx = wasm.typedArrayFromHeap(out);
  dx.fill(0);
  simdKernels(wasm)!.convolutionTaps(
    COL2IM, dx.byteOffset, wasm.typedArrayFromHeap(columns).byteOffset, 0,
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.filterHeight, info.filterWidth,
    info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
    info.filterHeight * info.filterWidth * info.inChannels * 4,
  );
}

export const conv2dBackpropInputWasmConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputWasm,
};
