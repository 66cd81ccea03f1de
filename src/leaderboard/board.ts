/**
 * Leaderboards computed from the store: one row per team (its best submission), sorted by the
 * primary metric in its direction, ties broken by the earlier submission. Baseline rows are
 * placed by score but take no rank. A rank is marked `tied` when its bootstrap interval
 * overlaps the interval of the ranked entry above: the data cannot tell those two apart.
 *
 * The public board uses every scored submission; the private board (only shown after the
 * end) uses each team's final selections, or by default its best public submissions (as many
 * as `final_selections`), like Kaggle. Results are cached until the data changes.
 */
import type { Scores } from '../evaluators/evaluator.js';
import type { ChallengeRecord, Store } from './store.js';

export type BoardSplit = 'public' | 'private';

export interface BoardEntry {
  /** 1-based position among ranked (non-baseline) teams; null for baseline rows. */
  rank: number | null;
  /** The bootstrap interval overlaps the ranked entry above: not distinguishable from it. */
  tied: boolean;
  team: string;
  team_id: number;
  baseline: boolean;
  score: number;
  /** 95% bootstrap interval of the score, when the task provides resamplers. */
  ci: [number, number] | null;
  submission_id: number;
  submitted_at: string;
  /** Scored submissions of the team so far. */
  entries: number;
  metrics: Scores;
  evaluator_version: string;
  latency?: Record<string, unknown>;
  /** Private board only: the team's rank on the public board and how far it moved (+ = up). */
  public_rank?: number | null;
  rank_change?: number | null;
}

export interface Board {
  challenge: string;
  split: BoardSplit;
  primary_metric: string;
  higher_is_better: boolean;
  entries: BoardEntry[];
  /** Latency columns present on at least one row (baselines measured with `podium baseline`). */
  latency_columns: string[];
}

interface Row {
  id: number;
  team_id: number;
  team: string;
  created_at: number;
  selected: number;
  is_baseline: number;
  latency_json: string | null;
  split: string;
  primary_value: number | null;
  ci_low: number | null;
  ci_high: number | null;
  metrics_json: string;
  evaluator_version: string;
}

interface Candidate {
  id: number;
  team_id: number;
  team: string;
  created_at: number;
  selected: boolean;
  baseline: boolean;
  latency_json: string | null;
  public?: Row;
  private?: Row;
}

export const LATENCY_KEYS = ['p50_ms', 'p90_ms', 'p99_ms', 'offline_per_s', 'params', 'madds', 'backend', 'machine'] as const;

/** A point of the score-over-time chart. */
export interface HistoryPoint {
  t: number;
  score: number;
  team: string;
  baseline: boolean;
}

export class Boards {
  private cache = new Map<string, { key: string; value: unknown }>();

  constructor(private readonly store: Store) {}

  /** Changes whenever this process or another connection changed the database. */
  private dataKey(): string {
    return `${this.store.boardVersion}:${this.store.db.pragma('data_version', { simple: true })}`;
  }

  private cached<T>(name: string, compute: () => T): T {
    const key = this.dataKey();
    const hit = this.cache.get(name);
    if (hit && hit.key === key) return hit.value as T;
    const value = compute();
    this.cache.set(name, { key, value });
    return value;
  }

  /** True when the challenge's truth carries a private split (some submission was scored on it). */
  hasPrivateSplit(challengeId: string): boolean {
    return this.cached(`has-private:${challengeId}`, () => !!this.store.db
      .prepare(`SELECT 1 FROM scores sc JOIN submissions s ON s.id = sc.submission_id
                WHERE s.challenge_id = ? AND sc.split = 'private' AND sc.current = 1 LIMIT 1`)
      .get(challengeId));
  }

  board(challenge: ChallengeRecord, split: BoardSplit): Board {
    return this.cached(`board:${challenge.id}:${split}`, () => this.compute(challenge, split));
  }

  private candidates(challenge: ChallengeRecord): Candidate[] {
    const rows = this.store.db
      .prepare(`SELECT s.id, s.team_id, t.name AS team, s.created_at, s.selected, s.is_baseline, s.latency_json,
                  sc.split, sc.primary_value, sc.ci_low, sc.ci_high, sc.metrics_json, sc.evaluator_version
                FROM submissions s JOIN teams t ON t.id = s.team_id
                JOIN scores sc ON sc.submission_id = s.id AND sc.current = 1
                WHERE s.challenge_id = ? AND s.status = 'scored' AND s.disqualified = 0 AND t.disqualified = 0
                ORDER BY s.id`)
      .all(challenge.id) as Row[];
    const bySubmission = new Map<number, Candidate>();
    const hasPublic = rows.some((r) => r.split === 'public');
    for (const r of rows) {
      let c = bySubmission.get(r.id);
      if (!c) {
        c = { id: r.id, team_id: r.team_id, team: r.team, created_at: r.created_at, selected: r.selected === 1,
          baseline: r.is_baseline === 1, latency_json: r.latency_json };
        bySubmission.set(r.id, c);
      }
      // Without usage marks every truth item is public: the 'all' split is the public board.
      if (r.split === 'public' || (r.split === 'all' && !hasPublic)) c.public = r;
      else if (r.split === 'private') c.private = r;
    }
    return [...bySubmission.values()];
  }

  private compute(challenge: ChallengeRecord, split: BoardSplit): Board {
    const better = (a: number, b: number) => (challenge.higher_is_better ? a > b : a < b);
    /** Strict order: better score first, then the earlier submission. */
    const order = (a: { value: number; created_at: number; id: number }, b: { value: number; created_at: number; id: number }) =>
      a.value !== b.value ? (better(a.value, b.value) ? -1 : 1) : a.created_at - b.created_at || a.id - b.id;

    const all = this.candidates(challenge);
    const byTeam = new Map<number, Candidate[]>();
    for (const c of all) {
      if (!byTeam.has(c.team_id)) byTeam.set(c.team_id, []);
      byTeam.get(c.team_id)!.push(c);
    }
    const valueOf = (row: Row | undefined) => (row && row.primary_value !== null ? row.primary_value : undefined);

    const picks: { c: Candidate; row: Row; value: number; created_at: number; id: number; entries: number }[] = [];
    for (const subs of byTeam.values()) {
      const publicRanked = subs
        .filter((c) => valueOf(c.public) !== undefined)
        .map((c) => ({ c, value: valueOf(c.public)!, created_at: c.created_at, id: c.id }))
        .sort(order);
      let pool: Candidate[];
      if (split === 'public') pool = publicRanked.map((p) => p.c);
      else {
        const selected = subs.filter((c) => c.selected);
        pool = selected.length ? selected : publicRanked.slice(0, challenge.limits.final_selections).map((p) => p.c);
      }
      const ranked = pool
        .map((c) => ({ c, row: split === 'public' ? c.public : c.private }))
        .filter((x): x is { c: Candidate; row: Row } => valueOf(x.row) !== undefined)
        .map((x) => ({ ...x, value: x.row.primary_value!, created_at: x.c.created_at, id: x.c.id, entries: subs.length }))
        .sort(order);
      if (ranked[0]) picks.push(ranked[0]);
    }
    picks.sort(order);

    const entries: BoardEntry[] = [];
    const latencyColumns = new Set<string>();
    let rank = 0;
    let above: BoardEntry | undefined;
    for (const p of picks) {
      const ci: [number, number] | null = p.row.ci_low !== null && p.row.ci_high !== null ? [p.row.ci_low, p.row.ci_high] : null;
      const latency = p.c.latency_json ? (JSON.parse(p.c.latency_json) as Record<string, unknown>) : undefined;
      if (latency) for (const k of LATENCY_KEYS) if (latency[k] !== undefined && latency[k] !== null) latencyColumns.add(k);
      const entry: BoardEntry = {
        rank: p.c.baseline ? null : ++rank,
        tied: false,
        team: p.c.team,
        team_id: p.c.team_id,
        baseline: p.c.baseline,
        score: p.value,
        ci,
        submission_id: p.c.id,
        submitted_at: new Date(p.c.created_at).toISOString(),
        entries: p.entries,
        metrics: JSON.parse(p.row.metrics_json) as Scores,
        evaluator_version: p.row.evaluator_version,
        ...(latency ? { latency } : {}),
      };
      if (!p.c.baseline) {
        if (above?.ci && ci && ci[0] <= above.ci[1] && ci[1] >= above.ci[0]) entry.tied = true;
        above = entry;
      }
      entries.push(entry);
    }
    if (split === 'private') {
      const publicRanks = new Map(this.board(challenge, 'public').entries.map((e) => [e.team_id, e.rank]));
      for (const e of entries) {
        const pr = publicRanks.get(e.team_id) ?? null;
        e.public_rank = pr;
        e.rank_change = pr !== null && e.rank !== null ? pr - e.rank : null;
      }
    }
    return {
      challenge: challenge.id, split, primary_metric: challenge.primary_metric, higher_is_better: challenge.higher_is_better,
      entries, latency_columns: LATENCY_KEYS.filter((k) => latencyColumns.has(k)),
    };
  }

  /** Public scores over time for the chart (private scores never leave through here). */
  history(challenge: ChallengeRecord): HistoryPoint[] {
    return this.cached(`history:${challenge.id}`, () => this.candidates(challenge)
      .filter((c) => c.public && c.public.primary_value !== null)
      .map((c) => ({ t: c.created_at, score: c.public!.primary_value!, team: c.team, baseline: c.baseline }))
      .sort((a, b) => a.t - b.t));
  }
}
