/**
 * Add, Sub, Multiply and RealDiv on the wasm backend when one operand is a row broadcast over
 * the other: a [.., C] per-channel tensor against an activation of shape [R.., C] (batch
 * normalisation's x - mean and its gradient's g * (r s), g * (x - mean), in training).
 * tfjs-backend-wasm 4.22 runs XNNPACK's elementwise operator, which for such a broadcast calls
 * its vector kernel once per row of C elements: with C = 8..64 channels most of the time went
 * to the calls, not the arithmetic (in SSDLite's training these three ops were ~10 % of a step).
 *
 * Here the whole [R, C] by [C] operation is one loop of float32 lanes (simd-kernels.ts rows
 * ops): out[r][c] = full[r][c] op row[c], or row[c] op full[r][c] when the row is the first
 * operand — the operands in tfjs' order, so that when both are NaN the same one's payload is
 * kept. One IEEE 754 float32 add, subtract, multiply or divide per element, as XNNPACK does:
 * the same bits (tested against tfjs' kernels). Other shapes, dtypes, and rows of fewer than
 * four elements (XNNPACK's scalar-broadcast kernels handle those) go to tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapBackend } from './conv2d-filter-gradient.js';
import { simdKernels, type RowsOp } from './simd-kernels.js';
import { overrideWasmKernel } from './wasm-kernel-override.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** tfjs' kernel name for each operation. */
export const ROWS_KERNELS: Record<RowsOp, string> = { add: 'Add', sub: 'Sub', mul: 'Multiply', div: 'RealDiv' };

/** Rows broadcast: `full` has the output's shape, `row` the output's last axes (after leading ones). */
export interface RowsBroadcast {
  rowFirst: boolean;
  rows: number;
  cols: number;
}

/** How `a op b` is a row broadcast, or null when it is not one (or the rows are under four elements). */
export function rowsBroadcast(aShape: number[], bShape: number[]): RowsBroadcast | null {
  const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
  const out = tf.backend_util.assertAndGetBroadcastShape(aShape, bShape);
  const sameAsOut = (s: number[]) => s.length === out.length && s.every((d, i) => d === out[i]);
  const isRow = (s: number[]) => {
    const padded = [...Array<number>(out.length - s.length).fill(1), ...s];
    const first = padded.findIndex((d) => d !== 1);
    return first > 0 && padded.slice(first).every((d, i) => d === out[first + i]);
  };
  let rowFirst: boolean;
  if (sameAsOut(aShape) && !sameAsOut(bShape) && isRow(bShape)) rowFirst = false;
  else if (sameAsOut(bShape) && !sameAsOut(aShape) && isRow(aShape)) rowFirst = true;
  else return null;
  const cols = size(rowFirst ? aShape : bShape);
  if (cols < 4) return null;
  return { rowFirst, rows: size(out) / cols, cols };
}

function rowsBinary(op: RowsOp, args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const heap = args.backend as unknown as HeapBackend;
  const simd = a.dtype === 'float32' && b.dtype === 'float32' ? simdKernels(heap) : null;
  const shape = simd ? rowsBroadcast(a.shape, b.shape) : null;
  if (!simd || !shape) return original(args) as tf.TensorInfo;
  const { rowFirst, rows, cols } = shape;
  const out = heap.makeOutput(tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape), 'float32');
  // Views are taken after makeOutput: allocating may grow the wasm heap and detach older views.
  const [full, row] = rowFirst ? [b, a] : [a, b];
  const at = (t: tf.TensorInfo) => heap.typedArrayFromHeap(t).byteOffset;
  simd[`${op}${rowFirst ? 'RowFull' : 'FullRow'}`](at(out), at(full), at(row), rows, cols);
  return out;
}

/** Replaces the wasm Add, Sub, Multiply and RealDiv kernels (keeping the originals for every other case). */
export function installRowBroadcast(): void {
  for (const [op, name] of Object.entries(ROWS_KERNELS) as [RowsOp, string][]) {
    overrideWasmKernel(name, (original) => (args) => rowsBinary(op, args, original));
  }
}
