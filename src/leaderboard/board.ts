/**
 * Leaderboards computed from the store: one row per team (its best submission), sorted by the
 * primary metric in its direction, ties broken by the earlier submission. Baseline rows are
 * placed by score but take no rank. A rank is marked `tied` when its bootstrap interval
 * overlaps the interval of the ranked entry above: the data cannot tell those two apart.
 *
 * The public board uses every scored submission; the private board (only shown after the
 * end) uses each team's final selections, or by default its best public submissions (as many
 * as `final_selections`), like Kaggle.
 *
 * Everything derived from a challenge's rows (boards, rendered HTML, encoded responses) is
 * cached under the challenge's board version, which the store bumps in the same transaction
 * as any change that can move a board; so every process (one server, or replicas on one
 * PostgreSQL) recomputes once per change, not once per request. The challenge's record itself
 * (with that version) is kept until something says it may have changed: PostgreSQL's
 * notifications (challenge-feed.ts), so a warm board read asks the database nothing, or
 * SQLite's data version (db.ts), one pragma instead of reading the challenge and its phases.
 */
import type { Scores } from '../evaluators/evaluator.js';
import type { ChangeSignal, FeedStamp } from './challenge-feed.js';
import { SharedRead } from './shared-read.js';
import { metricColumns, type MetricColumn } from './metric-columns.js';
import type { ChallengeRecord, PickRow, Store } from './store.js';

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

/** A cachedFor value: when it was asked for, and the last one that finished (served while the next is made). */
interface TimedValue {
  at: number;
  value: Promise<unknown>;
  last?: { value: unknown };
}

/** A cached value: the board version and input it was made from, and once made, the value itself. */
interface CachedValue {
  version: number;
  value: Promise<unknown>;
  input?: unknown;
  done?: { value: unknown };
  /** While `value` is made from a newer input: the finished value of the same version it replaces. */
  previous?: { value: unknown };
}

export class Boards {
  private cache = new Map<string, CachedValue>();
  private timed = new Map<string, TimedValue>();
  private versions = new Map<string, SharedRead<number>>();
  private records = new Map<string, SharedRead<ChallengeRecord | undefined>>();
  /** Records the feed vouches for: current until it tells of a change. */
  private told = new Map<string, { record: ChallengeRecord; stamp: FeedStamp }>();

  constructor(private readonly store: Store, readonly feed?: ChangeSignal) {}

  /** The challenge's current board version (changes with anything that can move its boards). */
  version(challengeId: string): Promise<number> {
    if (this.feed?.up) return this.challenge(challengeId).then((c) => c?.board_version ?? -1);
    let reader = this.versions.get(challengeId);
    if (!reader) {
      reader = new SharedRead(() => this.store.boardVersion(challengeId));
      this.versions.set(challengeId, reader);
    }
    return reader.read();
  }

  /**
   * The challenge's record, current as of the call (reads shared with concurrent callers); its
   * board_version keys the caches below, so a board read under a crowd costs no other query.
   */
  challenge(challengeId: string): Promise<ChallengeRecord | undefined> {
    const known = this.feed && this.told.get(challengeId);
    if (known) return this.confirmed(challengeId, known);
    return this.read(challengeId);
  }

  /** A kept record once the feed has caught up with every change committed before the call; else a new read. */
  private async confirmed(challengeId: string, known: { record: ChallengeRecord; stamp: FeedStamp }): Promise<ChallengeRecord | undefined> {
    await this.feed!.caughtUp?.();
    return this.feed!.unchangedSince(challengeId, known.stamp) ? known.record : this.read(challengeId);
  }

  private read(challengeId: string): Promise<ChallengeRecord | undefined> {
    let reader = this.records.get(challengeId);
    if (!reader) {
      // Unknown ids are not remembered (anyone can ask for any id).
      reader = new SharedRead(() => {
        // Taken before the read: a change told while it runs makes the next caller read again.
        const stamp = this.feed?.stamp(challengeId);
        return this.store.challenge(challengeId).then((c) => {
          if (!c) {
            this.records.delete(challengeId);
            this.told.delete(challengeId);
          } else if (stamp) this.told.set(challengeId, { record: c, stamp });
          return c;
        });
      });
      this.records.set(challengeId, reader);
    }
    return reader.read();
  }

  /**
   * Memoizes anything derived from a challenge's rows (e.g. rendered HTML) until its board
   * version changes, or until `input` is another object than the one it was made from (a page
   * that shows a chart kept by time, cachedFor); concurrent callers share one computation.
   * With `inputMayLag`, a new input alone (the board version unchanged) does not hold callers
   * up: they get the value made from the previous input until the new one is made (the page
   * with the last chart while it is encoded with the redrawn one; the chart may lag the data
   * anyway, the board in it is current). A new board version is always waited for.
   */
  async cached<T>(challenge: string | ChallengeRecord, name: string, compute: () => T | Promise<T>, input?: unknown, inputMayLag = false): Promise<T> {
    // A record read for this request carries its version: no second query.
    const challengeId = typeof challenge === 'string' ? challenge : challenge.id;
    const version = typeof challenge === 'string' ? await this.version(challenge) : challenge.board_version;
    const key = `${challengeId}\u0000${name}`;
    const hit = this.cache.get(key);
    const current = hit && hit.version >= version;
    if (current && hit.input === input) return (hit.done || !inputMayLag || !hit.previous ? hit.value : hit.previous.value) as Promise<T>;
    const previous = current && inputMayLag ? (hit.done ?? hit.previous) : undefined;
    const value = Promise.resolve().then(compute);
    const entry: CachedValue = { version, value, input, previous };
    this.cache.set(key, entry);
    value.then(
      (v) => {
        entry.done = { value: v };
        entry.previous = undefined;
      },
      () => {
        if (this.cache.get(key) === entry) this.cache.delete(key);
      },
    );
    return (previous ? previous.value : value) as Promise<T>;
  }

  /**
   * Like `cached`, but a value younger than `maxAgeMs` is served even if the data changed: for
   * the score-over-time view, which reads every submission and need not move on each score.
   * Once a value is older, the next one is made in the background and callers keep getting the
   * last finished value until it is ready (stale-while-revalidate, RFC 5861): a crowd arriving
   * as the window runs out does not all wait for one rebuild (the chart's 10,000-row read held
   * every page request behind it). Only the very first call waits. Values made from other
   * cachedFor values could be made from a stale one: make them together in one compute.
   */
  async cachedFor<T>(maxAgeMs: number, challenge: string | ChallengeRecord, name: string, compute: () => T | Promise<T>): Promise<T> {
    const challengeId = typeof challenge === 'string' ? challenge : challenge.id;
    const key = `${challengeId}\u0000${name}`;
    const hit = this.timed.get(key);
    const now = Date.now();
    if (hit && now - hit.at < maxAgeMs) return (hit.last ? hit.last.value : hit.value) as Promise<T>;
    const value = this.cached(challenge, name, compute);
    const entry: TimedValue = { at: now, value, last: hit?.last };
    this.timed.set(key, entry);
    value.then(
      (v) => (entry.last = { value: v }),
      () => {
        if (this.timed.get(key) !== entry) return;
        // Keep serving the last good value, and try again on the next call.
        if (entry.last) entry.at = 0;
        else this.timed.delete(key);
      },
    );
    return (entry.last ? entry.last.value : value) as Promise<T>;
  }

  /** True when the challenge's truth carries a private split (some submission was scored on it). */
  hasPrivateSplit(challengeId: string): Promise<boolean> {
    return this.cached(challengeId, 'has-private', () => this.store.hasPrivateSplit(challengeId));
  }

  board(challenge: ChallengeRecord, split: BoardSplit): Promise<Board> {
    return this.cached(challenge, `board:${split}:${challenge.higher_is_better}`, () => this.compute(challenge, split));
  }

  private publicSplit(challengeId: string): Promise<'public' | 'all'> {
    return this.cached(challengeId, 'public-split', () => this.store.publicSplit(challengeId));
  }

  /** The per-team picks (maintained by picks.ts), best first; ties go to the earlier submission. */
  private async picks(challenge: ChallengeRecord, split: BoardSplit): Promise<PickRow[]> {
    const picks = await this.store.boardPicks(challenge.id, split);
    const better = (a: number, b: number) => (challenge.higher_is_better ? a > b : a < b);
    return picks.sort((a, b) => (a.v !== b.v ? (better(a.v, b.v) ? -1 : 1) : a.created_at - b.created_at || a.id - b.id));
  }

  private async compute(challenge: ChallengeRecord, split: BoardSplit): Promise<Board> {
    const picks = await this.picks(challenge, split);
    const scoreSplit = split === 'public' ? await this.publicSplit(challenge.id) : 'private';
    const details = new Map((await this.store.pickDetails(picks.map((p) => p.id), scoreSplit)).map((d) => [d.id, d]));

    const entries: BoardEntry[] = [];
    const latencyColumns = new Set<string>();
    let rank = 0;
    let above: BoardEntry | undefined;
    for (const p of picks) {
      const d = details.get(p.id);
      // A pick whose scores changed between the two reads (another process): the next version redoes it.
      if (!d) continue;
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
      const publicRanks = new Map((await this.board(challenge, 'public')).entries.map((e) => [e.team_id, e.rank]));
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

  /**
   * Public scores over time (private scores never leave through here), oldest first; read again
   * when the board version moves. Callers keep what they make from it by time (cachedFor, with
   * the read inside the timed value: timed twice, the points could be a window older again).
   */
  history(challenge: ChallengeRecord): Promise<HistoryPoint[]> {
    return this.cached(challenge, 'history', async () =>
      (await this.store.history(challenge.id, await this.publicSplit(challenge.id)))
        .map((r) => ({ t: r.t, score: r.score, team: r.team, baseline: r.baseline === 1 })));
  }
}
