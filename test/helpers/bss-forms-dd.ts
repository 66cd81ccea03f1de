/**
 * BSS Eval's projection energies recomputed in double-double (test oracle): |P e|^2 = d^T G^-1 d
 * and |P_j e|^2 = d_j^T G_jj^-1 d_j (see src/evaluators/bss-eval.ts for the notation).
 *
 * Exact inputs: for signals of 16-bit samples (k / 32768), every correlation is a sum of at most
 * N products k_1 k_2 2^-30 with |k_1 k_2| <= 2^30, so it is an integer multiple of 2^-30 below
 * 2^43 in magnitude: direct float64 sums are exact. G^-1 d is then solved by the block Levinson
 * recursion (Golub & Van Loan 4.7) in double-double; for G of condition number c the relative
 * error is about c * 1e-32, so for c up to ~1e14 these are the exact values to float64 rounding.
 * Slow (seconds for 3 references of 512 lags): a test oracle, not a scorer.
 */
import { add, dd, div, mul, neg, sub, type DD } from './double-double.js';

/** Whether every sample is k / 32768 for an integer k (a 16-bit PCM file read as floats). */
function is16Bit(x: Float64Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isInteger(x[i]! * 32768) || Math.abs(x[i]! * 32768) > 32768) return false;
  return true;
}

/** sum_n x[n + m] y[n], exactly (16-bit signals). */
function xcorr(x: Float64Array, y: Float64Array, m: number): number {
  let s = 0;
  for (let n = 0; n + m < x.length && n < y.length; n++) s += x[n + m]! * y[n]!;
  return s;
}

type Mat = DD[]; // p x p row-major

function matMul(a: Mat, b: Mat, p: number): Mat {
  const out: Mat = [];
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let s: DD = dd(0);
      for (let l = 0; l < p; l++) s = add(s, mul(a[i * p + l]!, b[l * p + j]!));
      out.push(s);
    }
  }
  return out;
}

const transpose = (a: Mat, p: number): Mat => a.map((_, k) => a[(k % p) * p + Math.floor(k / p)]!);
const matAdd = (a: Mat, b: Mat): Mat => a.map((v, k) => add(v, b[k]!));
const matNeg = (a: Mat): Mat => a.map(neg);
const zeros = (p: number): Mat => Array.from({ length: p * p }, () => dd(0));

/** Gauss-Jordan with partial pivoting in double-double. */
function inverse(a: Mat, p: number): Mat {
  const m = a.map((v) => v);
  const inv: Mat = zeros(p).map((v, k) => (Math.floor(k / p) === k % p ? dd(1) : v));
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(m[r * p + c]![0]) > Math.abs(m[piv * p + c]![0])) piv = r;
    for (let j = 0; j < p; j++) {
      [m[c * p + j], m[piv * p + j]] = [m[piv * p + j]!, m[c * p + j]!];
      [inv[c * p + j], inv[piv * p + j]] = [inv[piv * p + j]!, inv[c * p + j]!];
    }
    const d = m[c * p + c]!;
    for (let j = 0; j < p; j++) {
      m[c * p + j] = div(m[c * p + j]!, d);
      inv[c * p + j] = div(inv[c * p + j]!, d);
    }
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = m[r * p + c]!;
      for (let j = 0; j < p; j++) {
        m[r * p + j] = sub(m[r * p + j]!, mul(f, m[c * p + j]!));
        inv[r * p + j] = sub(inv[r * p + j]!, mul(f, inv[c * p + j]!));
      }
    }
  }
  return inv;
}

/**
 * y^T M^-1 y for each y, M the symmetric block Toeplitz matrix with M[a][b] = T(b - a),
 * T(-m) = T(m)^T (n blocks of p x p), by solving M x = y (block Levinson) in double-double.
 */
export function blockToeplitzFormsDD(t: Mat[], p: number, rhs: DD[][]): DD[] {
  const n = t.length;
  const tT = t.map((m) => transpose(m, p));
  const id: Mat = zeros(p).map((v, k) => (Math.floor(k / p) === k % p ? dd(1) : v));
  let f: Mat[] = [inverse(t[0]!, p)];
  let b: Mat[] = [f[0]!];
  const vec = (m: Mat, v: DD[]): DD[] => Array.from({ length: p }, (_, i) => v.reduce<DD>((s, vj, j) => add(s, mul(m[i * p + j]!, vj)), dd(0)));
  const xs = rhs.map((y) => [vec(f[0]!, y.slice(0, p))]);
  for (let k = 1; k < n; k++) {
    let ef = zeros(p);
    let eb = zeros(p);
    for (let q = 0; q < k; q++) {
      ef = matAdd(ef, matMul(tT[k - q]!, f[q]!, p));
      eb = matAdd(eb, matMul(t[q + 1]!, b[q]!, p));
    }
    const a = inverse(matAdd(id, matNeg(matMul(eb, ef, p))), p);
    const c = inverse(matAdd(id, matNeg(matMul(ef, eb, p))), p);
    const mEfA = matNeg(matMul(ef, a, p));
    const mEbC = matNeg(matMul(eb, c, p));
    const nf: Mat[] = [];
    const nb: Mat[] = [];
    for (let q = 0; q <= k; q++) {
      const fq = q < k ? f[q]! : zeros(p);
      const bq = q > 0 ? b[q - 1]! : zeros(p);
      nf.push(matAdd(matMul(fq, a, p), matMul(bq, mEfA, p)));
      nb.push(matAdd(matMul(fq, mEbC, p), matMul(bq, c, p)));
    }
    f = nf;
    b = nb;
    rhs.forEach((y, r) => {
      const x = xs[r]!;
      // g = y_k - sum_q T(k - q)^T x[q]; x_{k+1} = [x; 0] + B_{k+1} g
      const g = y.slice(k * p, k * p + p);
      for (let q = 0; q < k; q++) {
        const v = vec(tT[k - q]!, x[q]!);
        for (let i = 0; i < p; i++) g[i] = sub(g[i]!, v[i]!);
      }
      x.push(Array.from({ length: p }, () => dd(0)));
      for (let q = 0; q <= k; q++) {
        const v = vec(b[q]!, g);
        for (let i = 0; i < p; i++) x[q]![i] = add(x[q]![i]!, v[i]!);
      }
    });
  }
  return rhs.map((y, r) => {
    let s: DD = dd(0);
    xs[r]!.forEach((block, q) => block.forEach((v, i) => (s = add(s, mul(v, y[q * p + i]!)))));
    return s;
  });
}

export interface EnergiesDD {
  energy: DD;
  all: DD;
  single: DD[];
}

/** The projection energies of each signal against the references, in double-double. */
export function projectionEnergiesDD(references: readonly Float64Array[], signals: readonly Float64Array[], lags = 512): EnergiesDD[] {
  for (const x of [...references, ...signals]) if (!is16Bit(x)) throw new Error('projectionEnergiesDD needs 16-bit samples (exact correlations)');
  const p = references.length;
  const t: Mat[] = Array.from({ length: lags }, (_, m) => {
    const out: Mat = [];
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) out.push(dd(xcorr(references[i]!, references[j]!, m)));
    return out;
  });
  const rhs = signals.map((e) => {
    const y: DD[] = [];
    for (let a = 0; a < lags; a++) for (let i = 0; i < p; i++) y.push(dd(xcorr(e, references[i]!, a)));
    return y;
  });
  const all = blockToeplitzFormsDD(t, p, rhs);
  const single = references.map((_, j) =>
    blockToeplitzFormsDD(
      t.map((m) => [m[j * p + j]!]),
      1,
      rhs.map((y) => y.filter((_, k) => k % p === j)),
    ),
  );
  return signals.map((e, s) => ({
    energy: dd(e.reduce((acc, v) => acc + v * v, 0)),
    all: all[s]!,
    single: single.map((forms) => forms[s]!),
  }));
}
