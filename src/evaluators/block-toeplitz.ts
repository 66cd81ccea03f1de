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
 * Since M is symmetric, F_k[0]^T eb = ef^T B_k[k-1] (both sides equal [F_k; 0]^T M_{k+1} [0; B_k]);
 * the p = 2 loop (quadraticForms) uses that instead of a second inner-product loop.
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

export type QuadraticForms =
  | {
      ok: true;
      values: number[];
      /**
       * A lower bound on the 1-norm condition number ||M||_1 ||M^-1||_1, free from the
       * recursion: the largest 1-norm of a column of M's first block column times that of
       * M^-1's first and last block columns (F_n and B_n). NaN when not computed.
       */
      conditionBound: number;
    }
  | { ok: false; /** Leading block order at which positive definiteness was lost. */ order: number };

/**
 * y^T M^-1 y for every y in `rhs`, without forming the solutions: with S_k the Schur
 * complement of M_k in M_{k+1} (S_k^-1 = B_{k+1}[k]) and u_k = B_{k+1}^T y_{0..k},
 *   y^T M^-1 y = sum_k u_k^T S_k u_k,
 * a sum of non-negative terms (no cancellation), at half the per-right-hand-side cost of
 * solving. Loops written out for p = 1 and p = 2; a general one for other sizes.
 */
export function quadraticForms(m: BlockToeplitz, rhs: readonly Float64Array[]): QuadraticForms {
  if (m.p === 1) return scalarForms(m, rhs);
  if (m.p === 2) return pairForms(m, rhs);
  return blockForms(m, rhs);
}

/** Any block size p, with preallocated p x p work matrices (no allocation in the loops). */
function blockForms(m: BlockToeplitz, rhs: readonly Float64Array[]): QuadraticForms {
  const { p, n, blocks: t } = m;
  const pp = p * p;
  const q = rhs.length;
  const f = new Float64Array(n * pp);
  const bw = new Float64Array(n * pp);
  const y = interleave(rhs, n, p);
  const qp = q * p;
  const values = new Float64Array(q);
  const u = new Float64Array(qp);
  const ef = new Float64Array(pp), eb = new Float64Array(pp), tmp = new Float64Array(pp);
  const a = new Float64Array(pp), c = new Float64Array(pp), ma = new Float64Array(pp), mc = new Float64Array(pp);
  const nf = new Float64Array(pp), nb = new Float64Array(pp), s = new Float64Array(pp);

  const t0inv = invert(t.subarray(0, pp), p);
  if (!t0inv || !isPositiveDefinite(t.subarray(0, pp), p)) return { ok: false, order: 1 };
  f.set(t0inv, 0);
  bw.set(t0inv, 0);
  for (let r = 0; r < q; r++) values[r] = formOf(t0inv, y, r * p, p);

  for (let k = 1; k < n; k++) {
    ef.fill(0);
    eb.fill(0);
    for (let b = 0; b < k; b++) {
      addTransposeProduct(t, (k - b) * pp, f, b * pp, p, ef); // ef += T(k-b)^T F[b]
      addProduct(t, (b + 1) * pp, bw, b * pp, p, eb); // eb += T(b+1) B[b]
    }
    identityMinusProduct(eb, ef, p, tmp);
    if (!invertInto(tmp, p, a)) return { ok: false, order: k + 1 };
    identityMinusProduct(ef, eb, p, tmp);
    if (!invertInto(tmp, p, c)) return { ok: false, order: k + 1 };
    multiply(ef, a, p, ma);
    multiply(eb, c, p, mc);
    for (let i = 0; i < pp; i++) {
      ma[i] = -ma[i]!;
      mc[i] = -mc[i]!;
    }
    u.fill(0);
    // Downwards, so B[b-1] is still the old one when B[b] is replaced. F[k] and B[-1] are 0.
    for (let b = k; b >= 0; b--) {
      const fo = b * pp;
      const bo = (b - 1) * pp;
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < p; j++) {
          let sf = 0;
          let sb = 0;
          for (let l = 0; l < p; l++) {
            const x = b < k ? f[fo + i * p + l]! : 0;
            const z = b > 0 ? bw[bo + i * p + l]! : 0;
            sf += x * a[l * p + j]! + z * ma[l * p + j]!;
            sb += x * mc[l * p + j]! + z * c[l * p + j]!;
          }
          nf[i * p + j] = sf;
          nb[i * p + j] = sb;
        }
      }
      f.set(nf, fo);
      bw.set(nb, fo);
      // u_r += B[b]^T y_r[b]
      const yo = b * qp;
      for (let r = 0; r < q; r++) {
        for (let j = 0; j < p; j++) {
          let sum = 0;
          for (let i = 0; i < p; i++) sum += nb[i * p + j]! * y[yo + r * p + i]!;
          u[r * p + j]! += sum;
        }
      }
    }
    // S^-1 = B[k] (symmetrised) must be positive definite; add u^T S u.
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) tmp[i * p + j] = 0.5 * (bw[k * pp + i * p + j]! + bw[k * pp + j * p + i]!);
    if (!isPositiveDefinite(tmp, p) || !invertInto(tmp, p, s)) return { ok: false, order: k + 1 };
    for (let r = 0; r < q; r++) values[r]! += formOf(s, u, r * p, p);
  }
  return { ok: true, values: Array.from(values), conditionBound: conditionLowerBound(t, f, bw, n, p) };
}

/**
 * max_j ||M e_j||_1 * max_j max(||F_n e_j||_1, ||B_n e_j||_1) <= ||M||_1 ||M^-1||_1, where the
 * columns are those of the first block column of M (blocks T(b)^T) and F_n, B_n the first and
 * last block columns of M^-1 (n blocks of p x p each, row-major).
 */
function conditionLowerBound(t: Float64Array, f: Float64Array, bw: Float64Array, n: number, p: number): number {
  const pp = p * p;
  let normM = 0;
  let normInverse = 0;
  for (let j = 0; j < p; j++) {
    let m = 0;
    let sf = 0;
    let sb = 0;
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < p; i++) {
        m += Math.abs(t[b * pp + j * p + i]!);
        sf += Math.abs(f[b * pp + i * p + j]!);
        sb += Math.abs(bw[b * pp + i * p + j]!);
      }
    }
    normM = Math.max(normM, m);
    normInverse = Math.max(normInverse, sf, sb);
  }
  return normM * normInverse;
}

/** v^T S v for the p-vector at v[o..o+p). */
function formOf(sm: Float64Array, v: Float64Array, o: number, p: number): number {
  let total = 0;
  for (let i = 0; i < p; i++) {
    let row = 0;
    for (let j = 0; j < p; j++) row += sm[i * p + j]! * v[o + j]!;
    total += v[o + i]! * row;
  }
  return total;
}

function scalarForms(m: BlockToeplitz, rhs: readonly Float64Array[]): QuadraticForms {
  const { n, blocks: t } = m;
  const q = rhs.length;
  const t0 = t[0]!;
  if (!(t0 > 0)) return { ok: false, order: 1 };
  const f = new Float64Array(n + 1);
  f[0] = 1 / t0;
  const values = new Float64Array(q);
  const u = new Float64Array(q);
  const y = interleave(rhs, n, 1);
  for (let r = 0; r < q; r++) values[r] = (y[r]! * y[r]!) / t0;
  for (let k = 1; k < n; k++) {
    let e = 0;
    for (let b = 0; b < k; b++) e += t[k - b]! * f[b]!;
    const d = 1 - e * e;
    if (!(d > 0)) return { ok: false, order: k + 1 };
    const a = 1 / d;
    u.fill(0);
    // F_{k+1}[b] = a (F_k[b] - e F_k[k-b]) (F_k[k] = 0); B_{k+1}[b] = F_{k+1}[k-b];
    // u = sum_b B_{k+1}[b] y[b] = sum_b F_{k+1}[k-b] y[b].
    for (let lo = 0, hi = k; lo <= hi; lo++, hi--) {
      const fl = f[lo]!;
      const fh = f[hi]!;
      const nl = a * (fl - e * fh);
      const nh = a * (fh - e * fl);
      f[lo] = nl;
      f[hi] = nh;
      const ol = lo * q;
      if (hi !== lo) {
        const oh = hi * q;
        for (let r = 0; r < q; r++) u[r]! += nh * y[ol + r]! + nl * y[oh + r]!;
      } else {
        for (let r = 0; r < q; r++) u[r]! += nl * y[ol + r]!;
      }
    }
    f[k + 1] = 0;
    const s = 1 / f[0]!; // Schur complement; f[0] > 0 since d > 0
    for (let r = 0; r < q; r++) values[r]! += u[r]! * u[r]! * s;
  }
  // B_n is F_n reversed: one column of the inverse.
  return { ok: true, values: Array.from(values), conditionBound: conditionLowerBound(t, f, f, n, 1) };
}

/** p = 2 with the 2 x 2 products written out; blocks stored row-major [00, 01, 10, 11]. */
function pairForms(m: BlockToeplitz, rhs: readonly Float64Array[]): QuadraticForms {
  const { n, blocks: t } = m;
  const q = rhs.length;
  const f = new Float64Array(4 * (n + 1));
  const bw = new Float64Array(4 * (n + 1));
  const u = new Float64Array(2 * q);
  const values = new Float64Array(q);
  const y = interleave(rhs, n, 2);
  const q2 = 2 * q;
  {
    const t00 = t[0]!, t01 = t[1]!, t10 = t[2]!, t11 = t[3]!;
    const det = t00 * t11 - t01 * t10;
    if (!(t00 > 0) || !(det > 0)) return { ok: false, order: 1 };
    const i00 = t11 / det, i01 = -t01 / det, i10 = -t10 / det, i11 = t00 / det;
    f[0] = bw[0] = i00;
    f[1] = bw[1] = i01;
    f[2] = bw[2] = i10;
    f[3] = bw[3] = i11;
    for (let r = 0; r < q; r++) {
      const y0 = y[2 * r]!, y1 = y[2 * r + 1]!;
      values[r] = y0 * (i00 * y0 + i01 * y1) + y1 * (i10 * y0 + i11 * y1);
    }
  }
  for (let k = 1; k < n; k++) {
    // ef = sum_b T(k-b)^T F[b], eb = sum_b T(b+1) B[b]
    let f00 = 0, f01 = 0, f10 = 0, f11 = 0;
    for (let b = 0; b < k; b++) {
      const to = 4 * (k - b);
      const t00 = t[to]!, t01 = t[to + 1]!, t10 = t[to + 2]!, t11 = t[to + 3]!;
      const fo = 4 * b;
      const x00 = f[fo]!, x01 = f[fo + 1]!, x10 = f[fo + 2]!, x11 = f[fo + 3]!;
      f00 += t00 * x00 + t10 * x10;
      f01 += t00 * x01 + t10 * x11;
      f10 += t01 * x00 + t11 * x10;
      f11 += t01 * x01 + t11 * x11;
    }
    // eb from the symmetry of M: F_k[0]^T eb = ef^T B_k[k-1] (both are [F_k; 0]^T M_{k+1} [0; B_k]),
    // which saves the second inner-product loop.
    let b00: number, b01: number, b10: number, b11: number;
    {
      const lo = 4 * (k - 1);
      const l00 = bw[lo]!, l01 = bw[lo + 1]!, l10 = bw[lo + 2]!, l11 = bw[lo + 3]!;
      // m = ef^T B_k[k-1]
      const m00 = f00 * l00 + f10 * l10, m01 = f00 * l01 + f10 * l11;
      const m10 = f01 * l00 + f11 * l10, m11 = f01 * l01 + f11 * l11;
      // eb = (F_k[0]^T)^-1 m, F_k[0]^T = [[g00, g10], [g01, g11]]
      const g00 = f[0]!, g01 = f[1]!, g10 = f[2]!, g11 = f[3]!;
      const gd = g00 * g11 - g01 * g10;
      const h00 = g11 / gd, h01 = -g10 / gd, h10 = -g01 / gd, h11 = g00 / gd;
      b00 = h00 * m00 + h01 * m10;
      b01 = h00 * m01 + h01 * m11;
      b10 = h10 * m00 + h11 * m10;
      b11 = h10 * m01 + h11 * m11;
    }
    // A = (I - eb ef)^-1, C = (I - ef eb)^-1
    const p00 = 1 - (b00 * f00 + b01 * f10), p01 = -(b00 * f01 + b01 * f11);
    const p10 = -(b10 * f00 + b11 * f10), p11 = 1 - (b10 * f01 + b11 * f11);
    const pd = p00 * p11 - p01 * p10;
    const c00_ = 1 - (f00 * b00 + f01 * b10), c01_ = -(f00 * b01 + f01 * b11);
    const c10_ = -(f10 * b00 + f11 * b10), c11_ = 1 - (f10 * b01 + f11 * b11);
    const cd = c00_ * c11_ - c01_ * c10_;
    if (!(pd > 0) || !(cd > 0)) return { ok: false, order: k + 1 };
    const a00 = p11 / pd, a01 = -p01 / pd, a10 = -p10 / pd, a11 = p00 / pd;
    const c00 = c11_ / cd, c01 = -c01_ / cd, c10 = -c10_ / cd, c11 = c00_ / cd;
    // mA = -ef A, mC = -eb C
    const ma00 = -(f00 * a00 + f01 * a10), ma01 = -(f00 * a01 + f01 * a11);
    const ma10 = -(f10 * a00 + f11 * a10), ma11 = -(f10 * a01 + f11 * a11);
    const mc00 = -(b00 * c00 + b01 * c10), mc01 = -(b00 * c01 + b01 * c11);
    const mc10 = -(b10 * c00 + b11 * c10), mc11 = -(b10 * c01 + b11 * c11);
    u.fill(0);
    // Downwards, so B[b-1] is still the old one when B[b] is replaced. F[k] and B[-1] are 0.
    for (let b = k; b >= 0; b--) {
      const fo = 4 * b;
      let x00 = 0, x01 = 0, x10 = 0, x11 = 0;
      if (b < k) {
        x00 = f[fo]!;
        x01 = f[fo + 1]!;
        x10 = f[fo + 2]!;
        x11 = f[fo + 3]!;
      }
      let y00 = 0, y01 = 0, y10 = 0, y11 = 0;
      if (b > 0) {
        y00 = bw[fo - 4]!;
        y01 = bw[fo - 3]!;
        y10 = bw[fo - 2]!;
        y11 = bw[fo - 1]!;
      }
      // F[b] = x A + y mA
      f[fo] = x00 * a00 + x01 * a10 + y00 * ma00 + y01 * ma10;
      f[fo + 1] = x00 * a01 + x01 * a11 + y00 * ma01 + y01 * ma11;
      f[fo + 2] = x10 * a00 + x11 * a10 + y10 * ma00 + y11 * ma10;
      f[fo + 3] = x10 * a01 + x11 * a11 + y10 * ma01 + y11 * ma11;
      // B[b] = x mC + y C
      const n00 = x00 * mc00 + x01 * mc10 + y00 * c00 + y01 * c10;
      const n01 = x00 * mc01 + x01 * mc11 + y00 * c01 + y01 * c11;
      const n10 = x10 * mc00 + x11 * mc10 + y10 * c00 + y11 * c10;
      const n11 = x10 * mc01 + x11 * mc11 + y10 * c01 + y11 * c11;
      bw[fo] = n00;
      bw[fo + 1] = n01;
      bw[fo + 2] = n10;
      bw[fo + 3] = n11;
      // u += B[b]^T y[b]
      const yo = q2 * b;
      for (let r = 0; r < q2; r += 2) {
        const v0 = y[yo + r]!, v1 = y[yo + r + 1]!;
        u[r]! += n00 * v0 + n10 * v1;
        u[r + 1]! += n01 * v0 + n11 * v1;
      }
    }
    // S^-1 = B[k]: check it is symmetric positive definite, then add u^T S u.
    const ko = 4 * k;
    const s00 = bw[ko]!, s01 = 0.5 * (bw[ko + 1]! + bw[ko + 2]!), s11 = bw[ko + 3]!;
    const sd = s00 * s11 - s01 * s01;
    if (!(s00 > 0) || !(sd > 0)) return { ok: false, order: k + 1 };
    // S = (S^-1)^-1 for the symmetrised 2 x 2
    const i00 = s11 / sd, i01 = -s01 / sd, i11 = s00 / sd;
    for (let r = 0; r < q; r++) {
      const u0 = u[2 * r]!, u1 = u[2 * r + 1]!;
      values[r]! += u0 * (i00 * u0 + i01 * u1) + u1 * (i01 * u0 + i11 * u1);
    }
  }
  return { ok: true, values: Array.from(values), conditionBound: conditionLowerBound(t, f, bw, n, 2) };
}

/** Right-hand sides interleaved block by block, y[(b*q + r)*p + i] = rhs[r][b*p + i], for contiguous reads. */
function interleave(rhs: readonly Float64Array[], n: number, p: number): Float64Array {
  const q = rhs.length;
  const out = new Float64Array(n * q * p);
  for (let r = 0; r < q; r++) {
    const v = rhs[r]!;
    for (let b = 0; b < n; b++) for (let i = 0; i < p; i++) out[(b * q + r) * p + i] = v[b * p + i]!;
  }
  return out;
}

/**
 * y^T M^-1 y to nearly full precision for an ill-conditioned M, by one step of iterative
 * refinement: x = M^-1 y from the Levinson recursion, the residual r = y - M x in compensated
 * arithmetic (as if in twice the working precision), and
 *   y^T M^-1 y = y^T x + y^T M^-1 r ~= y^T x + x^T r   (= 2 y^T x - x^T M x),
 * whose error (x - x*)^T M (x - x*) is second order in the error of x (the refinement step
 * x + M^-1 r, Golub & Van Loan 3.5.3, without its second solve). O(p^2 n^2) a right-hand side
 * more than solving: for the rare systems `conditionBound` flags.
 */
export function refinedQuadraticForms(m: BlockToeplitz, rhs: readonly Float64Array[]): QuadraticForms {
  const solved = solveBlockToeplitz(m, rhs);
  if (!solved.ok) return solved;
  const values = rhs.map((y, r) => {
    const x = solved.solutions[r]!;
    const residual = residualOf(m, x, y);
    const sum = new CompensatedSum();
    for (let i = 0; i < y.length; i++) {
      sum.addProduct(y[i]!, x[i]!);
      sum.addProduct(x[i]!, residual[i]!);
    }
    return sum.value();
  });
  return { ok: true, values, conditionBound: NaN };
}

/** y - M x, each entry a compensated dot product (Ogita, Rump & Oishi 2005, Dot2). */
function residualOf(m: BlockToeplitz, x: Float64Array, y: Float64Array): Float64Array {
  const { p, n, blocks: t } = m;
  const pp = p * p;
  const out = new Float64Array(n * p);
  const sum = new CompensatedSum();
  for (let a = 0; a < n; a++) {
    for (let i = 0; i < p; i++) {
      sum.reset(y[a * p + i]!);
      // Row (a, i) of M: M[a][b][i][j] = T(b - a)[i][j], T(-l) = T(l)^T.
      for (let b = 0; b < n; b++) {
        const l = b - a;
        for (let j = 0; j < p; j++) {
          const v = l >= 0 ? t[l * pp + i * p + j]! : t[-l * pp + j * p + i]!;
          sum.addProduct(-v, x[b * p + j]!);
        }
      }
      out[a * p + i] = sum.value();
    }
  }
  return out;
}

/** Sum of products with the rounding errors carried (TwoSum, Knuth; TwoProduct, Dekker). */
class CompensatedSum {
  private s = 0;
  private c = 0;
  reset(start: number): void {
    this.s = start;
    this.c = 0;
  }
  addProduct(a: number, b: number): void {
    const prod = a * b;
    // Dekker's split of a and b into 26-bit halves: a*b = prod + err exactly.
    let z = 134217729 * a;
    const ah = z - (z - a);
    const al = a - ah;
    z = 134217729 * b;
    const bh = z - (z - b);
    const bl = b - bh;
    const err = ah * bh - prod + ah * bl + al * bh + al * bl;
    const s = this.s + prod;
    const bb = s - this.s;
    this.c += this.s - (s - bb) + (prod - bb) + err;
    this.s = s;
  }
  value(): number {
    return this.s + this.c;
  }
}
