/**
 * Solving symmetric positive definite block Toeplitz systems by the block Levinson recursion
 * (Whittle 1963; Wiggins & Robinson 1965), in O(p^3 n^2) instead of the O(p^3 n^3) of a dense
 * LU, for several right-hand sides at once.
 *
 * The matrix M has n x n blocks of size p x p, M[a][b] = T(b - a), with T(-m) = T(m)^T; only
 * T(0..n-1) is given. With p = 1 it is an ordinary symmetric Toeplitz matrix (Levinson 1947).
 *
 * Recursion (M_k = leading k x k blocks): forward and backward solutions F_k, B_k (k blocks of
 * p x p) with M_k F_k = [I; 0; ...; 0] and M_k B_k = [0; ...; 0; I]. Extending by one block,
 *   ef = sum_b T(k - b)^T F_k[b],  eb = sum_b T(b + 1) B_k[b],
 *   F_{k+1} = [F_k; 0] A + [0; B_k] (-ef A),   A = (I - eb ef)^-1,
 *   B_{k+1} = [F_k; 0] (-eb C) + [0; B_k] C,   C = (I - ef eb)^-1,
 * and a solution x_k of M_k x_k = y_{0..k-1} extends as
 *   x_{k+1} = [x_k; 0] + B_{k+1} (y_k - sum_b T(k - b)^T x_k[b]).
 * (Golub & Van Loan, Matrix Computations, 4th ed., 4.7 and its block generalisation.)
 *
 * F_k[0] is the leading block of M_k^-1, so it stays symmetric positive definite while M is;
 * when rounding makes it indefinite (or I - eb ef singular) the system is reported singular
 * instead of returning noise.
 */

export interface BlockToeplitz {
  /** Block size p. */
  readonly p: number;
  /** Number of blocks n along each side (the matrix is np x np). */
  readonly n: number;
  /** T(0..n-1), row-major p x p each: T(m)[i][j] at m*p*p + i*p + j. */
  readonly blocks: Float64Array;
}

export type ToeplitzSolution =
  | { ok: true; solutions: Float64Array[] }
  | { ok: false; /** Leading block order at which positive definiteness was lost. */ order: number };

/**
 * Solves M x = y for every y in `rhs` (each of length n*p, block-major: y[a*p + i]).
 * Returns the solutions, or `ok: false` when M is not numerically positive definite.
 */
export function solveBlockToeplitz(m: BlockToeplitz, rhs: readonly Float64Array[]): ToeplitzSolution {
  return m.p === 1 ? solveToeplitz(m, rhs) : solveBlocks(m, rhs);
}

/** Scalar symmetric Toeplitz (p = 1): B_k is F_k reversed, so only F is kept. */
function solveToeplitz(m: BlockToeplitz, rhs: readonly Float64Array[]): ToeplitzSolution {
  const { n, blocks: t } = m;
  const t0 = t[0]!;
  if (!(t0 > 0)) return { ok: false, order: 1 };
  const f = new Float64Array(n);
  f[0] = 1 / t0;
  const xs = rhs.map((y) => {
    const x = new Float64Array(n);
    x[0] = y[0]! / t0;
    return x;
  });
  for (let k = 1; k < n; k++) {
    // e = sum_b t[k - b] f[b]; by symmetry the backward error is the same e.
    let e = 0;
    for (let b = 0; b < k; b++) e += t[k - b]! * f[b]!;
    const d = 1 - e * e;
    if (!(d > 0)) return { ok: false, order: k + 1 };
    const a = 1 / d;
    // F_{k+1}[b] = a (F_k[b] - e F_k[k-1-b]) with F_k[k] = 0; B_{k+1}[b] = F_{k+1}[k-b].
    for (let lo = 0, hi = k; lo <= hi; lo++, hi--) {
      const fl = lo < k ? f[lo]! : 0;
      const fh = hi < k ? f[hi]! : 0;
      // new f[lo] uses old f[lo] and old B[lo-1] = old f[k-lo] = f[hi]
      f[lo] = a * (fl - e * fh);
      if (hi !== lo) f[hi] = a * (fh - e * fl);
    }
    for (let r = 0; r < xs.length; r++) {
      const x = xs[r]!;
      let theta = 0;
      for (let b = 0; b < k; b++) theta += t[k - b]! * x[b]!;
      const g = rhs[r]![k]! - theta;
      // B_{k+1}[b] = f[k - b]
      for (let b = 0; b <= k; b++) x[b]! += f[k - b]! * g;
    }
  }
  return { ok: true, solutions: xs };
}

/** General block size (Whittle-Wiggins-Robinson). */
function solveBlocks(m: BlockToeplitz, rhs: readonly Float64Array[]): ToeplitzSolution {
  const { p, n, blocks: t } = m;
  const pp = p * p;
  const f = new Float64Array(n * pp);
  const bw = new Float64Array(n * pp);
  const t0inv = invert(t.subarray(0, pp), p);
  if (!t0inv || !isPositiveDefinite(t.subarray(0, pp), p)) return { ok: false, order: 1 };
  f.set(t0inv, 0);
  bw.set(t0inv, 0);
  const ef = new Float64Array(pp);
  const eb = new Float64Array(pp);
  const tmp = new Float64Array(pp);
  const a = new Float64Array(pp);
  const c = new Float64Array(pp);
  const minusEfA = new Float64Array(pp);
  const minusEbC = new Float64Array(pp);
  const fb = new Float64Array(pp);
  const bb = new Float64Array(pp);
  const xs = rhs.map((y) => {
    const x = new Float64Array(n * p);
    multiplyVector(t0inv, y, 0, p, x, 0);
    return x;
  });
  const theta = new Float64Array(p);
  const g = new Float64Array(p);

  for (let k = 1; k < n; k++) {
    ef.fill(0);
    eb.fill(0);
    for (let b = 0; b < k; b++) {
      addTransposeProduct(t, (k - b) * pp, f, b * pp, p, ef); // ef += T(k-b)^T F[b]
      addProduct(t, (b + 1) * pp, bw, b * pp, p, eb); // eb += T(b+1) B[b]
    }
    // A = (I - eb ef)^-1, C = (I - ef eb)^-1
    identityMinusProduct(eb, ef, p, tmp);
    if (!invertInto(tmp, p, a)) return { ok: false, order: k + 1 };
    identityMinusProduct(ef, eb, p, tmp);
    if (!invertInto(tmp, p, c)) return { ok: false, order: k + 1 };
    multiply(ef, a, p, minusEfA);
    multiply(eb, c, p, minusEbC);
    for (let i = 0; i < pp; i++) {
      minusEfA[i] = -minusEfA[i]!;
      minusEbC[i] = -minusEbC[i]!;
    }
    // Walk b downwards so B[b-1] is still the old one when B[b] is replaced.
    for (let b = k; b >= 0; b--) {
      if (b < k) fb.set(f.subarray(b * pp, b * pp + pp));
      else fb.fill(0);
      if (b > 0) bb.set(bw.subarray((b - 1) * pp, b * pp));
      else bb.fill(0);
      // F[b] = fb A + bb (-ef A); B[b] = fb (-eb C) + bb C
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < p; j++) {
          let sf = 0;
          let sb = 0;
          for (let l = 0; l < p; l++) {
            const fil = fb[i * p + l]!;
            const bil = bb[i * p + l]!;
            sf += fil * a[l * p + j]! + bil * minusEfA[l * p + j]!;
            sb += fil * minusEbC[l * p + j]! + bil * c[l * p + j]!;
          }
          f[b * pp + i * p + j] = sf;
          bw[b * pp + i * p + j] = sb;
        }
      }
    }
    // F[0] is the leading block of M_{k+1}^-1: it must stay symmetric positive definite.
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) tmp[i * p + j] = 0.5 * (f[i * p + j]! + f[j * p + i]!);
    if (!isPositiveDefinite(tmp, p)) return { ok: false, order: k + 1 };
    for (let r = 0; r < xs.length; r++) {
      const x = xs[r]!;
      const y = rhs[r]!;
      theta.fill(0);
      for (let b = 0; b < k; b++) {
        // theta += T(k-b)^T x[b]
        const o = (k - b) * pp;
        for (let j = 0; j < p; j++) {
          let s = 0;
          for (let i = 0; i < p; i++) s += t[o + i * p + j]! * x[b * p + i]!;
          theta[j]! += s;
        }
      }
      for (let i = 0; i < p; i++) g[i] = y[k * p + i]! - theta[i]!;
      for (let b = 0; b <= k; b++) {
        for (let i = 0; i < p; i++) {
          let s = 0;
          for (let j = 0; j < p; j++) s += bw[b * pp + i * p + j]! * g[j]!;
          x[b * p + i]! += s;
        }
      }
    }
  }
  return { ok: true, solutions: xs };
}

function addTransposeProduct(t: Float64Array, to: number, f: Float64Array, fo: number, p: number, out: Float64Array): void {
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let l = 0; l < p; l++) s += t[to + l * p + i]! * f[fo + l * p + j]!;
      out[i * p + j]! += s;
    }
  }
}

function addProduct(t: Float64Array, to: number, b: Float64Array, bo: number, p: number, out: Float64Array): void {
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let l = 0; l < p; l++) s += t[to + i * p + l]! * b[bo + l * p + j]!;
      out[i * p + j]! += s;
    }
  }
}

function multiply(x: Float64Array, y: Float64Array, p: number, out: Float64Array): void {
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let l = 0; l < p; l++) s += x[i * p + l]! * y[l * p + j]!;
      out[i * p + j] = s;
    }
  }
}

function identityMinusProduct(x: Float64Array, y: Float64Array, p: number, out: Float64Array): void {
  multiply(x, y, p, out);
  for (let i = 0; i < p * p; i++) out[i] = -out[i]!;
  for (let i = 0; i < p; i++) out[i * p + i]! += 1;
}

function multiplyVector(mat: Float64Array, v: Float64Array, vo: number, p: number, out: Float64Array, oo: number): void {
  for (let i = 0; i < p; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += mat[i * p + j]! * v[vo + j]!;
    out[oo + i] = s;
  }
}

function invert(mat: Float64Array, p: number): Float64Array | undefined {
  const out = new Float64Array(p * p);
  return invertInto(mat, p, out) ? out : undefined;
}

/** Gauss-Jordan with partial pivoting on a small p x p matrix; false when singular. */
function invertInto(mat: Float64Array, p: number, out: Float64Array): boolean {
  const w = Float64Array.from(mat);
  out.fill(0);
  for (let i = 0; i < p; i++) out[i * p + i] = 1;
  for (let col = 0; col < p; col++) {
    let pivot = col;
    for (let r = col + 1; r < p; r++) if (Math.abs(w[r * p + col]!) > Math.abs(w[pivot * p + col]!)) pivot = r;
    const pv = w[pivot * p + col]!;
    if (!(Math.abs(pv) > 0) || !Number.isFinite(pv)) return false;
    if (pivot !== col) {
      for (let j = 0; j < p; j++) {
        let s = w[col * p + j]!;
        w[col * p + j] = w[pivot * p + j]!;
        w[pivot * p + j] = s;
        s = out[col * p + j]!;
        out[col * p + j] = out[pivot * p + j]!;
        out[pivot * p + j] = s;
      }
    }
    const inv = 1 / pv;
    for (let j = 0; j < p; j++) {
      w[col * p + j]! *= inv;
      out[col * p + j]! *= inv;
    }
    for (let r = 0; r < p; r++) {
      if (r === col) continue;
      const factor = w[r * p + col]!;
      if (factor === 0) continue;
      for (let j = 0; j < p; j++) {
        w[r * p + j]! -= factor * w[col * p + j]!;
        out[r * p + j]! -= factor * out[col * p + j]!;
      }
    }
  }
  return true;
}

/** Cholesky test of a symmetric p x p matrix. */
function isPositiveDefinite(mat: Float64Array, p: number): boolean {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = mat[i * p + j]!;
      for (let k = 0; k < j; k++) s -= l[i * p + k]! * l[j * p + k]!;
      if (i === j) {
        if (!(s > 0)) return false;
        l[i * p + i] = Math.sqrt(s);
      } else {
        l[i * p + j] = s / l[j * p + j]!;
      }
    }
  }
  return true;
}
