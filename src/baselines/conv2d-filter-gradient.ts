/**
 * The Conv2D filter gradient (`Conv2DBackpropFilter`) for the wasm backend, which tfjs 4.x does
 * not ship: without it no convolution can be trained on wasm. Registered through tfjs' public
 * kernel registry (`registerKernel`), so tfjs-core's own Conv2D / FusedConv2D gradient
 * functions call it exactly as they call the cpu backend's kernel.
 *
 * dW[kh, kw, ci, co] = sum over b, oh, ow of x[b, oh*sh - top + kh*dh, ow*sw - left + kw*dw, ci] * dy[b, oh, ow, co]
 * (TensorFlow's Conv2DBackpropFilter, NHWC; out-of-range input positions are the zero padding).
 *
 * Computed as one matrix product patches^T dY by the wasm backend's own (untransposed, see
 * wasm-matmul.ts) BatchMatMul kernel: for 1x1 stride-1 filters (MobileNetV2's expansions and
 * projections, most of its multiply-adds) the patches are the input itself; otherwise an
 * im2col copy (WebAssembly SIMD where available: im2colTransposedSimd).
 */
import * as tf from '@tensorflow/tfjs';
import { plainMatMul, TILE_ROWS, transposedCopy, type WasmBackend } from './wasm-matmul.js';
import { IM2COL_BLOCK, simdKernels } from './simd-kernels.js';

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
  const wasm = backend as unknown as WasmBackend;
  const n = info.batchSize * info.outHeight * info.outWidth;
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const isPointwise = info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 &&
    info.strideWidth === 1 && info.padInfo.top === 0 && info.padInfo.left === 0;
  let patchesT: tf.TensorInfo;
  if (isPointwise) {
    patchesT = transposedCopy({ dataId: x.dataId, shape: [1, n, info.inChannels], dtype: 'float32' }, wasm);
  } else {
    patchesT = wasm.makeOutput([1, k, n], 'float32');
    im2colTransposedSimd(wasm, x, patchesT, info);
  }
  try {
    const dyMatrix: tf.TensorInfo = { dataId: dy.dataId, shape: [1, n, info.outChannels], dtype: 'float32' };
    const product = plainMatMul(patchesT, dyMatrix, backend as tf.KernelBackend);
    return { dataId: product.dataId, shape: info.filterShape, dtype: 'float32' };
  } finally {
    wasm.disposeData(patchesT.dataId);
  }
}

/**
 * im2col, stored transposed: column (b, oh, ow) holds the input values under every filter tap,
 * rows in the filter's (kh, kw, ci) order, zeros where the tap falls in the padding. dW, laid
 * out [kh, kw, ci, co], is then exactly patchesT dY, a product without transposes.
 *
 * Filled TILE_ROWS columns at a time, so each write fills a whole cache line of a row: rows are
 * n floats apart, and with n a power of two (16 x 32 x 32 = 16,384) column-by-column writes
 * all land in one cache set and evict each other (U-Net's filter gradient spent 90 % of its
 * time here). The input values of the block's positions stay in cache across its rows.
 * Columns from firstColumn on (the earlier ones are left as they are).
 */
export function im2colTransposed(x: Float32Array, patchesT: Float32Array, info: tf.backend_util.Conv2DInfo, firstColumn = 0): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const n = batchSize * outHeight * outWidth;
  const block = new Int32Array(TILE_ROWS * 3); // b, oh, ow of each column in the block
  const from = new Int32Array(TILE_ROWS); // input offset under the current tap, -1 in the padding
  let ow = firstColumn % outWidth;
  let oh = Math.floor(firstColumn / outWidth) % outHeight;
  let b = Math.floor(firstColumn / (outWidth * outHeight));
  for (let col0 = firstColumn; col0 < n; col0 += TILE_ROWS) {
    const count = Math.min(TILE_ROWS, n - col0);
    for (let j = 0; j < count; j++) {
      block[j * 3] = b;
      block[j * 3 + 1] = oh;
      block[j * 3 + 2] = ow;
      if (++ow === outWidth) {
        ow = 0;
        if (++oh === outHeight) {
          oh = 0;
          b++;
        }
      }
    }
    for (let fh = 0; fh < filterHeight; fh++) {
      for (let fw = 0; fw < filterWidth; fw++) {
        for (let j = 0; j < count; j++) {
          const ih = block[j * 3 + 1]! * info.strideHeight - top + fh * info.dilationHeight;
          const iw = block[j * 3 + 2]! * info.strideWidth - left + fw * info.dilationWidth;
          from[j] = ih < 0 || ih >= inHeight || iw < 0 || iw >= inWidth ? -1 : ((block[j * 3]! * inHeight + ih) * inWidth + iw) * inChannels;
        }
        const rowBase = (fh * filterWidth + fw) * inChannels;
        for (let c = 0; c < inChannels; c++) {
          const to = (rowBase + c) * n + col0;
          for (let j = 0; j < count; j++) {
            const f = from[j]!;
            patchesT[to + j] = f < 0 ? 0 : x[f + c]!;
          }
        }
      }
    }
  }
}

/**
 * im2colTransposed with the whole blocks of IM2COL_BLOCK columns copied by the WebAssembly SIMD
 * loop (simd-kernels.ts) and the last columns by the JavaScript one; all of it in JavaScript
 * where SIMD is not available. The same bits either way (a copy).
 */
export function im2colTransposedSimd(wasm: WasmBackend, x: tf.TensorInfo, patchesT: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): void {
  const n = info.batchSize * info.outHeight * info.outWidth;
  const simd = simdKernels(wasm);
  // Views are taken after makeOutput (by the caller): allocating may grow the wasm heap and detach older views.
  const xs = wasm.typedArrayFromHeap(x) as Float32Array;
  const out = wasm.typedArrayFromHeap(patchesT) as Float32Array;
  const columns = simd ? n - (n % IM2COL_BLOCK) : 0;
  if (simd && columns > 0) {
    simd.im2colTransposed(
      xs.byteOffset, out.byteOffset, columns, n, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
      info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
      info.padInfo.top, info.padInfo.left,
    );
  }
  if (columns < n) im2colTransposed(xs, out, info, columns);
}

export const conv2dBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm,
};
