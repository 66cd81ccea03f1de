/**
 * Inner loops of the training kernels as WebAssembly SIMD (f32x4 / f64x2 lanes), run on
 * the wasm backend's own memory, so they read and write tensors where tfjs keeps them. The
 * module is emitted here byte by byte (WebAssembly binary format, core spec 5 and SIMD
 * proposal opcodes) rather than compiled: it is small, and the project needs no toolchain.
 *
 * Each lane computes one output element with exactly the operations the JavaScript loops they
 * replace perform, in the same order, so results are bit for bit the same (tested against them):
 *   convolutionTaps, depthwise gradients: acc[i] = f32(f64(acc[i]) + f64(p[i]) * f64(q[i])), as
 *     JavaScript's `acc[i] += p[i] * q[i]` on Float32Arrays (double product and sum, rounded to
 *     float32 on store); f64x2 lanes, since a float32 multiply-add would round the product first.
 *   convolutionTaps, col2im: dx[i] += columns[j], float32 lanes: a float32 sum of two floats
 *     equals their double sum rounded to float32 (53 >= 2 * 24 + 2 bits, so the double rounding
 *     is innocuous; Figueroa, "When is double rounding innocuous?", 1995).
 *   addRows: sums[c] += x[r][c] for r = 0, 1, ...; float32 lanes, for the same reason.
 *   relu6Grad: dx[i] = dy[i] * (0 < x[i] < 6 ? 1 : 0), a float32 multiply by 1 or 0 (exact).
 *   reluGrad: dx[i] = dy[i] * step(x[i]), step as tfjs' wasm Step: x[i] itself where it is NaN,
 *     else x[i] > 0 ? 1 : 0; one float32 multiply, dy first (relu-gradient.ts).
 *   squareGrad: dx[i] = dy[i] * (x[i] * 2), two float32 multiplies in tfjs-core's operand order
 *     (square-gradient.ts).
 *   transposeBlocks: a copy of bits, 4 x 4 blocks transposed with shuffles (wasm-matmul.ts).
 *   im2colTransposed: a copy of bits (zeros in the padding), no arithmetic on the values.
 *   gradSums: sumG[c] += g[r][c] and sumGxm[c] += g[r][c] * (x[r][c] - mean[c]) for r = 0, 1, ...:
 *     float32 lanes, the subtraction, product and additions in the operand order of the ops they
 *     replace (batch-norm-gradient.ts).
 *   batchNorm: out = f32(f64(offset[c]) + f64(f32(f32(x - mean[c]) * scale[c])) / f64(factor[c])),
 *     float32 lanes for the subtraction and product, f64x2 for the division and sum, as tfjs'
 *     compiled scalar loop does (batch-norm-forward.ts).
 *   rows binary ops (add, sub, mul, div): out[r][c] = full[r][c] op row[c] or row[c] op full[r][c],
 *     one float32 operation per element (row-broadcast.ts).
 */
import type { HeapBackend } from './conv2d-filter-gradient.js';

/** The float32 operations of the row-broadcast kernels. */
export type RowsOp = 'add' | 'sub' | 'mul' | 'div';
/** `${op}FullRow`: out = full op row; `${op}RowFull`: out = row op full (operand order kept, for NaN). */
export type RowsKernelName = `${RowsOp}${'FullRow' | 'RowFull'}`;
export const ROWS_OPS: readonly RowsOp[] = ['add', 'sub', 'mul', 'div'];

export interface SimdKernels extends Record<RowsKernelName, (out: number, full: number, row: number, rows: number, cols: number) => void> {
  /**
   * Every in-image (output position, filter tap) pair of a convolution, in the order b, oh, ow,
   * kh, kw, with the channel loop innermost (NHWC; addresses in bytes, `yStride` bytes per output
   * position): DEPTHWISE_INPUT dx[x] += dy[y] * f[t], DEPTHWISE_FILTER df[t] += x[x] * dy[y]
   * (multiplier 1, f64 multiply-adds), COL2IM dx[x] += columns[y + t] (float32 additions).
   */
  convolutionTaps(
    mode: number, acc: number, p: number, q: number, batch: number, inH: number, inW: number, channels: number,
    outH: number, outW: number, fH: number, fW: number, sH: number, sW: number, dH: number, dW: number,
    top: number, left: number, yStride: number,
  ): void;
  relu6Grad(dx: number, dy: number, x: number, n: number): void;
  reluGrad(dx: number, dy: number, x: number, n: number): void;
  squareGrad(dx: number, dy: number, x: number, n: number): void;
  addRows(sums: number, x: number, rows: number, cols: number): void;
  /**
   * dst[c][r] = src[r][c] (row-major [rows, cols] to [cols, rows]) for r < rowsEnd, c < colsEnd,
   * rowsEnd a multiple of TRANSPOSE_ROWS and colsEnd of 4: a copy of bits.
   */
  transposeBlocks(src: number, dst: number, rows: number, cols: number, rowsEnd: number, colsEnd: number): void;
  /** Per channel c of [rows, cols] g and x: sumG[c] += g, sumGxm[c] += g * (x - mean[c]), rows in order (see above). */
  gradSums(sumG: number, sumGxm: number, g: number, x: number, mean: number, rows: number, cols: number): void;
  /** Per row and channel c of [rows, channels]: out = offset[c] + (x - mean[c]) * scale[c] / factor[c] (see above). */
  batchNorm(out: number, x: number, mean: number, scale: number, offset: number, factor: number, rows: number, channels: number): void;
  /**
   * im2col stored transposed (see conv2d-filter-gradient.ts) for output columns 0 .. columns-1,
   * columns a multiple of IM2COL_BLOCK: out[(tap * channels + c) * n + col] = x[input under the
   * tap, c], or +0 in the padding. A copy of bits, so identical to the JavaScript loop.
   */
  im2colTransposed(
    x: number, out: number, columns: number, n: number, inH: number, inW: number, channels: number, outH: number, outW: number,
    fH: number, fW: number, sH: number, sW: number, dH: number, dW: number, top: number, left: number,
  ): void;
}

/** Source rows transposeBlocks takes at a time: 16 floats fill a 64-byte cache line of each destination row. */
export const TRANSPOSE_ROWS = 16;

/** Output columns im2colTransposed copies at a time: 16 floats fill a 64-byte cache line of each row. */
export const IM2COL_BLOCK = 16;

// Opcodes (core and 0xfd-prefixed SIMD) used below.
const I32 = 0x7f;
const V128 = 0x7b;
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05, END = 0x0b, BR = 0x0c, BR_IF = 0x0d, VOID = 0x40;
const GET = 0x20, SET = 0x21, TEE = 0x22;
const I32_LOAD = 0x28, F32_LOAD = 0x2a, I32_STORE = 0x36, F32_STORE = 0x38, I32_CONST = 0x41, F32_CONST = 0x43;
const SELECT = 0x1b, I32_LT_U = 0x49, I32_DIV_U = 0x6e, I32_REM_U = 0x70;
const I32_GE_U = 0x4f, F32_NE = 0x5c, F32_LT = 0x5d, F32_GT = 0x5e;
const I32_EQ = 0x46;
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_AND = 0x71, F32_ADD = 0x92, F32_MUL = 0x94, F64_ADD = 0xa0, F64_MUL = 0xa2;
const F32_SUB = 0x93, F64_DIV = 0xa3;
const F32_DEMOTE = 0xb6, F64_PROMOTE = 0xbb;
const simd = (op: number) => [0xfd, ...uleb(op)];
const V_LOAD = simd(0x00), V_STORE = simd(0x0b), I32X4_SPLAT = simd(0x11), F32X4_SPLAT = simd(0x13);
const F32X4_NE = simd(0x42), F32X4_LT = simd(0x43), F32X4_GT = simd(0x44), V_AND = simd(0x4e), V_BITSELECT = simd(0x52);
const DEMOTE_ZERO = simd(0x5e), PROMOTE_LOW = simd(0x5f);
const F32X4_ADD = simd(0xe4), F32X4_MUL = simd(0xe6), F64X2_ADD = simd(0xf0), F64X2_MUL = simd(0xf2);
const F32X4_SUB = simd(0xe5), F64X2_DIV = simd(0xf3), F32X4_DIV = simd(0xe7);
const F32_DIV = 0x95;
/** i8x16.shuffle taking the lanes listed (0-15 from the first operand, 16-31 from the second). */
const shuffle = (lanes: number[]) => [...simd(0x0d), ...lanes];
const HIGH_HALF = shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]);
const LOW_HALVES = shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]);
/** Shuffle by float32 lanes (0-3 from the first operand, 4-7 from the second). */
const floatShuffle = (lanes: number[]) => shuffle(lanes.flatMap((l) => [l * 4, l * 4 + 1, l * 4 + 2, l * 4 + 3]));

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const memarg = (align: number) => [align, 0];
const get = (i: number) => [GET, ...uleb(i)];
const set = (i: number) => [SET, ...uleb(i)];
const i32 = (v: number) => [I32_CONST, ...sleb(v)];
const f32 = (v: number) => [F32_CONST, ...new Uint8Array(new Float32Array([v]).buffer)];
const addr = (base: number, k: number) => [...get(base), ...get(k), I32_ADD];
const vload = (base: number, k: number) => [...addr(base, k), ...V_LOAD, ...memarg(0)];
const fload = (base: number, k: number) => [...addr(base, k), F32_LOAD, ...memarg(2)];
/** bytes = count floats' bytes, vecEnd = bytes down to whole 16-byte vectors: the bounds of a vector loop and its scalar tail. */
const floatSpan = (count: number, bytes: number, vecEnd: number) => [
  ...get(count), ...i32(4), I32_MUL, ...set(bytes),
  ...get(bytes), ...i32(-16), I32_AND, ...set(vecEnd),
];
/**
 * A 4 x 4 float32 transpose in registers: rows in vector locals v[0..3] (loaded), scratch t[0..3];
 * row k of the result (column k of the input) is stored at address rowAt(k) + offset. Two rounds
 * of shuffles: interleave row pairs, then take their halves.
 */
const transpose4x4Store = ([v0, v1, v2, v3]: number[], [t0, t1, t2, t3]: number[], rowAt: (k: number) => number[], offset: number) => [
  ...get(v0!), ...get(v1!), ...floatShuffle([0, 4, 1, 5]), ...set(t0!),
  ...get(v0!), ...get(v1!), ...floatShuffle([2, 6, 3, 7]), ...set(t1!),
  ...get(v2!), ...get(v3!), ...floatShuffle([0, 4, 1, 5]), ...set(t2!),
  ...get(v2!), ...get(v3!), ...floatShuffle([2, 6, 3, 7]), ...set(t3!),
  ...rowAt(0), ...get(t0!), ...get(t2!), ...floatShuffle([0, 1, 4, 5]), ...V_STORE, 0, ...uleb(offset),
  ...rowAt(1), ...get(t0!), ...get(t2!), ...floatShuffle([2, 3, 6, 7]), ...V_STORE, 0, ...uleb(offset),
  ...rowAt(2), ...get(t1!), ...get(t3!), ...floatShuffle([0, 1, 4, 5]), ...V_STORE, 0, ...uleb(offset),
  ...rowAt(3), ...get(t1!), ...get(t3!), ...floatShuffle([2, 3, 6, 7]), ...V_STORE, 0, ...uleb(offset),
];
/** `while (k < end) { body; k += step }` as block/loop. */
const loopUpTo = (k: number, end: number, step: number, body: number[]) => [
  BLOCK, VOID, LOOP, VOID, ...get(k), ...get(end), I32_GE_U, BR_IF, 1,
  ...body, ...get(k), ...i32(step), I32_ADD, ...set(k), BR, 0, END, END,
];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (s: string) => [...uleb(s.length), ...new TextEncoder().encode(s)];
const fn = (locals: [number, number][], body: number[]) => {
  const code = [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...body, END];
  return [...uleb(code.length), ...code];
};

/** acc[i] = f32(f64(acc[i]) + f64(p[i]) * f64(q[i])) on the four lanes of a, p, q (locals). */
const fourMultiplyAdds = (a: number, p: number, q: number) => {
  const half = (v: number, high: boolean) => [...get(v), ...(high ? [...get(v), ...HIGH_HALF] : []), ...PROMOTE_LOW];
  const lanes = (high: boolean) => [...half(a, high), ...half(p, high), ...half(q, high), ...F64X2_MUL, ...F64X2_ADD, ...DEMOTE_ZERO];
  return [...lanes(false), ...lanes(true), ...LOW_HALVES];
};

/** The channel loop of one tap: `bytes` bytes at a, p, q; SIMD up to vecEnd, then one float at a time. */
function channelLoop(multiply: boolean, l: { a: number; p: number; q: number; k: number; bytes: number; vecEnd: number; va: number; vp: number; vq: number }) {
  const { a, p, q, k, bytes, vecEnd, va, vp, vq } = l;
  const vector = multiply
    ? [...vload(a, k), ...set(va), ...vload(p, k), ...set(vp), ...vload(q, k), ...set(vq), ...addr(a, k), ...fourMultiplyAdds(va, vp, vq)]
    : [...addr(a, k), ...vload(a, k), ...vload(p, k), ...F32X4_ADD];
  const scalar = multiply
    ? [...addr(a, k), ...fload(a, k), F64_PROMOTE, ...fload(p, k), F64_PROMOTE, ...fload(q, k), F64_PROMOTE, F64_MUL, F64_ADD, F32_DEMOTE]
    : [...addr(a, k), ...fload(a, k), ...fload(p, k), F32_ADD];
  return [
    ...i32(0), ...set(k),
    ...loopUpTo(k, vecEnd, 16, [...vector, ...V_STORE, ...memarg(0)]),
    ...loopUpTo(k, bytes, 4, [...scalar, F32_STORE, ...memarg(2)]),
  ];
}

/**
 * im2colTransposed(x, out, columns, n, inH, inW, channels, outH, outW, fH, fW, sH, sW, dH, dW, top, left):
 * for each block of 16 output columns and each tap, the 16 source addresses (masked to x + 0
 * and a zero mask in the padding), then four channels at a time: four columns' channel quads
 * loaded, transposed 4 x 4 with shuffles, stored as 16 bytes of four rows; four such groups fill
 * a cache line of each row before the next channels.
 */
function im2colFunction(): number[] {
  const P = ['x', 'out', 'columns', 'n', 'inH', 'inW', 'channels', 'outH', 'outW', 'fH', 'fW', 'sH', 'sW', 'dH', 'dW', 'top', 'left'] as const;
  const L = ['col0', 'fh', 'fw', 'fhd', 'fwd', 'row', 'q', 'bytes', 'vecEnd', 'nBytes', 'ih', 'iw', 'valid', 'tmp'] as const;
  const at = Object.fromEntries([...P, ...L].map((name, i) => [name, i])) as Record<(typeof P)[number] | (typeof L)[number], number>;
  const B = IM2COL_BLOCK;
  let next = P.length + L.length;
  const range = (count: number) => Array.from({ length: count }, (_, i) => i);
  const take = (count: number) => range(count).map(() => next++);
  // Per column j of the block: batch * inH, oh * sH - top, ow * sW - left; then per tap its source address and masks.
  const [base, ohs, ows, src, mask] = [take(B), take(B), take(B), take(B), take(B)];
  const vectorsFrom = next;
  const [va, vb, vc, vd, t0, t1, t2, t3] = range(8).map((i) => vectorsFrom + i);
  const vmask = range(B).map((j) => vectorsFrom + 8 + j);

  const positions = range(B).flatMap((j) => [
    ...get(at.col0), ...i32(j), I32_ADD, ...set(at.tmp),
    ...get(at.tmp), ...get(at.outW), I32_REM_U, ...get(at.sW), I32_MUL, ...get(at.left), I32_SUB, ...set(ows[j]!),
    ...get(at.tmp), ...get(at.outW), I32_DIV_U, ...set(at.tmp),
    ...get(at.tmp), ...get(at.outH), I32_REM_U, ...get(at.sH), I32_MUL, ...get(at.top), I32_SUB, ...set(ohs[j]!),
    ...get(at.tmp), ...get(at.outH), I32_DIV_U, ...get(at.inH), I32_MUL, ...set(base[j]!),
  ]);
  // ih, iw outside the image (negative included, compared unsigned): address x, masks 0.
  const sources = range(B).flatMap((j) => [
    ...get(ohs[j]!), ...get(at.fhd), I32_ADD, ...set(at.ih),
    ...get(ows[j]!), ...get(at.fwd), I32_ADD, ...set(at.iw),
    ...get(at.ih), ...get(at.inH), I32_LT_U, ...get(at.iw), ...get(at.inW), I32_LT_U, I32_AND, ...set(at.valid),
    ...get(base[j]!), ...get(at.ih), I32_ADD, ...get(at.inW), I32_MUL, ...get(at.iw), I32_ADD, ...get(at.bytes), I32_MUL, ...get(at.x), I32_ADD,
    ...get(at.x), ...get(at.valid), SELECT, ...set(src[j]!),
    ...i32(0), ...get(at.valid), I32_SUB, TEE, ...uleb(mask[j]!), ...I32X4_SPLAT, ...set(vmask[j]!),
  ]);
  const load = (j: number, v: number) => [...get(src[j]!), ...get(at.q), I32_ADD, ...V_LOAD, ...memarg(0), ...get(vmask[j]!), ...V_AND, ...set(v)];
  const rowAt = (k: number) => [...get(at.row), ...(k === 0 ? [] : [...get(at.nBytes), ...i32(k), I32_MUL, I32_ADD])];
  // Columns 4g .. 4g+3, channels q/4 .. q/4+3: rows r_k = (a_k, b_k, c_k, d_k).
  const group = (g: number) => [
    ...load(4 * g, va), ...load(4 * g + 1, vb), ...load(4 * g + 2, vc), ...load(4 * g + 3, vd),
    ...transpose4x4Store([va, vb, vc, vd], [t0, t1, t2, t3], rowAt, g * 16),
  ];
  const advanceRow = (rows: number) => [...get(at.row), ...get(at.nBytes), ...i32(rows), I32_MUL, I32_ADD, ...set(at.row)];
  // Channels past the last multiple of four: one float (as its bits) per column.
  const remainder = range(B).flatMap((j) => [
    ...get(at.row), ...get(src[j]!), ...get(at.q), I32_ADD, I32_LOAD, ...memarg(0), ...get(mask[j]!), I32_AND, I32_STORE, 0, ...uleb(j * 4),
  ]);
  return fn([[L.length + 5 * B, I32], [8 + B, V128]], [
    ...floatSpan(at.channels, at.bytes, at.vecEnd),
    ...get(at.n), ...i32(4), I32_MUL, ...set(at.nBytes),
    ...loopUpTo(at.col0, at.columns, B, [
      ...positions,
      // Rows of tap t start channels * t rows down: row runs on through every tap of the block.
      ...get(at.out), ...get(at.col0), ...i32(4), I32_MUL, I32_ADD, ...set(at.row),
      ...i32(0), ...set(at.fh),
      ...loopUpTo(at.fh, at.fH, 1, [
        ...get(at.fh), ...get(at.dH), I32_MUL, ...set(at.fhd),
        ...i32(0), ...set(at.fw),
        ...loopUpTo(at.fw, at.fW, 1, [
          ...get(at.fw), ...get(at.dW), I32_MUL, ...set(at.fwd),
          ...sources,
          ...i32(0), ...set(at.q),
          ...loopUpTo(at.q, at.vecEnd, 16, [...group(0), ...group(1), ...group(2), ...group(3), ...advanceRow(4)]),
          ...loopUpTo(at.q, at.bytes, 4, [...remainder, ...advanceRow(1)]),
        ]),
      ]),
    ]),
  ]);
}

/** Tap modes of convolutionTaps (see SimdKernels). */
export const DEPTHWISE_INPUT = 0, DEPTHWISE_FILTER = 1, COL2IM = 2;

function moduleBytes(): Uint8Array {
  // convolutionTaps(mode, acc, p, q, batch, inH, inW, channels, outH, outW, fH, fW, sH, sW, dH, dW, top, left, yStride)
  const P = ['mode', 'acc', 'p', 'q', 'batch', 'inH', 'inW', 'channels', 'outH', 'outW', 'fH', 'fW', 'sH', 'sW', 'dH', 'dW', 'top', 'left', 'yStride'] as const;
  const L = ['b', 'oh', 'ow', 'fh', 'fw', 'ih', 'iw', 'yOff', 'xOff', 'tOff', 'a', 'pp', 'qq', 'k', 'bytes', 'vecEnd'] as const;
  const V = ['va', 'vp', 'vq'] as const;
  const at = Object.fromEntries([...P, ...L, ...V].map((n, i) => [n, i])) as Record<(typeof P)[number] | (typeof L)[number] | (typeof V)[number], number>;
  const mul = (...xs: number[]) => xs.flatMap((x, i) => (i === 0 ? get(x) : [...get(x), I32_MUL]));
  const lanes = { a: at.a, p: at.pp, q: at.qq, k: at.k, bytes: at.bytes, vecEnd: at.vecEnd, va: at.va, vp: at.vp, vq: at.vq };
  const isMode = (m: number) => [...get(at.mode), ...i32(m), I32_EQ];
  const taps = fn([[L.length, I32], [V.length, V128]], [
    ...floatSpan(at.channels, at.bytes, at.vecEnd),
    ...loopUpTo(at.b, at.batch, 1, [
      ...i32(0), ...set(at.oh),
      ...loopUpTo(at.oh, at.outH, 1, [
        ...i32(0), ...set(at.ow),
        ...loopUpTo(at.ow, at.outW, 1, [
          // yOff = ((b * outH + oh) * outW + ow) * yStride
          ...mul(at.b, at.outH), ...get(at.oh), I32_ADD, ...get(at.outW), I32_MUL, ...get(at.ow), I32_ADD, ...get(at.yStride), I32_MUL, ...set(at.yOff),
          ...i32(0), ...set(at.fh),
          ...loopUpTo(at.fh, at.fH, 1, [
            BLOCK, VOID,
            // ih = oh * sH - top + fh * dH; outside the image (negative included, unsigned) skips the row
            ...mul(at.oh, at.sH), ...get(at.top), I32_SUB, ...mul(at.fh, at.dH), I32_ADD, ...[TEE, at.ih], ...get(at.inH), I32_GE_U, BR_IF, 0,
            ...i32(0), ...set(at.fw),
            ...loopUpTo(at.fw, at.fW, 1, [
              BLOCK, VOID,
              ...mul(at.ow, at.sW), ...get(at.left), I32_SUB, ...mul(at.fw, at.dW), I32_ADD, ...[TEE, at.iw], ...get(at.inW), I32_GE_U, BR_IF, 0,
              // xOff = ((b * inH + ih) * inW + iw) * bytes; tOff = (fh * fW + fw) * bytes
              ...mul(at.b, at.inH), ...get(at.ih), I32_ADD, ...get(at.inW), I32_MUL, ...get(at.iw), I32_ADD, ...get(at.bytes), I32_MUL, ...set(at.xOff),
              ...mul(at.fh, at.fW), ...get(at.fw), I32_ADD, ...get(at.bytes), I32_MUL, ...set(at.tOff),
              ...isMode(DEPTHWISE_FILTER),
              IF, VOID,
              ...get(at.acc), ...get(at.tOff), I32_ADD, ...set(at.a),
              ...get(at.p), ...get(at.xOff), I32_ADD, ...set(at.pp),
              ...get(at.q), ...get(at.yOff), I32_ADD, ...set(at.qq),
              ELSE,
              ...get(at.acc), ...get(at.xOff), I32_ADD, ...set(at.a),
              ...get(at.p), ...get(at.yOff), I32_ADD, ...set(at.pp),
              ...get(at.q), ...get(at.tOff), I32_ADD, ...set(at.qq),
              END,
              ...isMode(COL2IM),
              IF, VOID,
              // col2im: the column row of this position, at this tap's (kh, kw, ci) entries
              ...get(at.pp), ...get(at.tOff), I32_ADD, ...set(at.pp),
              ...channelLoop(false, lanes),
              ELSE,
              ...channelLoop(true, lanes),
              END,
              END,
            ]),
            END,
          ]),
        ]),
      ]),
    ]),
  ]);

  // relu6Grad(dx, dy, x, n); locals: k, bytes, vecEnd, vx
  const [dx, dy, x, n, rk, rBytes, rVecEnd, vx] = [0, 1, 2, 3, 4, 5, 6, 7];
  const relu6 = fn([[3, I32], [1, V128]], [
    ...floatSpan(n, rBytes, rVecEnd),
    ...loopUpTo(rk, rVecEnd, 16, [
      ...addr(dx, rk),
      ...vload(dy, rk),
      ...vload(x, rk), ...set(vx),
      ...get(vx), ...f32(0), ...F32X4_SPLAT, ...F32X4_GT,
      ...get(vx), ...f32(6), ...F32X4_SPLAT, ...F32X4_LT, ...V_AND,
      ...f32(1), ...F32X4_SPLAT, ...V_AND,
      ...F32X4_MUL, ...V_STORE, ...memarg(0),
    ]),
    ...loopUpTo(rk, rBytes, 4, [
      ...addr(dx, rk),
      ...fload(dy, rk),
      ...fload(x, rk), ...f32(0), F32_GT, ...fload(x, rk), ...f32(6), F32_LT, I32_AND,
      IF, 0x7d, ...f32(1), ELSE, ...f32(0), END,
      F32_MUL, F32_STORE, ...memarg(2),
    ]),
  ]);

  // reluGrad(dx, dy, x, n), same locals: dy * step(x), step(x) = x where x is NaN (its bits), else x > 0 ? 1 : 0.
  const relu = fn([[3, I32], [1, V128]], [
    ...floatSpan(n, rBytes, rVecEnd),
    ...loopUpTo(rk, rVecEnd, 16, [
      ...addr(dx, rk),
      ...vload(dy, rk),
      ...vload(x, rk), ...set(vx),
      ...get(vx),
      ...get(vx), ...f32(0), ...F32X4_SPLAT, ...F32X4_GT, ...f32(1), ...F32X4_SPLAT, ...V_AND,
      ...get(vx), ...get(vx), ...F32X4_NE, ...V_BITSELECT,
      ...F32X4_MUL, ...V_STORE, ...memarg(0),
    ]),
    ...loopUpTo(rk, rBytes, 4, [
      ...addr(dx, rk),
      ...fload(dy, rk),
      ...fload(x, rk),
      ...fload(x, rk), ...f32(0), F32_GT, IF, 0x7d, ...f32(1), ELSE, ...f32(0), END,
      ...fload(x, rk), ...fload(x, rk), F32_NE, SELECT,
      F32_MUL, F32_STORE, ...memarg(2),
    ]),
  ]);

  // squareGrad(dx, dy, x, n), same locals: dy * (x * 2), in tfjs-core's operand order.
  const square = fn([[3, I32]], [
    ...floatSpan(n, rBytes, rVecEnd),
    ...loopUpTo(rk, rVecEnd, 16, [
      ...addr(dx, rk),
      ...vload(dy, rk),
      ...vload(x, rk), ...f32(2), ...F32X4_SPLAT, ...F32X4_MUL,
      ...F32X4_MUL, ...V_STORE, ...memarg(0),
    ]),
    ...loopUpTo(rk, rBytes, 4, [
      ...addr(dx, rk), ...fload(dy, rk), ...fload(x, rk), ...f32(2), F32_MUL, F32_MUL, F32_STORE, ...memarg(2),
    ]),
  ]);

  // addRows(sums, x, rows, cols); locals: r, k, bytes, vecEnd
  const [sums, xs, rows, cols, r, sk, sBytes, sVecEnd] = [0, 1, 2, 3, 4, 5, 6, 7];
  const addRows = fn([[4, I32]], [
    ...floatSpan(cols, sBytes, sVecEnd),
    ...loopUpTo(r, rows, 1, [
      ...i32(0), ...set(sk),
      ...loopUpTo(sk, sVecEnd, 16, [...addr(sums, sk), ...vload(sums, sk), ...vload(xs, sk), ...F32X4_ADD, ...V_STORE, ...memarg(0)]),
      ...loopUpTo(sk, sBytes, 4, [...addr(sums, sk), ...fload(sums, sk), ...fload(xs, sk), F32_ADD, F32_STORE, ...memarg(2)]),
      ...get(xs), ...get(sBytes), I32_ADD, ...set(xs),
    ]),
  ]);

  // gradSums(sumG, sumGxm, g, x, mean, rows, cols); locals: r, k, bytes, vecEnd.
  const [gSumG, gSumGxm, gG, gX, gMean, gRows, gCols, gr, gk, gBytes, gVecEnd] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const gradSums = fn([[4, I32]], [
    ...floatSpan(gCols, gBytes, gVecEnd),
    ...loopUpTo(gr, gRows, 1, [
      ...i32(0), ...set(gk),
      ...loopUpTo(gk, gVecEnd, 16, [
        ...addr(gSumG, gk), ...vload(gSumG, gk), ...vload(gG, gk), ...F32X4_ADD, ...V_STORE, ...memarg(0),
        ...addr(gSumGxm, gk), ...vload(gSumGxm, gk), ...vload(gG, gk), ...vload(gX, gk), ...vload(gMean, gk), ...F32X4_SUB, ...F32X4_MUL, ...F32X4_ADD,
        ...V_STORE, ...memarg(0),
      ]),
      ...loopUpTo(gk, gBytes, 4, [
        ...addr(gSumG, gk), ...fload(gSumG, gk), ...fload(gG, gk), F32_ADD, F32_STORE, ...memarg(2),
        ...addr(gSumGxm, gk), ...fload(gSumGxm, gk), ...fload(gG, gk), ...fload(gX, gk), ...fload(gMean, gk), F32_SUB, F32_MUL, F32_ADD,
        F32_STORE, ...memarg(2),
      ]),
      ...get(gG), ...get(gBytes), I32_ADD, ...set(gG),
      ...get(gX), ...get(gBytes), I32_ADD, ...set(gX),
    ]),
  ]);

  // transposeBlocks(src, dst, rows, cols, rowsEnd, colsEnd); locals: r0, c0, sp, dp, rowBytes, dstRowBytes; 8 vectors.
  const [tSrc, tDst, tRows, tCols, tRowsEnd, tColsEnd, tr, tc, tsp, tdp, tRowBytes, tDstRowBytes] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [ta, tb, tcv, td, u0, u1, u2, u3] = [12, 13, 14, 15, 16, 17, 18, 19];
  const srcRow = (k: number) => [...get(tsp), ...(k === 0 ? [] : [...get(tRowBytes), ...i32(k), I32_MUL, I32_ADD])];
  const dstRow = (k: number) => [...get(tdp), ...(k === 0 ? [] : [...get(tDstRowBytes), ...i32(k), I32_MUL, I32_ADD])];
  // Source rows 4q .. 4q+3 of the tile, four columns: transposed 4 x 4, stored as 16 bytes of four destination rows.
  const quad = (q: number) => [
    ...srcRow(4 * q), ...V_LOAD, ...memarg(0), ...set(ta),
    ...srcRow(4 * q + 1), ...V_LOAD, ...memarg(0), ...set(tb),
    ...srcRow(4 * q + 2), ...V_LOAD, ...memarg(0), ...set(tcv),
    ...srcRow(4 * q + 3), ...V_LOAD, ...memarg(0), ...set(td),
    ...transpose4x4Store([ta, tb, tcv, td], [u0, u1, u2, u3], dstRow, q * 16),
  ];
  const transposeBlocks = fn([[6, I32], [8, V128]], [
    ...get(tCols), ...i32(4), I32_MUL, ...set(tRowBytes),
    ...get(tRows), ...i32(4), I32_MUL, ...set(tDstRowBytes),
    ...loopUpTo(tr, tRowsEnd, TRANSPOSE_ROWS, [
      ...i32(0), ...set(tc),
      ...loopUpTo(tc, tColsEnd, 4, [
        ...get(tr), ...get(tCols), I32_MUL, ...get(tc), I32_ADD, ...i32(4), I32_MUL, ...get(tSrc), I32_ADD, ...set(tsp),
        ...get(tc), ...get(tRows), I32_MUL, ...get(tr), I32_ADD, ...i32(4), I32_MUL, ...get(tDst), I32_ADD, ...set(tdp),
        ...quad(0), ...quad(1), ...quad(2), ...quad(3),
      ]),
    ]),
  ]);

  // batchNorm(out, x, mean, scale, offset, factor, rows, channels); locals: r, k, bytes, vecEnd, q, f, o.
  const [bOut, bx, bMean, bScale, bOffset, bFactor, bRows, bChannels, br, bk, bBytes, bVecEnd, vq, vf, vo] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
  const half = (v: number, high: boolean) => [...get(v), ...(high ? [...get(v), ...HIGH_HALF] : []), ...PROMOTE_LOW];
  const normalizedHalf = (high: boolean) => [...half(vq, high), ...half(vf, high), ...F64X2_DIV, ...half(vo, high), ...F64X2_ADD, ...DEMOTE_ZERO];
  const batchNorm = fn([[4, I32], [3, V128]], [
    ...floatSpan(bChannels, bBytes, bVecEnd),
    ...loopUpTo(br, bRows, 1, [
      ...i32(0), ...set(bk),
      ...loopUpTo(bk, bVecEnd, 16, [
        ...vload(bx, bk), ...vload(bMean, bk), ...F32X4_SUB, ...vload(bScale, bk), ...F32X4_MUL, ...set(vq),
        ...vload(bFactor, bk), ...set(vf), ...vload(bOffset, bk), ...set(vo),
        ...addr(bOut, bk), ...normalizedHalf(false), ...normalizedHalf(true), ...LOW_HALVES, ...V_STORE, ...memarg(0),
      ]),
      ...loopUpTo(bk, bBytes, 4, [
        ...addr(bOut, bk),
        ...fload(bx, bk), ...fload(bMean, bk), F32_SUB, ...fload(bScale, bk), F32_MUL, F64_PROMOTE,
        ...fload(bFactor, bk), F64_PROMOTE, F64_DIV, ...fload(bOffset, bk), F64_PROMOTE, F64_ADD, F32_DEMOTE,
        F32_STORE, ...memarg(2),
      ]),
      ...get(bx), ...get(bBytes), I32_ADD, ...set(bx),
      ...get(bOut), ...get(bBytes), I32_ADD, ...set(bOut),
    ]),
  ]);

  // rowsBinary(out, full, row, rows, cols) for each op and operand order; locals: r, k, bytes, vecEnd.
  const rowsNames: RowsKernelName[] = ROWS_OPS.flatMap((op) => [`${op}FullRow`, `${op}RowFull`] as RowsKernelName[]);
  const rowsFunctions = rowsNames.map((kernelName) => {
    const op = ROWS_OPS.find((o) => kernelName.startsWith(o))!;
    const rowFirst = kernelName.endsWith('RowFull');
    const [rOut, rFull, rRow, rRows, rCols, rr, rk, rBytesR, rVecEndR] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const vectorOp = { add: F32X4_ADD, sub: F32X4_SUB, mul: F32X4_MUL, div: F32X4_DIV }[op];
    const scalarOp = { add: F32_ADD, sub: F32_SUB, mul: F32_MUL, div: F32_DIV }[op];
    const operands = (load: (base: number, k: number) => number[]) =>
      rowFirst ? [...load(rRow, rk), ...load(rFull, rk)] : [...load(rFull, rk), ...load(rRow, rk)];
    return fn([[4, I32]], [
      ...floatSpan(rCols, rBytesR, rVecEndR),
      ...loopUpTo(rr, rRows, 1, [
        ...i32(0), ...set(rk),
        ...loopUpTo(rk, rVecEndR, 16, [...addr(rOut, rk), ...operands(vload), ...vectorOp, ...V_STORE, ...memarg(0)]),
        ...loopUpTo(rk, rBytesR, 4, [...addr(rOut, rk), ...operands(fload), scalarOp, F32_STORE, ...memarg(2)]),
        ...get(rFull), ...get(rBytesR), I32_ADD, ...set(rFull),
        ...get(rOut), ...get(rBytesR), I32_ADD, ...set(rOut),
      ]),
    ]);
  });

  const type = (params: number) => [0x60, ...uleb(params), ...Array(params).fill(I32), 0];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([type(19), type(4), type(17), type(8), type(5), type(7), type(6)])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]])),
    ...section(3, vec([[0], [1], [1], [2], [3], ...rowsNames.map(() => [4]), [1], [1], [5], [6]])),
    ...section(7, vec([
      [...name('convolutionTaps'), 0x00, 0], [...name('relu6Grad'), 0x00, 1], [...name('addRows'), 0x00, 2], [...name('im2colTransposed'), 0x00, 3],
      [...name('batchNorm'), 0x00, 4], ...rowsNames.map((n, i) => [...name(n), 0x00, 5 + i]),
      [...name('reluGrad'), 0x00, 5 + rowsNames.length], [...name('squareGrad'), 0x00, 6 + rowsNames.length],
      [...name('gradSums'), 0x00, 7 + rowsNames.length], [...name('transposeBlocks'), 0x00, 8 + rowsNames.length],
    ])),
    ...section(10, vec([taps, relu6, addRows, im2colFunction(), batchNorm, ...rowsFunctions, relu, square, gradSums, transposeBlocks])),
  ]);
}

/** The part of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmMemory { buffer: ArrayBuffer }
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (...args: never[]) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | null | undefined;
const bound = new WeakMap<object, SimdKernels | null>();

/**
 * The kernels bound to the wasm backend's memory, or null where that cannot be done (no SIMD,
 * or a backend whose memory is not reachable): callers then keep their JavaScript loops.
 */
export function simdKernels(backend: HeapBackend): SimdKernels | null {
  const cached = bound.get(backend);
  if (cached !== undefined) return cached;
  let kernels: SimdKernels | null = null;
  try {
    if (compiled === undefined) {
      const bytes = moduleBytes();
      compiled = wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
    }
    const module = (backend as unknown as { wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown; HEAPU8?: Uint8Array } }).wasm;
    const memory = module?.asm?.memory ?? module?.wasmMemory;
    if (compiled && memory instanceof wasmApi.Memory && memory.buffer === module?.HEAPU8?.buffer) {
      kernels = new wasmApi.Instance(compiled, { env: { memory } }).exports as unknown as SimdKernels;
    }
  } catch {
    kernels = null;
  }
  bound.set(backend, kernels);
  return kernels;
}
