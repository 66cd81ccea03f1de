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
import { metricColumns, type MetricColumn } from './metric-columns.js';
import { publicSplitOf } from './picks.js';
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
  /** Score columns beside the headline (metric-columns.ts): per-label r for fluorescence. */
  metric_columns: MetricColumn[];
}

/** A team's pick for a board: its best submission under the board's rules. */
interface Pick {
  id: number;
  team_id: number;
  created_at: number;
  v: number;
  ci_low: number | null;
  ci_high: number | null;
  entries: number;
}

interface PickDetails {
  id: number;
  team: string;
  is_baseline: number;
  latency_json: string | null;
  metrics_json: string;
  evaluator_version: string;
}

/** The chart may lag the data by this much (it is re-read at most this often). */
export const HISTORY_MAX_AGE_MS = 5000;

export const LATENCY_KEYS = ['p50_ms', 'p90_ms', 'p99_ms', 'onnx_p50_ms', 'onnx_p90_ms', 'onnx_p99_ms', 'onnx_vs_tfjs', 'relative', 'offline_per_s', 'params', 'madds', 'backend', 'machine'] as const;

/** A point of the score-over-time chart. */
export interface HistoryPoint {
  t: number;
  score: number;
  team: string;
  baseline: boolean;
}

export class Boards {
  private cache = new Map<string, { key: string; value: unknown }>();
  private timed = new Map<string, { at: number; value: unknown }>();

  constructor(private readonly store: Store) {}

  /** Changes whenever this process or another connection changed the database. */
  private dataKey(): string {
    return `${this.store.boardVersion}:${this.store.db.pragma('data_version', { simple: true })}`;
  }

  /** Memoizes anything derived from the database (e.g. rendered HTML) until the data changes. */
  cached<T>(name: string, compute: () => T): T {
    const key = this.dataKey();
    const hit = this.cache.get(name);
    if (hit && hit.key === key) return hit.value as T;
    const value = compute();
    this.cache.set(name, { key, value });
    return value;
  }

  /**
   * Like `cached`, but a value younger than `maxAgeMs` is served even if the data changed: for
   * the score-over-time chart, which reads every submission and need not move on each score.
   */
  cachedFor<T>(maxAgeMs: number, name: string, compute: () => T): T {
    const hit = this.timed.get(name);
    const now = Date.now();
    if (hit && now - hit.at < maxAgeMs) return hit.value as T;
    const value = this.cached(name, compute);
    this.timed.set(name, { at: now, value });
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

  private publicSplit(challengeId: string): 'public' | 'all' {
    return this.cached(`public-split:${challengeId}`, () => publicSplitOf(this.store.db, challengeId));
  }

  /** The per-team picks (maintained by picks.ts), best first; ties go to the earlier submission. */
  private picks(challenge: ChallengeRecord, split: BoardSplit): Pick[] {
    const picks = this.store.db
      .prepare(`SELECT submission_id AS id, team_id, created_at, value AS v, ci_low, ci_high, entries
                FROM board_picks WHERE challenge_id = ? AND split = ?`)
      .all(challenge.id, split) as Pick[];
    const better = (a: number, b: number) => (challenge.higher_is_better ? a > b : a < b);
    return picks.sort((a, b) => (a.v !== b.v ? (better(a.v, b.v) ? -1 : 1) : a.created_at - b.created_at || a.id - b.id));
  }

  private compute(challenge: ChallengeRecord, split: BoardSplit): Board {
    const picks = this.picks(challenge, split);
    const db = this.store.db;
    const details = new Map(
      (db.prepare(`SELECT s.id, t.name AS team, s.is_baseline, s.latency_json, sc.metrics_json, sc.evaluator_version
                   FROM submissions s JOIN teams t ON t.id = s.team_id
                   JOIN scores sc ON sc.submission_id = s.id AND sc.current = 1 AND sc.split = ?
                   WHERE s.id IN (SELECT value FROM json_each(?))`)
        .all(split === 'public' ? this.publicSplit(challenge.id) : 'private', JSON.stringify(picks.map((p) => p.id))) as PickDetails[])
        .map((d) => [d.id, d]),
    );

    const entries: BoardEntry[] = [];
    const latencyColumns = new Set<string>();
    let rank = 0;
    let above: BoardEntry | undefined;
    for (const p of picks) {
      const d = details.get(p.id)!;
      const baseline = d.is_baseline === 1;
      const ci: [number, number] | null = p.ci_low !== null && p.ci_high !== null ? [p.ci_low, p.ci_high] : null;
      const latency = d.latency_json ? (JSON.parse(d.latency_json) as Record<string, unknown>) : undefined;
      if (latency) for (const k of LATENCY_KEYS) if (latency[k] !== undefined && latency[k] !== null) latencyColumns.add(k);
      const entry: BoardEntry = {
        rank: baseline ? null : ++rank,
        tied: false,
        team: d.team,
        team_id: p.team_id,
        baseline,
        score: p.v,
        ci,
        submission_id: p.id,
        submitted_at: new Date(p.created_at).toISOString(),
        entries: p.entries,
        metrics: JSON.parse(d.metrics_json) as Scores,
        evaluator_version: d.evaluator_version,
        ...(latency ? { latency } : {}),
      };
      if (!baseline) {
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
      metric_columns: metricColumns(challenge.task, challenge.options ?? {}, entries),
    };
  }

  /** Public scores over time for the chart (private scores never leave through here). */
  history(challenge: ChallengeRecord): HistoryPoint[] {
    return this.cachedFor(HISTORY_MAX_AGE_MS, `history:${challenge.id}`, () => (this.store.db
      .prepare(`SELECT s.created_at AS t, sc.primary_value AS score, t.name AS team, s.is_baseline AS baseline
                FROM submissions s JOIN teams t ON t.id = s.team_id
                JOIN scores sc ON sc.submission_id = s.id AND sc.current = 1 AND sc.split = ?
                WHERE s.challenge_id = ? AND s.status = 'scored' AND s.disqualified = 0 AND t.disqualified = 0
                  AND sc.primary_value IS NOT NULL
                ORDER BY s.created_at, s.id`)
      .all(this.publicSplit(challenge.id), challenge.id) as { t: number; score: number; team: string; baseline: number }[])
      .map((r) => ({ ...r, baseline: r.baseline === 1 })));
  }
}
