/**
 * The separation evaluator (Looking to Listen, wsj0-2mix practice): BSS Eval v3 SDR / SIR / SAR
 * (mir_eval 0.7 `bss_eval_sources`), SI-SDR (Le Roux et al. 2019), and the improvement of each
 * over the unprocessed mixture, per mixture and as means over all sources of all mixtures.
 *
 * `scoreMixture` does the signal processing for one mixture; the evaluator only accumulates
 * per-mixture results, so states from worker threads (or machines) merge exactly and the
 * bootstrap resamples mixtures without recomputing anything.
 */
import { bestPermutation, bssEvalSources } from './bss-eval.js';
import type { Evaluator, MetricInfo, Scores } from './evaluator.js';
import { siSdrMatrix } from './si-sdr.js';

export const SEPARATION_VERSION = 'separation-1 (bss_eval_sources v3 as mir_eval 0.7; si-sdr zero-mean)';

export const SEPARATION_METRICS: readonly MetricInfo[] = [
  { name: 'sdr', higherIsBetter: true, description: 'Signal to distortion ratio in dB, BSS Eval v3 (mir_eval bss_eval_sources, 512-tap filters), mean over all sources' },
  { name: 'sir', higherIsBetter: true, description: 'Signal to interference ratio in dB, BSS Eval v3, mean over all sources' },
  { name: 'sar', higherIsBetter: true, description: 'Signal to artifacts ratio in dB, BSS Eval v3, mean over all sources' },
  { name: 'si_sdr', higherIsBetter: true, description: 'Scale-invariant SDR in dB (zero-mean, Le Roux et al. 2019), best permutation, mean over all sources' },
  { name: 'sdri', higherIsBetter: true, description: 'SDR improvement in dB: SDR of the estimate minus SDR of the mixture taken as the estimate' },
  { name: 'si_sdri', higherIsBetter: true, description: 'SI-SDR improvement in dB: SI-SDR of the estimate minus SI-SDR of the mixture' },
];

export const SEPARATION_METRIC_NAMES = ['sdr', 'sir', 'sar', 'si_sdr', 'sdri', 'si_sdri'] as const;
export type SeparationMetric = (typeof SEPARATION_METRIC_NAMES)[number];

/** One mixture's scores, per reference source j (estimate perm[j] for BSS Eval, si_sdr_perm[j] for SI-SDR). */
export interface MixtureScores {
  id: string;
  sdr: (number | null)[];
  sir: (number | null)[];
  sar: (number | null)[];
  /** perm[j] = estimate index (0-based) matched to reference j, maximising mean SIR (mir_eval). */
  perm: number[] | null;
  si_sdr: (number | null)[];
  /** Estimate matched to each reference for SI-SDR, maximising mean SI-SDR. */
  si_sdr_perm: number[];
  sdri: (number | null)[];
  si_sdri: (number | null)[];
  /** What made a value null, when one is. */
  notes?: string[];
}

/**
 * Scores one mixture. `references`, `estimates` (same count) and `mixture` have one length.
 * Never throws on numerics: an undefined value is null, with the reason in `notes`.
 */
export function scoreMixture(id: string, references: readonly Float64Array[], estimates: readonly Float64Array[], mixture: Float64Array): MixtureScores {
  const p = references.length;
  const notes: string[] = [];
  const nulls = () => new Array<number | null>(p).fill(null);
  let sdr = nulls(), sir = nulls(), sar = nulls(), sdri = nulls();
  let perm: number[] | null = null;
  const bss = bssEvalSources(references, estimates, [mixture]);
  if (bss.ok) {
    perm = bss.perm;
    sdr = finite(bss.sdr, 'SDR', notes);
    sir = finite(bss.sir, 'SIR', notes);
    sar = finite(bss.sar, 'SAR', notes);
    const mixSdr = finite(bss.extraSdr[0]!, 'SDR of the mixture', notes);
    sdri = sdr.map((v, j) => (v === null || mixSdr[j] === null ? null : v - mixSdr[j]!));
  } else {
    notes.push(`SDR, SIR, SAR: ${bss.reason}`);
  }

  const matrix = siSdrMatrix(estimates, references);
  const siPerm = bestPermutation(matrix);
  const si = finite(siPerm.map((e, j) => matrix[e]![j]!), 'SI-SDR', notes);
  const mixSi = finite(siSdrMatrix([mixture], references)[0]!, 'SI-SDR of the mixture', notes);
  const siI = si.map((v, j) => (v === null || mixSi[j] === null ? null : v - mixSi[j]!));

  const out: MixtureScores = { id, sdr, sir, sar, perm, si_sdr: si, si_sdr_perm: siPerm, sdri, si_sdri: siI };
  if (notes.length > 0) out.notes = notes;
  return out;
}

/** Replaces non-finite values by null and says why. */
function finite(values: number[], what: string, notes: string[]): (number | null)[] {
  return values.map((v, j) => {
    if (Number.isFinite(v)) return v;
    notes.push(
      v === Infinity
        ? `${what} of source ${j + 1} is unbounded: the error energy is zero to working precision (above 120 dB)`
        : `${what} of source ${j + 1} is undefined: the error energy came out clearly negative (numerically ill-conditioned signals)`,
    );
    return null;
  });
}

export interface SeparationState {
  mixtures: MixtureScores[];
}

/** Means over all non-null values of all sources of all mixtures (null when there is none). */
export function separationScores(mixtures: readonly MixtureScores[]): Scores {
  const scores: Scores = {};
  for (const name of SEPARATION_METRIC_NAMES) {
    let sum = 0;
    let count = 0;
    for (const m of mixtures) {
      for (const v of m[name]) {
        if (v !== null) {
          sum += v;
          count++;
        }
      }
    }
    scores[name] = count > 0 ? sum / count : null;
  }
  return scores;
}

export const separationEvaluator: Evaluator<SeparationState, MixtureScores> = {
  version: SEPARATION_VERSION,
  metrics: SEPARATION_METRICS,
  create: () => ({ mixtures: [] }),
  add(state, item) {
    state.mixtures.push(item);
  },
  merge: (states) => ({ mixtures: states.flatMap((s) => s.mixtures) }),
  finish: (state) => separationScores(state.mixtures),
};
