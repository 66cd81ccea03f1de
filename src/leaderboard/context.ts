/** What every route needs: the store, boards, queue, scoring pool, storage, clock and settings. */
import type { Boards } from './board.js';
import { privateVisible } from './phases.js';
import type { ModelTrackEntry, ScoringPool } from './pool.js';
import type { Queue } from './queue.js';
import type { SubmissionStorage } from './storage.js';
import type { UnavailableChallenge } from './sync.js';
import type { ChallengeRecord, ScoreRow, Store, Submission } from './store.js';

export interface AppContext {
  store: Store;
  boards: Boards;
  queue: Queue;
  pool: ScoringPool;
  /** Where submission files live (a local folder or an S3 bucket). */
  storage: SubmissionStorage;
  /** Milliseconds since the epoch; injectable so tests can move past a phase's end. */
  clock: () => number;
  adminToken?: string;
  teamSizeLimit: number;
  /** The longest a request body (an upload) may take. */
  uploadTimeoutMs: number;
  /** Challenges that take models, with their model track. */
  models?: Map<string, ModelTrackEntry>;
  log: (line: string) => void;
  /** Challenges whose definition could not be served, with the reason (admin API). */
  unavailable: readonly UnavailableChallenge[];
}

export { privateVisible };

/**
 * The scores of a submission that this viewer may see. Before the end only the public split
 * leaves the server; `all` mixes in private items, so it is shown only when the truth has no
 * private split at all.
 */
export function visibleScores(scores: ScoreRow[], showPrivate: boolean): ScoreRow[] {
  const hasPrivate = scores.some((s) => s.split === 'private');
  return scores.filter((s) => s.split === 'public' || (s.split === 'private' && showPrivate) || (s.split === 'all' && (!hasPrivate || showPrivate)));
}

/** The JSON a participant gets for one of their submissions. */
export async function submissionJson(ctx: AppContext, s: Submission, challenge: ChallengeRecord, asAdmin = false): Promise<Record<string, unknown>> {
  const showPrivate = asAdmin || privateVisible(challenge, ctx.clock());
  const rows = visibleScores(await ctx.store.currentScores(s.id), showPrivate);
  const scores: Record<string, unknown> = {};
  const intervals: Record<string, unknown> = {};
  for (const r of rows) {
    scores[r.split] = r.metrics;
    if (r.ci_low !== null) intervals[r.split] = { metric: challenge.primary_metric, low: r.ci_low, high: r.ci_high, level: 0.95, samples: r.bootstrap_samples };
  }
  // Without usage marks the whole truth is public: present it under `public` as the contract says.
  if (!scores.public && rows.length && !rows.some((r) => r.split === 'private')) {
    scores.public = scores.all;
    if (intervals.all) intervals.public = intervals.all;
  }
  const team = await ctx.store.team(s.team_id);
  return {
    id: s.id,
    challenge: s.challenge_id,
    team: team?.name,
    status: s.status,
    queue_position: s.status === 'queued' || s.status === 'scoring' ? await ctx.store.queuePosition(s.id) : null,
    error: s.error,
    error_kind: s.error_kind,
    filename: s.filename,
    description: s.description,
    size: s.size,
    sha256: s.sha256,
    submitted_at: new Date(s.created_at).toISOString(),
    scored_at: s.scored_at ? new Date(s.scored_at).toISOString() : null,
    selected: s.selected === 1,
    disqualified: s.disqualified === 1,
    disqualified_reason: s.disqualified_reason,
    baseline: s.is_baseline === 1,
    primary_metric: challenge.primary_metric,
    scores,
    intervals,
    evaluator_version: rows[0]?.evaluator_version ?? null,
  };
}
