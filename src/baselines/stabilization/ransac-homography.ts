/**
 * A homography from point matches: RANSAC (Fischler & Bolles 1981) over 4-point DLT
 * solutions, then a least-squares refit on the inliers, both with h22 = 1 on Hartley-normalised
 * points (Hartley & Zisserman, alg. 4.2 and 4.6). Seeded, so a run repeats exactly.
 */
import { hypot2 } from '../../evaluators/hypot.js';
import { mulberry32 } from '../../random.js';

/** Solves the n x n system A x = b in place (Gaussian elimination, partial pivoting); null if singular. */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array | null {
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[p * n + c]!)) p = r;
    if (Math.abs(a[p * n + c]!) < 1e-12) return null;
    if (p !== c) {
      for (let k = 0; k < n; k++) [a[c * n + k], a[p * n + k]] = [a[p * n + k]!, a[c * n + k]!];
      [b[c], b[p]] = [b[p]!, b[c]!];
    }
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c]! / a[c * n + c]!;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k] = a[r * n + k]! - f * a[c * n + k]!;
      b[r] = b[r]! - f * b[c]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < n; k++) s -= a[r * n + k]! * x[k]!;
    x[r] = s / a[r * n + r]!;
  }
  return x;
}

/** Least squares (normal equations) for H with h22 = 1 from the matches in `idx`. */
function fit(x0: ArrayLike<number>, y0: ArrayLike<number>, x1: ArrayLike<number>, y1: ArrayLike<number>, idx: ArrayLike<number>, count: number): number[] | null {
  // Hartley normalisation of both point sets.
  let mx0 = 0, my0 = 0, mx1 = 0, my1 = 0;
  for (let j = 0; j < count; j++) {
    const i = idx[j]!;
    mx0 += x0[i]!; my0 += y0[i]!; mx1 += x1[i]!; my1 += y1[i]!;
  }
  mx0 /= count; my0 /= count; mx1 /= count; my1 /= count;
  let d0 = 0, d1 = 0;
  for (let j = 0; j < count; j++) {
    const i = idx[j]!;
    d0 += hypot2(x0[i]! - mx0, y0[i]! - my0);
    d1 += hypot2(x1[i]! - mx1, y1[i]! - my1);
  }
  const s0 = Math.SQRT2 / Math.max(d0 / count, 1e-9), s1 = Math.SQRT2 / Math.max(d1 / count, 1e-9);
  const ata = new Float64Array(64), atb = new Float64Array(8);
  const row = new Float64Array(8);
  const add = (r: Float64Array, rhs: number) => {
    for (let p = 0; p < 8; p++) {
      atb[p] = atb[p]! + r[p]! * rhs;
      for (let q = 0; q < 8; q++) ata[p * 8 + q] = ata[p * 8 + q]! + r[p]! * r[q]!;
    }
  };
  for (let j = 0; j < count; j++) {
    const i = idx[j]!;
    const u = (x0[i]! - mx0) * s0, v = (y0[i]! - my0) * s0;
    const X = (x1[i]! - mx1) * s1, Y = (y1[i]! - my1) * s1;
    setRow(row, u, v, 1, 0, 0, 0, -u * X, -v * X);
    add(row, X);
    setRow(row, 0, 0, 0, u, v, 1, -u * Y, -v * Y);
    add(row, Y);
  }
  const h = solve(ata, atb, 8);
  if (!h) return null;
  // H = T1^-1 Hn T0
  const hn = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!, 1];
  const t0 = [s0, 0, -s0 * mx0, 0, s0, -s0 * my0, 0, 0, 1];
  const t1inv = [1 / s1, 0, mx1, 0, 1 / s1, my1, 0, 0, 1];
  const m = mul(t1inv, mul(hn, t0));
  return Number.isFinite(m[8]!) && m[8] !== 0 ? m.map((v) => v / m[8]!) : null;
}

/** One row of the DLT system, written in place (no array made for it). */
function setRow(row: Float64Array, a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number): void {
  row[0] = a; row[1] = b; row[2] = c; row[3] = d; row[4] = e; row[5] = f; row[6] = g; row[7] = h;
}

function mul(a: number[], b: number[]): number[] {
  const o = new Array<number>(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) o[3 * r + c] = a[3 * r]! * b[c]! + a[3 * r + 1]! * b[3 + c]! + a[3 * r + 2]! * b[6 + c]!;
  return o;
}

function transferError(h: number[], x: number, y: number, X: number, Y: number): number {
  const w = h[6]! * x + h[7]! * y + h[8]!;
  return hypot2((h[0]! * x + h[1]! * y + h[2]!) / w - X, (h[3]! * x + h[4]! * y + h[5]!) / w - Y);
}

export interface RansacResult {
  h: number[];
  inliers: number[];
}

/** Best homography for the matches (indices `subset`, default all); null with fewer than 8 matches. */
export function ransacHomography(
  x0: ArrayLike<number>, y0: ArrayLike<number>, x1: ArrayLike<number>, y1: ArrayLike<number>, subset: number[],
  opts: { threshold?: number; iterations?: number; seed?: number } = {},
): RansacResult | null {
  const n = subset.length;
  if (n < 8) return null;
  const threshold = opts.threshold ?? 1.5;
  const random = mulberry32(opts.seed ?? 1);
  let best: number[] | null = null;
  let bestCount = 0;
  const sample = new Int32Array(4);
  for (let it = 0; it < (opts.iterations ?? 250); it++) {
    for (let k = 0; k < 4; k++) {
      let i: number;
      do i = subset[Math.floor(random() * n)]!;
      while (sample.subarray(0, k).includes(i));
      sample[k] = i;
    }
    const h = fit(x0, y0, x1, y1, sample, 4);
    if (!h) continue;
    let count = 0;
    for (const i of subset) if (transferError(h, x0[i]!, y0[i]!, x1[i]!, y1[i]!) < threshold) count++;
    if (count > bestCount) {
      bestCount = count;
      best = h;
    }
  }
  if (!best) return null;
  const inliers = subset.filter((i) => transferError(best!, x0[i]!, y0[i]!, x1[i]!, y1[i]!) < threshold);
  const refit = inliers.length >= 8 ? fit(x0, y0, x1, y1, inliers, inliers.length) : null;
  return { h: refit ?? best, inliers };
}

/**
 * Least-squares affine map (x1, y1) ~ A (x0, y0) + t over the matches in `idx`, as a 3x3 matrix;
 * null with fewer than 3 matches or a degenerate spread.
 */
export function affineLeastSquares(x0: ArrayLike<number>, y0: ArrayLike<number>, x1: ArrayLike<number>, y1: ArrayLike<number>, idx: readonly number[]): number[] | null {
  if (idx.length < 3) return null;
  let mx = 0, my = 0, mX = 0, mY = 0;
  for (const i of idx) { mx += x0[i]!; my += y0[i]!; mX += x1[i]!; mY += y1[i]!; }
  const n = idx.length;
  mx /= n; my /= n; mX /= n; mY /= n;
  let sxx = 0, sxy = 0, syy = 0, sXx = 0, sXy = 0, sYx = 0, sYy = 0;
  for (const i of idx) {
    const u = x0[i]! - mx, v = y0[i]! - my, U = x1[i]! - mX, V = y1[i]! - mY;
    sxx += u * u; sxy += u * v; syy += v * v;
    sXx += U * u; sXy += U * v; sYx += V * u; sYy += V * v;
  }
  const det = sxx * syy - sxy * sxy;
  if (!(det > 1e-9 * (sxx + syy) ** 2)) return null;
  const a = (sXx * syy - sXy * sxy) / det, b = (sXy * sxx - sXx * sxy) / det;
  const c = (sYx * syy - sYy * sxy) / det, d = (sYy * sxx - sYx * sxy) / det;
  return [a, b, mX - a * mx - b * my, c, d, mY - c * mx - d * my, 0, 0, 1];
}
