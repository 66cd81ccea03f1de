/**
 * BSS Eval v3 source criteria (SDR, SIR, SAR), equal to mir_eval 0.7
 * `mir_eval.separation.bss_eval_sources`.
 *
 * Reference: E. Vincent, R. Gribonval, C. Fevotte, "Performance measurement in blind audio
 * source separation", IEEE TASLP 14(4):1462-1469, 2006 (Section III.B, time-invariant
 * filters of 512 taps), and mir_eval's `_bss_decomp_mtifilt`, `_project`, `_bss_source_crit`.
 *
 * For an estimate e, references r_1..r_p of N samples and a target j, BSS Eval splits e into
 *   s_filt  = P_j e          (projection on the 512 delays of r_j),
 *   e_interf = P e - P_j e   (P: projection on the delays of all references),
 *   e_artif  = e - P e,
 * and reports SDR = 10 log10(|s_filt|^2 / |e_interf + e_artif|^2),
 *             SIR = 10 log10(|s_filt|^2 / |e_interf|^2),
 *             SAR = 10 log10(|s_filt + e_interf|^2 / |e_artif|^2).
 * Because the projections are orthogonal, every energy follows from three numbers:
 *   |e|^2,  |P_j e|^2 = d_j^T G_jj^-1 d_j,  |P e|^2 = d^T G^-1 d,
 * where d holds the inner products of e with the delayed references and G the Gram matrix of
 * the delayed references (mir_eval's D and G). The references are zero-padded, so G is
 * exactly block Toeplitz (blocks T(m)[i][j] = sum_n r_i[n + m] r_j[n]) and G_jj Toeplitz:
 * both are solved by Levinson recursions (block-toeplitz.ts) instead of a dense LU, once per
 * mixture for all estimates (and the mixture itself, for SDR improvement) together.
 *
 * mir_eval runs this for every (estimate, reference) pair and keeps the permutation with the
 * largest mean SIR, the first best in itertools.permutations order.
 */
import { quadraticForms, refinedQuadraticForms, type BlockToeplitz, type QuadraticForms } from './block-toeplitz.js';
import { referenceCorrelations } from './correlation.js';

/** mir_eval's filter length (taps of the allowed time-invariant distortion). */
export const BSS_FILTER_LENGTH = 512;

/** The energies of one signal against one set of references. */
export interface ProjectionEnergies {
  /** |e|^2 */
  energy: number;
  /** |P e|^2, projection on the delays of all references. */
  all: number;
  /** |P_j e|^2 for each reference j. */
  single: number[];
}

export type EnergiesResult =
  | { ok: true; signals: ProjectionEnergies[] }
  | { ok: false; reason: string };

/**
 * Projection energies of each signal against the references (all of one length).
 * Fails (ok: false, with the reason) when a Gram matrix is not numerically positive definite,
 * e.g. references that are linearly dependent over 512-sample delays.
 */
export function projectionEnergies(
  references: readonly Float64Array[],
  signals: readonly Float64Array[],
  filterLength = BSS_FILTER_LENGTH,
): EnergiesResult {
  const p = references.length;
  const length = references[0]!.length;
  const lags = filterLength;
  // T(m)[i][j] = sum_n r_i[n + m] r_j[n] (T(-m) = T(m)^T); d[a*p + i] = sum_n e[n + a] r_i[n]
  const { blocks, rhs } = referenceCorrelations(references, signals, lags);
  const pp = p * p;

  const full = accurateForms({ p, n: lags, blocks }, rhs);
  if (!full.ok) return { ok: false, reason: singularReason(p > 1 ? 'references' : 'reference', full.order) };
  const out: ProjectionEnergies[] = signals.map((e, s) => ({ energy: sumOfSquares(e), all: full.values[s]!, single: [] }));
  for (let j = 0; j < p; j++) {
    if (p === 1) {
      for (const o of out) o.single.push(o.all);
      break;
    }
    const t = new Float64Array(lags);
    for (let m = 0; m < lags; m++) t[m] = blocks[m * pp + j * p + j]!;
    const dj = rhs.map((d) => {
      const v = new Float64Array(lags);
      for (let a = 0; a < lags; a++) v[a] = d[a * p + j]!;
      return v;
    });
    const single = accurateForms({ p: 1, n: lags, blocks: t }, dj);
    if (!single.ok) return { ok: false, reason: singularReason(`reference ${j + 1}`, single.order) };
    out.forEach((o, s) => o.single.push(single.values[s]!));
  }
  return { ok: true, signals: out };
}

/**
 * Condition number (lower bound) above which the forms are recomputed with iterative refinement,
 * which costs O(p^2 n^2) compensated products a signal. Speech mixtures stay far below it (the
 * bench's bounds: 4.6e4 to 2.5e5); mir_eval's published case 08 (3 sources, bound 3.2e9, condition
 * number ~2e12) loses 5e-10 of |P e|^2 without refinement, 1e-7 dB of SIR (mir_eval: 3.5e-9 dB),
 * and keeps ~3e-15 with it (test/separation/refinement.test.ts).
 */
export const REFINE_ABOVE_CONDITION = 1e8;

/** y^T M^-1 y by the recursion, refined when M is ill-conditioned (block-toeplitz.ts). */
function accurateForms(m: BlockToeplitz, rhs: readonly Float64Array[]): QuadraticForms {
  const forms = quadraticForms(m, rhs);
  if (!forms.ok || !(forms.conditionBound > REFINE_ABOVE_CONDITION)) return forms;
  return refinedQuadraticForms(m, rhs);
}

function singularReason(what: string, order: number): string {
  return (
    `the correlation matrix of the delayed ${what} is singular to working precision ` +
    `(lost positive definiteness at order ${order}): the references are linearly dependent over ` +
    `${BSS_FILTER_LENGTH}-sample filters (silent stretches, identical or pure-tone references)`
  );
}

export interface SourceCriteria {
  sdr: number;
  sir: number;
  sar: number;
}

/**
 * mir_eval `_safe_db`: 10 log10(num / den), +Infinity when den is exactly 0.
 */
export function safeDb(num: number, den: number): number {
  if (den === 0) return Infinity;
  return 10 * Math.log10(num / den);
}

/**
 * Relative size below which an error energy computed as a difference of two energies is
 * rounding noise: ratios above 10 log10(1 / 1e-12) = 120 dB cannot be told apart from a
 * perfect estimate in float64 (mir_eval then prints 150 to 300 dB of noise, or NaN).
 */
export const ENERGY_RESOLUTION = 1e-12;

/**
 * 10 log10(num / (a - b)) where a - b is an error energy (a >= b mathematically). A difference
 * within rounding of zero gives +Infinity (perfect to working precision); a clearly negative
 * one (a numerical failure) gives NaN.
 */
export function dbOverDifference(num: number, a: number, b: number): number {
  const den = a - b;
  const scale = Math.max(Math.abs(a), Math.abs(b));
  if (den > ENERGY_RESOLUTION * scale) return safeDb(num, den);
  return den >= -1e3 * ENERGY_RESOLUTION * scale ? Infinity : NaN;
}

/** SDR, SIR, SAR of one signal for target reference j, from its projection energies. */
export function sourceCriteria(e: ProjectionEnergies, j: number): SourceCriteria {
  const pj = e.single[j]!;
  return {
    sdr: dbOverDifference(pj, e.energy, pj),
    sir: dbOverDifference(pj, e.all, pj),
    sar: dbOverDifference(e.all, e.energy, e.all),
  };
}

/** All permutations of 0..n-1 in itertools.permutations order (lexicographic). */
export function permutations(n: number): number[][] {
  const out: number[][] = [];
  const current: number[] = [];
  const used = new Array<boolean>(n).fill(false);
  const walk = () => {
    if (current.length === n) {
      out.push(current.slice());
      return;
    }
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      used[i] = true;
      current.push(i);
      walk();
      current.pop();
      used[i] = false;
    }
  };
  walk();
  return out;
}

/**
 * The permutation perm (estimate perm[j] for reference j) maximising mean_j score[perm[j]][j],
 * the first best in itertools.permutations order, as mir_eval's `np.argmax` picks it.
 * +Infinity (perfect to working precision) counts as the largest value; NaN (undefined)
 * never wins; all-NaN gives the identity.
 */
export function bestPermutation(score: readonly (readonly number[])[]): number[] {
  const n = score.length;
  let best: number[] | undefined;
  let bestMean = -Infinity;
  for (const perm of permutations(n)) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += score[perm[j]!]![j]!;
    const mean = sum / n;
    if (best === undefined || mean > bestMean) {
      if (Number.isNaN(mean)) {
        if (best === undefined) best = perm;
        continue;
      }
      best = perm;
      bestMean = mean;
    }
  }
  return best ?? [];
}

export interface BssEvalResult {
  /** Per reference j (estimate perm[j]). */
  sdr: number[];
  sir: number[];
  sar: number[];
  perm: number[];
  /** SDR of each extra signal (e.g. the mixture) as the estimate of each reference, no permutation. */
  extraSdr: number[][];
}

export type BssEval = ({ ok: true } & BssEvalResult) | { ok: false; reason: string };

/**
 * mir_eval `bss_eval_sources(references, estimates)` (with the permutation search), plus the
 * SDR of each `extra` signal taken as the estimate of every reference (for SDR improvement:
 * mir_eval `bss_eval_sources(references, [mix] * p, compute_permutation=False)`).
 */
export function bssEvalSources(
  references: readonly Float64Array[],
  estimates: readonly Float64Array[],
  extra: readonly Float64Array[] = [],
): BssEval {
  const p = references.length;
  if (estimates.length !== p) throw new RangeError(`${estimates.length} estimates for ${p} references`);
  const energies = projectionEnergies(references, [...estimates, ...extra]);
  if (!energies.ok) return energies;
  const criteria = estimates.map((_, jest) => references.map((_, jtrue) => sourceCriteria(energies.signals[jest]!, jtrue)));
  const perm = bestPermutation(criteria.map((row) => row.map((c) => c.sir)));
  const pick = (key: keyof SourceCriteria) => perm.map((jest, j) => criteria[jest]![j]![key]);
  return {
    ok: true,
    sdr: pick('sdr'),
    sir: pick('sir'),
    sar: pick('sar'),
    perm,
    extraSdr: extra.map((_, x) => references.map((_, j) => sourceCriteria(energies.signals[p + x]!, j).sdr)),
  };
}

function sumOfSquares(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return s;
}
