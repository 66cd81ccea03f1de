/**
 * 3x3 homographies stored row-major in Float64Array slots of 9 (a clip's matrices side by side,
 * matrix t at offset 9t), so paths of thousands of frames live in one typed array.
 * Every matrix is normalised by its [2][2] entry before use (the metric spec's rule).
 */
import { hypot3 } from './hypot.js';

/** Why a matrix cannot be used, or null when it can. Checked on the raw 9 values. */
export function homographyProblem(m: ArrayLike<number>, at = 0): string | null {
  for (let i = 0; i < 9; i++) if (!Number.isFinite(m[at + i]!)) return `h${(i / 3) | 0}${i % 3} is not a finite number`;
  const h22 = m[at + 8]!;
  if (h22 === 0) return 'h22 is 0, so the matrix cannot be normalised';
  const d = det3(m, at) / (h22 * h22 * h22);
  // Singular: |det| of the normalised matrix at most 1e-12 of Hadamard's bound (the product of
  // its row norms), a scale-free test that a pixel translation of thousands does not trip.
  const r0 = hypot3(m[at]!, m[at + 1]!, m[at + 2]!) / Math.abs(h22);
  const r1 = hypot3(m[at + 3]!, m[at + 4]!, m[at + 5]!) / Math.abs(h22);
  const r2 = hypot3(m[at + 6]!, m[at + 7]!, m[at + 8]!) / Math.abs(h22);
  if (!Number.isFinite(d) || Math.abs(d) <= 1e-12 * r0 * r1 * r2) return 'the matrix is singular (determinant 0)';
  return null;
}

export function det3(m: ArrayLike<number>, at = 0): number {
  const a = m[at]!, b = m[at + 1]!, c = m[at + 2]!;
  const d = m[at + 3]!, e = m[at + 4]!, f = m[at + 5]!;
  const g = m[at + 6]!, h = m[at + 7]!, i = m[at + 8]!;
  return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
}

/** Divides the 9 entries at `at` by the [2][2] entry, in place (numpy `m / m[2, 2]`). */
export function normaliseInPlace(m: Float64Array, at = 0): void {
  const s = m[at + 8]!;
  for (let i = 0; i < 9; i++) m[at + i] = m[at + i]! / s;
}

/** out[oo..] = a[ao..] x b[bo..]; `out` must not overlap the inputs. */
export function multiply3(out: Float64Array, oo: number, a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number): void {
  for (let r = 0; r < 3; r++) {
    const a0 = a[ao + 3 * r]!, a1 = a[ao + 3 * r + 1]!, a2 = a[ao + 3 * r + 2]!;
    for (let c = 0; c < 3; c++) out[oo + 3 * r + c] = a0 * b[bo + c]! + a1 * b[bo + 3 + c]! + a2 * b[bo + 6 + c]!;
  }
}

/**
 * The adjugate (transposed cofactor matrix): det(m) * inverse(m). Enough wherever the result
 * is normalised afterwards, and exact where the inverse would divide.
 */
export function adjugate3(out: Float64Array, oo: number, m: ArrayLike<number>, at = 0): void {
  const a = m[at]!, b = m[at + 1]!, c = m[at + 2]!;
  const d = m[at + 3]!, e = m[at + 4]!, f = m[at + 5]!;
  const g = m[at + 6]!, h = m[at + 7]!, i = m[at + 8]!;
  out[oo] = e * i - f * h;
  out[oo + 1] = c * h - b * i;
  out[oo + 2] = b * f - c * e;
  out[oo + 3] = f * g - d * i;
  out[oo + 4] = a * i - c * g;
  out[oo + 5] = c * d - a * f;
  out[oo + 6] = d * h - e * g;
  out[oo + 7] = b * g - a * h;
  out[oo + 8] = a * e - b * d;
}

/** Inverse of a 3x3 matrix (adjugate / determinant). */
export function invert3(out: Float64Array, oo: number, m: ArrayLike<number>, at = 0): void {
  adjugate3(out, oo, m, at);
  const d = det3(m, at);
  for (let i = 0; i < 9; i++) out[oo + i] = out[oo + i]! / d;
}

export const IDENTITY3: readonly number[] = [1, 0, 0, 0, 1, 0, 0, 0, 1];
