/**
 * Ranking rules for model entries, chosen per challenge (`model.ranking` in challenge.yaml):
 *
 * - `accuracy-gate` (MLPerf Inference): an entry qualifies when its accuracy is at least `gate`
 *   (0.99 by default) of the reference's; qualified entries rank by latency, fastest first;
 *   the others follow, unranked, by accuracy.
 * - `latency-budget` (OVIC, LPCV): an entry qualifies when its latency is within the budget,
 *   `budget_ms` milliseconds or `budget_x` times the reference's; qualified entries rank by
 *   accuracy; the others follow, unranked.
 * - `composite` (NTIRE efficient SR): `formula` over accuracy, latency and cost, higher better
 *   unless `higher_is_better: false`.
 *
 * "Accuracy" is the challenge's primary metric. For a metric where lower is better (an error
 * rate in [0, 1]) it enters the gate as 1 - error, so "99 % of the reference's accuracy" keeps
 * its MLPerf meaning. "Latency" is the SingleStream p90 (MLPerf's SingleStream headline); when
 * the job timed the reference alongside, the gate and budget use latency relative to it
 * (entry / reference, machine-independent) and `budget_x`; `budget_ms` uses raw milliseconds.
 */
import { parseFormula, type Formula } from './formula.js';

export type RankingRule =
  | { rule: 'accuracy-gate'; gate: number }
  | { rule: 'latency-budget'; budget_ms?: number; budget_x?: number }
  | { rule: 'composite'; formula: string; higher_is_better: boolean };

export const FORMULA_VARIABLES = ['accuracy', 'accuracy_ref', 'latency_ms', 'latency_ref_ms', 'relative', 'params', 'madds'] as const;

export function parseRankingRule(raw: unknown): RankingRule {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('must be a mapping with a rule');
  const r = raw as Record<string, unknown>;
  const num = (k: string, lo: number, hi = Infinity) => {
    const v = r[k];
    if (typeof v !== 'number' || !(v > lo) || v > hi) throw new Error(`${k} must be a number above ${lo}${hi < Infinity ? ` and at most ${hi}` : ''}`);
    return v;
  };
  const only = (keys: string[]) => {
    for (const k of Object.keys(r)) if (k !== 'rule' && !keys.includes(k)) throw new Error(`unknown setting ${k} for rule ${String(r.rule)}; expected ${keys.join(', ')}`);
  };
  switch (r.rule) {
    case 'accuracy-gate':
      only(['gate']);
      return { rule: 'accuracy-gate', gate: r.gate === undefined ? 0.99 : num('gate', 0, 1) };
    case 'latency-budget': {
      only(['budget_ms', 'budget_x']);
      const out: RankingRule = { rule: 'latency-budget' };
      if (r.budget_ms !== undefined) out.budget_ms = num('budget_ms', 0);
      if (r.budget_x !== undefined) out.budget_x = num('budget_x', 0);
      if (out.budget_ms === undefined && out.budget_x === undefined) throw new Error('latency-budget needs budget_ms or budget_x');
      if (out.budget_ms !== undefined && out.budget_x !== undefined) throw new Error('latency-budget takes budget_ms or budget_x, not both');
      return out;
    }
    case 'composite': {
      only(['formula', 'higher_is_better']);
      if (typeof r.formula !== 'string') throw new Error('composite needs a formula');
      parseFormula(r.formula, FORMULA_VARIABLES);
      if (r.higher_is_better !== undefined && typeof r.higher_is_better !== 'boolean') throw new Error('higher_is_better must be true or false');
      return { rule: 'composite', formula: r.formula, higher_is_better: r.higher_is_better !== false };
    }
    default:
      throw new Error(`rule must be accuracy-gate, latency-budget or composite (got ${JSON.stringify(r.rule)})`);
  }
}

/** One line for the board: what the rule is. */
export function describeRule(rule: RankingRule): string {
  switch (rule.rule) {
    case 'accuracy-gate':
      // The key is latencyOf below: the relative latency times the reference's p90 when timed in the same job.
      return `accuracy gate, then latency: entries reaching ${+(rule.gate * 100).toFixed(2)} % of the reference's accuracy rank by p90 latency (MLPerf), taken as the relative latency times the reference's p90 where both were timed in the same job`;
    case 'latency-budget':
      return rule.budget_ms !== undefined
        ? `best accuracy within a latency budget of ${rule.budget_ms} ms (p90)`
        : `best accuracy within a latency budget of ${rule.budget_x} x the reference's p90`;
    case 'composite':
      return `composite score ${rule.formula} (${rule.higher_is_better ? 'higher' : 'lower'} is better)`;
  }
}

export interface RankInput {
  id: string | number;
  /** Primary metric. */
  accuracy: number | null;
  /** SingleStream p90, ms. */
  latency_ms: number | null;
  /** Entry / reference latency measured in the same job, when the reference was timed. */
  relative?: number | null;
  params?: number;
  madds?: number;
}

export interface Ranked {
  id: string | number;
  /** 1-based among qualified entries; null when the entry does not qualify or lacks figures. */
  rank: number | null;
  qualified: boolean;
  /** The composite score (composite rule only). */
  score?: number | null;
  /** Why an entry does not qualify. */
  note?: string;
}

export interface Reference {
  accuracy: number | null;
  latency_ms: number | null;
}

/** Accuracy as "higher is better" for the gate: an error rate enters as 1 - error. */
function asAccuracy(v: number, higherIsBetter: boolean): number {
  return higherIsBetter ? v : 1 - v;
}

export function rankEntries(rule: RankingRule, entries: RankInput[], ref: Reference, higherIsBetter: boolean): Ranked[] {
  const better = (a: number, b: number) => (higherIsBetter ? b - a : a - b); // sort key for accuracy
  const latencyOf = (e: RankInput) => (e.relative ?? null) !== null && ref.latency_ms !== null ? e.relative! * ref.latency_ms : e.latency_ms;
  const qualified: { e: RankInput; key: number; score?: number }[] = [];
  const rest: Ranked[] = [];
  let formula: Formula | undefined;
  if (rule.rule === 'composite') formula = parseFormula(rule.formula, FORMULA_VARIABLES);
  for (const e of entries) {
    if (e.accuracy === null || e.latency_ms === null) {
      rest.push({ id: e.id, rank: null, qualified: false, note: 'no accuracy or latency figure' });
      continue;
    }
    if (rule.rule === 'accuracy-gate') {
      if (ref.accuracy === null) {
        rest.push({ id: e.id, rank: null, qualified: false, note: 'the reference has no accuracy yet' });
        continue;
      }
      const need = rule.gate * asAccuracy(ref.accuracy, higherIsBetter);
      if (asAccuracy(e.accuracy, higherIsBetter) + 1e-12 < need) {
        rest.push({ id: e.id, rank: null, qualified: false, note: `below the accuracy gate (${+(rule.gate * 100).toFixed(2)} % of the reference)` });
        continue;
      }
      qualified.push({ e, key: latencyOf(e)! }); // relative x the reference's ms when timed alongside
    } else if (rule.rule === 'latency-budget') {
      const over = rule.budget_x !== undefined
        ? (e.relative ?? (ref.latency_ms ? e.latency_ms / ref.latency_ms : null))
        : e.latency_ms;
      const budget = rule.budget_x ?? rule.budget_ms!;
      if (over === null || over > budget) {
        rest.push({ id: e.id, rank: null, qualified: false, note: over === null ? 'no reference latency to compare with' : 'over the latency budget' });
        continue;
      }
      qualified.push({ e, key: higherIsBetter ? -e.accuracy : e.accuracy });
    } else {
      const score = formula!.evaluate({
        accuracy: e.accuracy, accuracy_ref: ref.accuracy ?? NaN, latency_ms: e.latency_ms, latency_ref_ms: ref.latency_ms ?? NaN,
        relative: e.relative ?? (ref.latency_ms ? e.latency_ms / ref.latency_ms : NaN), params: e.params ?? NaN, madds: e.madds ?? NaN,
      });
      if (!Number.isFinite(score)) {
        rest.push({ id: e.id, rank: null, qualified: false, score: null, note: 'the formula is not finite for this entry' });
        continue;
      }
      qualified.push({ e, key: rule.higher_is_better ? -score : score, score });
    }
  }
  qualified.sort((a, b) => a.key - b.key);
  const out: Ranked[] = [];
  let rank = 0;
  qualified.forEach((q, i) => {
    if (i === 0 || q.key !== qualified[i - 1].key) rank = i + 1; // ties share a rank
    out.push({ id: q.e.id, rank, qualified: true, ...(q.score !== undefined ? { score: q.score } : {}) });
  });
  const acc = new Map(entries.map((e) => [e.id, e.accuracy]));
  rest.sort((a, b) => {
    const x = acc.get(a.id) ?? null;
    const y = acc.get(b.id) ?? null;
    if (x === null || y === null) return x === null ? (y === null ? 0 : 1) : -1;
    return better(x, y);
  });
  return [...out, ...rest];
}
