/**
 * The leaderboard store: participants, hashed tokens, teams, challenges synced from their
 * definitions, submissions, their scores and the rows boards are read from. One class over
 * either backend (sql.ts: SQLite by default, PostgreSQL with a postgres:// URL); every
 * multi-row change runs in one transaction. Scoring jobs live in queue.ts, per-team board
 * picks in picks.ts; ranking and caching boards is board.ts's (no SQL there).
 */
import crypto from 'node:crypto';
import type { Challenge, ChallengeLimits } from '../challenges/definition.js';
import type { Scores } from '../evaluators/evaluator.js';
import type { TaskOptions } from '../tasks/task.js';
import { requireOpenPhase } from './phases.js';
import { bumpBoard, publicSplitOf, rebuildPicks, refreshTeamPicks } from './picks.js';
import { announceJobs } from './queue.js';
import { named, placeholders, type Sql, type SqlDatabase } from './sql.js';
import { StoreError } from './store-error.js';

export { StoreError, type StoreErrorCode } from './store-error.js';

export type SubmissionStatus = 'queued' | 'scoring' | 'scored' | 'failed';
export type Split = 'all' | 'public' | 'private';

export interface Participant {
  id: number;
  name: string;
  email: string;
  is_baseline: number;
  created_at: number;
}

export interface PhaseRow {
  id: string;
  start_at: number;
  end_at: number;
}

export interface ChallengeRecord {
  id: string;
  title: string;
  task: string;
  truth: string;
  primary_metric: string;
  higher_is_better: boolean;
  options: TaskOptions;
  limits: ChallengeLimits;
  description: string;
  available: boolean;
  paused: boolean;
  phases: PhaseRow[];
  /** Start of the first phase and end of the last one (ms since epoch). */
  start_at: number;
  end_at: number;
  /** The board version when this record was read (see Boards.cached). */
  board_version: number;
}

export interface Team {
  id: number;
  challenge_id: string;
  name: string;
  invite_code: string;
  is_baseline: number;
  disqualified: number;
  disqualified_reason: string | null;
  created_at: number;
}

export interface Submission {
  id: number;
  challenge_id: string;
  team_id: number;
  participant_id: number;
  phase_id: string | null;
  sha256: string;
  size: number;
  filename: string;
  stored_path: string;
  description: string;
  status: SubmissionStatus;
  error: string | null;
  error_kind: string | null;
  selected: number;
  disqualified: number;
  disqualified_reason: string | null;
  is_baseline: number;
  latency_json: string | null;
  created_at: number;
  scored_at: number | null;
}

/** Per-class tables of a report (table name → class → value), e.g. `{ iou: { cat: 0.71 } }`. */
export type ScoreExtras = Record<string, Record<string, number | null>>;

/** Submissions left today (until `resets_at`, the next UTC midnight) and in all; null: no limit (baselines). */
export interface Remaining {
  today: { used: number; allowed: number; left: number | null; resets_at: string };
  total: { used: number; allowed: number; left: number | null };
}

/** A submission changed state (for the server's structured log). */
export interface SubmissionEvent {
  submission: number;
  job?: number;
  kind?: string;
  state: 'queued' | 'scoring' | 'scored' | 'failed' | 'requeued';
  reason?: string;
}

export interface ScoreRow {
  split: Split;
  metrics: Scores;
  extras: ScoreExtras | null;
  primary_value: number | null;
  ci_low: number | null;
  ci_high: number | null;
  bootstrap_samples: number;
  evaluator_version: string;
  created_at: number;
}

/** What a scoring run produced for one split, ready to store. */
export interface SplitScore {
  split: Split;
  metrics: Scores;
  extras?: ScoreExtras;
  primary_value: number | null;
  ci_low: number | null;
  ci_high: number | null;
  bootstrap_samples: number;
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return `pdm_${crypto.randomBytes(24).toString('base64url')}`;
}

function newInviteCode(): string {
  return crypto.randomBytes(9).toString('base64url');
}

/** Start of the UTC day holding `now`, and the start of the next one (when a daily limit resets). */
export function utcDay(now: number): { start: number; next: number } {
  const d = new Date(now);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return { start, next: start + 86_400_000 };
}

/** Trimmed single-line text with a length bound; undefined when it does not fit. */
export function cleanName(value: unknown, max = 80): string | undefined {
  if (typeof value !== 'string') return undefined;
  const s = value.replace(/[\r\n\t]+/g, ' ').trim();
  return s.length >= 1 && s.length <= max ? s : undefined;
}

/** The key that makes one account per email: trimmed and lower-cased (addresses differ only in case in practice). */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** A board pick with what ranking needs (see picks.ts). */
export interface PickRow {
  id: number;
  team_id: number;
  created_at: number;
  v: number;
  ci_low: number | null;
  ci_high: number | null;
  entries: number;
}

/** What a board row shows beyond its pick. */
export interface PickDetails {
  id: number;
  team: string;
  is_baseline: number;
  latency_json: string | null;
  metrics_json: string;
  evaluator_version: string;
}

export interface HistoryRow {
  t: number;
  score: number;
  team: string;
  baseline: number;
}

export interface RescoreRun {
  id: number;
  challenge_id: string;
  evaluator_version: string;
  before_json: string;
  created_at: number;
}

/** The fields of a new submission; `claimedBy` queues its job already running under that lease. */
export interface NewSubmission {
  challenge: ChallengeRecord;
  team: Team;
  participant: Participant;
  phaseId: string | null;
  sha256: string;
  size: number;
  filename: string;
  storedPath: string;
  description: string;
  now: number;
  latency?: Record<string, unknown>;
  claimedBy?: { owner: string; leaseExpires: number };
}

type ChallengeRow = Record<string, unknown> & { id: string };

export class Store {
  private readonly secrets = new Map<string, Buffer>();
  /** Told of every submission state change made through this store and its queue (after it is committed). */
  onSubmissionEvent?: (e: SubmissionEvent) => void;

  constructor(readonly sql: SqlDatabase) {}

  close(): Promise<void> {
    return this.sql.close();
  }

  // ---- participants and tokens ----

  /** Creates an account and its first token; a second account for the same email (any case) is a conflict. */
  async createParticipant(name: string, email: string, now: number, isBaseline = false): Promise<{ participant: Participant; token: string }> {
    const token = newToken();
    const key = isBaseline ? null : emailKey(email);
    const participant = await this.sql.transaction(async (tx) => {
      if (key !== null && await tx.get('SELECT 1 AS x FROM participants WHERE email_key = ?', [key])) {
        throw new StoreError('conflict', 'an account with this email already exists; sign in with its token (an admin can reset a lost one)');
      }
      const p = (await tx.get<Participant>(
        'INSERT INTO participants (name, email, is_baseline, created_at, email_key) VALUES (?, ?, ?, ?, ?) RETURNING *',
        [name, email, isBaseline ? 1 : 0, now, key]))!;
      await tx.run('INSERT INTO tokens (participant_id, token_hash, created_at) VALUES (?, ?, ?)', [p.id, hashToken(token), now]);
      return p;
    });
    return { participant, token };
  }

  participant(id: number, q: Sql = this.sql): Promise<Participant | undefined> {
    return q.get<Participant>('SELECT * FROM participants WHERE id = ?', [id]);
  }

  participantByToken(token: string): Promise<Participant | undefined> {
    return this.sql.get<Participant>(
      'SELECT p.* FROM tokens t JOIN participants p ON p.id = t.participant_id WHERE t.token_hash = ?', [hashToken(token)]);
  }

  /**
   * Replaces a participant's token with a new one (the old stops working at once) and ends
   * every web session of theirs, so a leaked token or a forgotten browser loses access.
   */
  async rotateToken(participantId: number, now: number): Promise<string> {
    const token = newToken();
    await this.sql.transaction(async (tx) => {
      if (!await this.participant(participantId, tx)) throw new StoreError('not_found', `no participant ${participantId}`);
      await tx.run('DELETE FROM tokens WHERE participant_id = ?', [participantId]);
      await tx.run('INSERT INTO tokens (participant_id, token_hash, created_at) VALUES (?, ?, ?)', [participantId, hashToken(token), now]);
      await tx.run('DELETE FROM sessions WHERE participant_id = ?', [participantId]);
    });
    return token;
  }

  /** Participants whose email matches (case-insensitive), or the newest ones when no email is given. */
  findParticipants(email: string | undefined, limit = 100): Promise<Participant[]> {
    return email
      ? this.sql.all<Participant>('SELECT * FROM participants WHERE email_key = ? OR lower(email) = lower(?) ORDER BY id DESC LIMIT ?', [emailKey(email), email, limit])
      : this.sql.all<Participant>('SELECT * FROM participants WHERE is_baseline = 0 ORDER BY id DESC LIMIT ?', [limit]);
  }

  // ---- web sessions ----

  /** Opens a web session for a participant; returns the cookie value (only its hash is stored). */
  async createSession(participantId: number, now: number, maxAgeMs: number): Promise<string> {
    const value = newToken().replace(/^pdm_/, 'pds_');
    await this.sql.run('DELETE FROM sessions WHERE expires_at <= ?', [now]);
    await this.sql.run('INSERT INTO sessions (participant_id, session_hash, created_at, expires_at) VALUES (?, ?, ?, ?)',
      [participantId, hashToken(value), now, now + maxAgeMs]);
    return value;
  }

  participantBySession(value: string, now: number): Promise<Participant | undefined> {
    return this.sql.get<Participant>(
      'SELECT p.* FROM sessions s JOIN participants p ON p.id = s.participant_id WHERE s.session_hash = ? AND s.expires_at > ?',
      [hashToken(value), now]);
  }

  /** Revokes one session (logout): the cookie's value stops working everywhere. */
  async deleteSession(value: string): Promise<void> {
    await this.sql.run('DELETE FROM sessions WHERE session_hash = ?', [hashToken(value)]);
  }

  /**
   * A server-wide random secret, made on first use and kept in the database (restarts and
   * replicas share it, so forms stay valid). Never changed once made, so read once a process.
   */
  async secret(name: string): Promise<Buffer> {
    const known = this.secrets.get(name);
    if (known) return known;
    const read = () => this.sql.get<{ value: string }>('SELECT value FROM secrets WHERE name = ?', [name]);
    let row = await read();
    if (!row) {
      await this.sql.run('INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [name, crypto.randomBytes(32).toString('base64')]);
      row = (await read())!;
    }
    const value = Buffer.from(row.value, 'base64');
    this.secrets.set(name, value);
    return value;
  }

  // ---- challenges ----

  /**
   * Makes the challenges table match the loaded definitions: new ones inserted, changed ones
   * updated (the paused flag is the admin's and stays), missing ones marked unavailable.
   */
  async syncChallenges(challenges: Challenge[], now: number, opts: { markMissing?: boolean } = {}): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const ids = new Set<string>();
      for (const c of challenges) {
        ids.add(c.id);
        await tx.run(...named(`
          INSERT INTO challenges (id, title, task, truth, primary_metric, higher_is_better, options_json, limits_json, description, available, synced_at)
          VALUES (@id, @title, @task, @truth, @primary_metric, @higher_is_better, @options_json, @limits_json, @description, 1, @now)
          ON CONFLICT (id) DO UPDATE SET title = excluded.title, task = excluded.task, truth = excluded.truth,
            primary_metric = excluded.primary_metric, higher_is_better = excluded.higher_is_better,
            options_json = excluded.options_json, limits_json = excluded.limits_json,
            description = excluded.description, available = 1, synced_at = excluded.synced_at`, {
          id: c.id, title: c.title, task: c.task, truth: c.truth, primary_metric: c.primary_metric,
          higher_is_better: c.higher_is_better ? 1 : 0, options_json: JSON.stringify(c.options),
          limits_json: JSON.stringify(c.limits), description: c.description, now,
        }));
        await tx.run('DELETE FROM phases WHERE challenge_id = ?', [c.id]);
        for (const p of c.phases) {
          await tx.run('INSERT INTO phases (challenge_id, id, start_at, end_at) VALUES (?, ?, ?, ?)', [c.id, p.id, p.start.getTime(), p.end.getTime()]);
        }
      }
      if (opts.markMissing !== false) {
        for (const row of await tx.all<{ id: string }>('SELECT id FROM challenges WHERE available = 1')) {
          if (!ids.has(row.id)) await tx.run('UPDATE challenges SET available = 0 WHERE id = ?', [row.id]);
        }
      }
      // Direction or final_selections may have changed with the definition.
      for (const id of ids) await rebuildPicks(tx, id);
    });
  }

  async challenge(id: string, q: Sql = this.sql): Promise<ChallengeRecord | undefined> {
    const row = await q.get<ChallengeRow>('SELECT * FROM challenges WHERE id = ?', [id]);
    if (!row) return undefined;
    const phases = await q.all<PhaseRow>('SELECT id, start_at, end_at FROM phases WHERE challenge_id = ? ORDER BY start_at', [id]);
    return toChallenge(row, phases);
  }

  /** Challenges that can be shown (definition and data present). */
  async challenges(): Promise<ChallengeRecord[]> {
    const rows = await this.sql.all<ChallengeRow>('SELECT * FROM challenges WHERE available = 1 ORDER BY id');
    const phases = await this.sql.all<PhaseRow & { challenge_id: string }>(
      'SELECT p.challenge_id, p.id, p.start_at, p.end_at FROM phases p JOIN challenges c ON c.id = p.challenge_id WHERE c.available = 1 ORDER BY p.start_at');
    return rows.map((r) => toChallenge(r, phases.filter((p) => p.challenge_id === r.id).map(({ id, start_at, end_at }) => ({ id, start_at, end_at }))));
  }

  async setPaused(challengeId: string, paused: boolean): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.run('UPDATE challenges SET paused = ? WHERE id = ?', [paused ? 1 : 0, challengeId]);
      // Its queued jobs are claimable again, by scoring processes anywhere.
      if (!paused) await announceJobs(tx);
    });
  }

  // ---- rules ----

  /** Records that a participant accepted a challenge's rules (once; later calls keep the first time). */
  async acceptRules(challengeId: string, participantId: number, now: number): Promise<void> {
    await this.sql.run('INSERT INTO rules_acceptances (challenge_id, participant_id, accepted_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [challengeId, participantId, now]);
  }

  /** When the participant accepted the challenge's rules, or undefined. */
  async rulesAcceptedAt(challengeId: string, participantId: number): Promise<number | undefined> {
    const row = await this.sql.get<{ accepted_at: number }>('SELECT accepted_at FROM rules_acceptances WHERE challenge_id = ? AND participant_id = ?', [challengeId, participantId]);
    return row === undefined ? undefined : Number(row.accepted_at);
  }

  // ---- teams ----

  teamOf(challengeId: string, participantId: number, q: Sql = this.sql): Promise<Team | undefined> {
    return q.get<Team>('SELECT t.* FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.challenge_id = ? AND m.participant_id = ?', [challengeId, participantId]);
  }

  team(id: number, q: Sql = this.sql): Promise<Team | undefined> {
    return q.get<Team>('SELECT * FROM teams WHERE id = ?', [id]);
  }

  teamMembers(teamId: number, q: Sql = this.sql): Promise<Participant[]> {
    return q.all<Participant>('SELECT p.* FROM team_members m JOIN participants p ON p.id = m.participant_id WHERE m.team_id = ? ORDER BY m.joined_at, p.id', [teamId]);
  }

  private async insertTeam(q: Sql, challengeId: string, name: string, now: number, isBaseline: boolean): Promise<Team> {
    const taken = await q.get('SELECT 1 AS x FROM teams WHERE challenge_id = ? AND name = ?', [challengeId, name]);
    if (taken) throw new StoreError('conflict', `a team named "${name}" already exists in ${challengeId}; pick another name`);
    return (await q.get<Team>('INSERT INTO teams (challenge_id, name, invite_code, is_baseline, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *',
      [challengeId, name, newInviteCode(), isBaseline ? 1 : 0, now]))!;
  }

  /**
   * Creates a named team with the participant as its first member. A participant who is alone
   * in a team without submissions (the automatic solo team) may leave it for the new one.
   */
  createTeam(challengeId: string, participantId: number, name: string, now: number): Promise<Team> {
    return this.sql.transaction(async (tx) => {
      await this.leaveEmptySoloTeam(tx, challengeId, participantId, 'create a team');
      const team = await this.insertTeam(tx, challengeId, name, now, false);
      await tx.run('INSERT INTO team_members (challenge_id, participant_id, team_id, joined_at) VALUES (?, ?, ?, ?)', [challengeId, participantId, team.id, now]);
      return team;
    });
  }

  /** Joins a team by its invite code, within the team size limit. */
  joinTeam(challengeId: string, participantId: number, code: string, now: number, sizeLimit: number): Promise<Team> {
    return this.sql.transaction(async (tx) => {
      const team = await tx.get<Team>('SELECT * FROM teams WHERE invite_code = ? AND challenge_id = ?', [code, challengeId]);
      if (!team) throw new StoreError('not_found', `no team in ${challengeId} has this invite code`);
      const current = await this.teamOf(challengeId, participantId, tx);
      if (current?.id === team.id) return team;
      const size = (await tx.get<{ n: number }>('SELECT count(*) AS n FROM team_members WHERE team_id = ?', [team.id]))!.n;
      if (size >= sizeLimit) throw new StoreError('conflict', `team "${team.name}" is full (${sizeLimit} members at most)`);
      await this.leaveEmptySoloTeam(tx, challengeId, participantId, 'join another team');
      await tx.run('INSERT INTO team_members (challenge_id, participant_id, team_id, joined_at) VALUES (?, ?, ?, ?)', [challengeId, participantId, team.id, now]);
      return team;
    });
  }

  /**
   * What a participant may do about teams in a challenge: create or join another team only while
   * alone in a team without submissions (or in none); leave only a team without submissions
   * (members of a team that has submitted stay with it: no fresh quota by leaving).
   */
  async teamOptions(challengeId: string, participantId: number): Promise<{ canSwitch: boolean; canLeave: boolean; members: number; submissions: number }> {
    const team = await this.teamOf(challengeId, participantId);
    if (!team) return { canSwitch: true, canLeave: false, members: 0, submissions: 0 };
    const members = (await this.teamMembers(team.id)).length;
    const submissions = (await this.sql.get<{ n: number }>('SELECT count(*) AS n FROM submissions WHERE team_id = ?', [team.id]))!.n;
    return { canSwitch: members === 1 && submissions === 0, canLeave: submissions === 0 && team.is_baseline === 0, members, submissions };
  }

  /** Leaves a team that has not submitted; its last member leaving removes it. */
  async leaveTeam(challengeId: string, participantId: number): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const team = await this.teamOf(challengeId, participantId, tx);
      if (!team) throw new StoreError('not_found', `you are in no team in ${challengeId}`);
      const n = (await tx.get<{ n: number }>('SELECT count(*) AS n FROM submissions WHERE team_id = ?', [team.id]))!.n;
      if (n > 0) throw new StoreError('conflict', `team "${team.name}" has submissions; its members stay with them`);
      await tx.run('DELETE FROM team_members WHERE challenge_id = ? AND participant_id = ?', [challengeId, participantId]);
      if ((await this.teamMembers(team.id, tx)).length === 0) await tx.run('DELETE FROM teams WHERE id = ?', [team.id]);
      await bumpBoard(tx, challengeId);
    });
  }

  /** Renames the participant's team (any member may; names are unique in a challenge). */
  renameTeam(challengeId: string, participantId: number, name: string): Promise<Team> {
    return this.sql.transaction(async (tx) => {
      const t = await this.teamOf(challengeId, participantId, tx);
      if (!t) throw new StoreError('not_found', `you are in no team in ${challengeId}; your first submission creates one`);
      if (t.name === name) return t;
      if (await tx.get('SELECT 1 AS x FROM teams WHERE challenge_id = ? AND name = ? AND id != ?', [challengeId, name, t.id])) {
        throw new StoreError('conflict', `a team named "${name}" already exists in ${challengeId}; pick another name`);
      }
      const renamed = (await tx.get<Team>('UPDATE teams SET name = ? WHERE id = ? RETURNING *', [name, t.id]))!;
      await bumpBoard(tx, challengeId);
      return renamed;
    });
  }

  /** Team changes are allowed only before a participant's team has submitted (no score laundering). */
  private async leaveEmptySoloTeam(q: Sql, challengeId: string, participantId: number, action: string): Promise<void> {
    const current = await this.teamOf(challengeId, participantId, q);
    if (!current) return;
    const members = (await this.teamMembers(current.id, q)).length;
    const submissions = (await q.get<{ n: number }>('SELECT count(*) AS n FROM submissions WHERE team_id = ?', [current.id]))!.n;
    if (members > 1 || submissions > 0) {
      throw new StoreError('conflict', `you are already in team "${current.name}" with ${members > 1 ? 'other members' : 'submissions'}; you cannot ${action}`);
    }
    await q.run('DELETE FROM team_members WHERE challenge_id = ? AND participant_id = ?', [challengeId, participantId]);
    await q.run('DELETE FROM teams WHERE id = ?', [current.id]);
  }

  /** The participant's team, creating a one-person team named after them on first use. */
  async ensureTeam(challengeId: string, participant: Participant, now: number): Promise<Team> {
    const existing = await this.teamOf(challengeId, participant.id);
    if (existing) return existing;
    return this.sql.transaction((tx) => this.ensureTeamIn(tx, challengeId, participant, now));
  }

  private async ensureTeamIn(tx: Sql, challengeId: string, participant: Participant, now: number): Promise<Team> {
    const again = await this.teamOf(challengeId, participant.id, tx);
    if (again) return again;
    let name = participant.name;
    if (await tx.get('SELECT 1 AS x FROM teams WHERE challenge_id = ? AND name = ?', [challengeId, name])) {
      name = `${participant.name} #${participant.id}`;
    }
    const team = await this.insertTeam(tx, challengeId, name, now, participant.is_baseline === 1);
    await tx.run('INSERT INTO team_members (challenge_id, participant_id, team_id, joined_at) VALUES (?, ?, ?, ?)', [challengeId, participant.id, team.id, now]);
    return team;
  }

  // ---- submissions ----

  /**
   * Submissions that count against a team's limits: everything except failed ones, so a
   * scoring failure never costs quota.
   */
  async usage(teamId: number, now: number, q: Sql = this.sql): Promise<{ today: number; total: number }> {
    const { start } = utcDay(now);
    const row = (await q.get<{ total: number; today: number }>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE created_at >= ?) AS today
       FROM submissions WHERE team_id = ? AND status != 'failed'`, [start, teamId]))!;
    return { today: row.today, total: row.total };
  }

  /** Throws a 'limit' StoreError when the team is at a limit, saying when it resets. */
  async checkLimits(team: Team, limits: ChallengeLimits, now: number, q: Sql = this.sql): Promise<void> {
    if (team.is_baseline) return;
    const used = await this.usage(team.id, now, q);
    if (used.total >= limits.total) {
      throw new StoreError('limit', `team "${team.name}" has used all ${limits.total} submissions of this challenge`, {
        limit: 'total', used: used.total, allowed: limits.total, resets_at: null,
      });
    }
    if (used.today >= limits.per_day) {
      const resets = new Date(utcDay(now).next).toISOString();
      throw new StoreError('limit', `team "${team.name}" has used its ${limits.per_day} submissions for today (UTC); the limit resets at ${resets}`, {
        limit: 'per_day', used: used.today, allowed: limits.per_day, resets_at: resets,
      });
    }
  }

  /**
   * Records a participant's validated upload and queues its scoring, in one transaction that
   * decides everything by the time the body completed (`receivedAt`): the phase (an upload
   * finished after the end is refused, however early it started), the participant's team as
   * it is now (a team change during the upload cannot misfile it), disqualification and limits.
   */
  recordUpload(u: {
    challengeId: string; participantId: number; receivedAt: number;
    sha256: string; size: number; filename: string; storedPath: string; description: string;
  }): Promise<{ submission: Submission; jobId: number }> {
    return this.sql.transaction(async (tx) => {
      const challenge = await this.challenge(u.challengeId, tx);
      const participant = await this.participant(u.participantId, tx);
      if (!challenge || !challenge.available) throw new StoreError('not_found', `no challenge "${u.challengeId}"`);
      if (!participant) throw new StoreError('unauthorized', 'this account no longer exists');
      const phaseId = requireOpenPhase(challenge, u.receivedAt);
      const team = await this.ensureTeamIn(tx, challenge.id, participant, u.receivedAt);
      if (team.disqualified) throw new StoreError('forbidden', `team "${team.name}" is disqualified: ${team.disqualified_reason ?? ''}`);
      return this.addSubmissionIn(tx, { ...u, challenge, team, participant, phaseId, now: u.receivedAt });
    });
  }

  /** Records a validated submission of a known team and queues its scoring job, re-checking limits atomically. */
  addSubmission(s: NewSubmission): Promise<{ submission: Submission; jobId: number }> {
    return this.sql.transaction((tx) => this.addSubmissionIn(tx, s));
  }

  private async addSubmissionIn(tx: Sql, s: NewSubmission): Promise<{ submission: Submission; jobId: number }> {
    // One writer per team at a time (PostgreSQL); SQLite's write lock already serialises.
    if (tx.dialect === 'postgres') await tx.get('SELECT id FROM teams WHERE id = ? FOR UPDATE', [s.team.id]);
    await this.checkLimits(s.team, s.challenge.limits, s.now, tx);
    const claimed = s.claimedBy;
    const submission = (await tx.get<Submission>(
      `INSERT INTO submissions (challenge_id, team_id, participant_id, phase_id, sha256, size, filename, stored_path,
         description, status, is_baseline, latency_json, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      [s.challenge.id, s.team.id, s.participant.id, s.phaseId, s.sha256, s.size, s.filename, s.storedPath,
        s.description, claimed ? 'scoring' : 'queued', s.team.is_baseline, s.latency ? JSON.stringify(s.latency) : null, s.now]))!;
    const job = claimed
      ? await tx.get<{ id: number }>(
        `INSERT INTO jobs (submission_id, kind, state, attempts, lease_owner, lease_expires, started_at, created_at)
         VALUES (?, 'score', 'running', 1, ?, ?, ?, ?) RETURNING id`, [submission.id, claimed.owner, claimed.leaseExpires, s.now, s.now])
      : await tx.get<{ id: number }>(`INSERT INTO jobs (submission_id, kind, state, created_at) VALUES (?, 'score', 'queued', ?) RETURNING id`, [submission.id, s.now]);
    await announceJobs(tx);
    return { submission, jobId: job!.id };
  }

  /** True when some submission row still points at this stored file (files are shared by content). */
  async storedPathInUse(storedPath: string): Promise<boolean> {
    return !!await this.sql.get('SELECT 1 AS x FROM submissions WHERE stored_path = ? LIMIT 1', [storedPath]);
  }

  submission(id: number): Promise<Submission | undefined> {
    return this.sql.get<Submission>('SELECT * FROM submissions WHERE id = ?', [id]);
  }

  /** A team's submissions in a challenge, newest first. */
  teamSubmissions(teamId: number): Promise<Submission[]> {
    return this.sql.all<Submission>('SELECT * FROM submissions WHERE team_id = ? ORDER BY id DESC', [teamId]);
  }

  /** How many jobs are ahead of this submission's pending job, plus one; null when none is pending. */
  async queuePosition(submissionId: number): Promise<number | null> {
    const job = await this.sql.get<{ id: number; state: string }>(
      `SELECT id, state FROM jobs WHERE submission_id = ? AND state IN ('queued', 'running') ORDER BY id DESC LIMIT 1`, [submissionId]);
    if (!job) return null;
    if (job.state === 'running') return 0;
    const ahead = (await this.sql.get<{ n: number }>(`SELECT count(*) AS n FROM jobs WHERE state = 'queued' AND id < ?`, [job.id]))!;
    return ahead.n + 1;
  }

  async currentScores(submissionId: number): Promise<ScoreRow[]> {
    const rows = await this.sql.all<Omit<ScoreRow, 'metrics' | 'extras'> & { metrics_json: string; extras_json: string | null }>(
      `SELECT split, metrics_json, extras_json, primary_value, ci_low, ci_high, bootstrap_samples, evaluator_version, created_at
       FROM scores WHERE submission_id = ? AND current = 1 ORDER BY split`, [submissionId]);
    return rows.map(({ metrics_json, extras_json, ...r }) => ({
      ...r, metrics: JSON.parse(metrics_json) as Scores, extras: extras_json ? JSON.parse(extras_json) as ScoreExtras : null,
    }));
  }

  /**
   * What a team (or a participant without a team yet) may still submit: today (UTC day) and in
   * all, as `usage` counts them (failed submissions cost nothing). Baselines have no limits.
   */
  async remaining(team: Team | undefined, limits: ChallengeLimits, now: number): Promise<Remaining> {
    const used = team ? await this.usage(team.id, now) : { today: 0, total: 0 };
    const unlimited = team?.is_baseline === 1;
    const totalLeft = unlimited ? null : Math.max(0, limits.total - used.total);
    return {
      today: { used: used.today, allowed: limits.per_day, left: unlimited ? null : Math.min(totalLeft!, Math.max(0, limits.per_day - used.today)), resets_at: new Date(utcDay(now).next).toISOString() },
      total: { used: used.total, allowed: limits.total, left: totalLeft },
    };
  }

  /** Marks a scored submission as one of the team's final selections (or unmarks it). */
  async setSelected(submission: Submission, selected: boolean, maxSelections: number): Promise<void> {
    await this.sql.transaction(async (tx) => {
      if (selected && !submission.selected) {
        const n = (await tx.get<{ n: number }>('SELECT count(*) AS n FROM submissions WHERE team_id = ? AND selected = 1', [submission.team_id]))!.n;
        if (n >= maxSelections) {
          throw new StoreError('conflict', `your team already has ${maxSelections} final selections; unselect one first`);
        }
      }
      await tx.run('UPDATE submissions SET selected = ? WHERE id = ?', [selected ? 1 : 0, submission.id]);
      await refreshTeamPicks(tx, submission.challenge_id, submission.team_id);
    });
  }

  async disqualifySubmission(id: number, reason: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const s = await tx.get<Submission>('UPDATE submissions SET disqualified = 1, disqualified_reason = ? WHERE id = ? RETURNING *', [reason, id]);
      if (s) await refreshTeamPicks(tx, s.challenge_id, s.team_id);
    });
  }

  async disqualifyTeam(id: number, reason: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const t = await tx.get<Team>('UPDATE teams SET disqualified = 1, disqualified_reason = ? WHERE id = ? RETURNING *', [reason, id]);
      if (t) await refreshTeamPicks(tx, t.challenge_id, t.id);
    });
  }

  /** A challenge's counts for the admin page; `outdated`: scored by another evaluator version than `version`. */
  async adminCounts(challengeId: string, version: string): Promise<{ submissions: number; queued: number; failed: number; outdated: number; last_rescore: number | null }> {
    const c = (await this.sql.get<{ n: number; queued: number; failed: number }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE status IN ('queued', 'scoring')) AS queued, count(*) FILTER (WHERE status = 'failed') AS failed
       FROM submissions WHERE challenge_id = ?`, [challengeId]))!;
    const outdated = (await this.sql.get<{ n: number }>(
      `SELECT count(DISTINCT s.id) AS n FROM submissions s JOIN scores sc ON sc.submission_id = s.id AND sc.current = 1
       WHERE s.challenge_id = ? AND s.status = 'scored' AND sc.evaluator_version != ?`, [challengeId, version]))!.n;
    const last = await this.sql.get<{ id: number | null }>('SELECT max(id) AS id FROM rescore_runs WHERE challenge_id = ?', [challengeId]);
    return { submissions: Number(c.n), queued: Number(c.queued), failed: Number(c.failed), outdated: Number(outdated), last_rescore: last?.id == null ? null : Number(last.id) };
  }

  /** Challenges whose folder is gone or broken (their submissions are kept). */
  async hiddenChallenges(): Promise<string[]> {
    return (await this.sql.all<{ id: string }>('SELECT id FROM challenges WHERE available = 0 ORDER BY id')).map((r) => r.id);
  }

  /** Scorings that failed on the server's side (error_kind 'error': broken truth, missing stored file), newest first. */
  serverSideFailures(): Promise<Record<string, unknown>[]> {
    return this.sql.all<Record<string, unknown>>(
      `SELECT id AS submission_id, challenge_id, error, scored_at FROM submissions
       WHERE status = 'failed' AND error_kind = 'error' ORDER BY scored_at DESC, id DESC LIMIT 200`);
  }

  /** Every submission of a challenge with its team and current public/private primary scores. */
  submissionsForExport(challengeId: string): Promise<Record<string, unknown>[]> {
    return this.sql.all<Record<string, unknown>>(
      `SELECT s.id, t.name AS team, p.name AS participant, s.created_at, s.status, s.error, s.sha256, s.size,
         s.filename, s.description, s.selected, s.disqualified, s.is_baseline,
         pub.primary_value AS public_score, pri.primary_value AS private_score,
         coalesce(pub.evaluator_version, alls.evaluator_version) AS evaluator_version
       FROM submissions s JOIN teams t ON t.id = s.team_id JOIN participants p ON p.id = s.participant_id
       LEFT JOIN scores pub ON pub.submission_id = s.id AND pub.split = 'public' AND pub.current = 1
       LEFT JOIN scores pri ON pri.submission_id = s.id AND pri.split = 'private' AND pri.current = 1
       LEFT JOIN scores alls ON alls.submission_id = s.id AND alls.split = 'all' AND alls.current = 1
       WHERE s.challenge_id = ? ORDER BY s.id`, [challengeId]);
  }

  // ---- what boards are read from (ranked and cached in board.ts) ----

  /** Bumped in the transaction of every change that can move one of the challenge's boards. */
  async boardVersion(challengeId: string): Promise<number> {
    return (await this.sql.get<{ board_version: number }>('SELECT board_version FROM challenges WHERE id = ?', [challengeId]))?.board_version ?? -1;
  }

  /** The split the public board ranks on: 'public', or 'all' when the truth has no usage marks. */
  publicSplit(challengeId: string): Promise<'public' | 'all'> {
    return publicSplitOf(this.sql, challengeId);
  }

  /** True when the challenge's truth carries a private split (some submission was scored on it). */
  async hasPrivateSplit(challengeId: string): Promise<boolean> {
    return !!(await this.sql.get(
      `SELECT 1 AS x FROM scores sc JOIN submissions s ON s.id = sc.submission_id
       WHERE s.challenge_id = ? AND sc.split = 'private' AND sc.current = 1 LIMIT 1`, [challengeId]));
  }

  /** Each team's pick for a board (maintained by picks.ts), unsorted. */
  boardPicks(challengeId: string, split: 'public' | 'private'): Promise<PickRow[]> {
    return this.sql.all<PickRow>(
      `SELECT submission_id AS id, team_id, created_at, value AS v, ci_low, ci_high, entries
       FROM board_picks WHERE challenge_id = ? AND split = ?`, [challengeId, split]);
  }

  /** Team name, latency and metrics of the picked submissions, scores of `split`. */
  async pickDetails(ids: number[], split: 'public' | 'private' | 'all'): Promise<PickDetails[]> {
    const out: PickDetails[] = [];
    for (let i = 0; i < ids.length; i += 5000) {
      const chunk = ids.slice(i, i + 5000);
      out.push(...await this.sql.all<PickDetails>(
        `SELECT s.id, t.name AS team, s.is_baseline, s.latency_json, sc.metrics_json, sc.evaluator_version
         FROM submissions s JOIN teams t ON t.id = s.team_id
         JOIN scores sc ON sc.submission_id = s.id AND sc.current = 1 AND sc.split = ?
         WHERE s.id IN (${placeholders(chunk.length)})`, [split, ...chunk]));
    }
    return out;
  }

  /** Scored, not disqualified submissions with their primary score on `split`, oldest first. */
  history(challengeId: string, split: 'public' | 'all'): Promise<HistoryRow[]> {
    // Every scored submission of the challenge: a large read, kept off the main thread.
    return this.sql.allLarge<HistoryRow>(
      `SELECT s.created_at AS t, sc.primary_value AS score, t.name AS team, s.is_baseline AS baseline
       FROM submissions s JOIN teams t ON t.id = s.team_id
       JOIN scores sc ON sc.submission_id = s.id AND sc.current = 1 AND sc.split = ?
       WHERE s.challenge_id = ? AND s.status = 'scored' AND s.disqualified = 0 AND t.disqualified = 0
         AND sc.primary_value IS NOT NULL
       ORDER BY s.created_at, s.id`, [split, challengeId]);
  }

  // ---- rescore reports ----

  rescoreRun(id: number): Promise<RescoreRun | undefined> {
    return this.sql.get<RescoreRun>('SELECT * FROM rescore_runs WHERE id = ?', [id]);
  }

  /** Jobs of a rescore run by state. */
  async rescoreJobStates(runId: number): Promise<Record<'queued' | 'running' | 'done' | 'failed', number>> {
    const rows = await this.sql.all<{ state: string; n: number }>('SELECT state, count(*) AS n FROM jobs WHERE rescore_run_id = ? GROUP BY state', [runId]);
    const count = (s: string) => rows.find((x) => x.state === s)?.n ?? 0;
    return { queued: count('queued'), running: count('running'), done: count('done'), failed: count('failed') };
  }

  /** Submissions whose primary score a rescore run changed: its new score rows against the rows they replaced. */
  rescoreChanges(runId: number): Promise<Record<string, unknown>[]> {
    return this.sql.all<Record<string, unknown>>(
      `SELECT n.submission_id, n.split, o.primary_value AS before, n.primary_value AS after,
         o.evaluator_version AS before_version, n.evaluator_version AS after_version
       FROM jobs j JOIN scores n ON n.job_id = j.id
       JOIN scores o ON o.id = (SELECT max(id) FROM scores WHERE submission_id = n.submission_id AND split = n.split AND id < n.id)
       WHERE j.rescore_run_id = ? AND (o.primary_value IS DISTINCT FROM n.primary_value)
       ORDER BY n.submission_id, n.split`, [runId]);
  }

  // ---- baselines ----

  /** The latest scored submission of a baseline team with this file, if recorded before. */
  async baselineSubmission(challengeId: string, name: string, sha256: string): Promise<number | undefined> {
    return (await this.sql.get<{ id: number }>(
      `SELECT s.id FROM submissions s JOIN teams t ON t.id = s.team_id
       WHERE s.challenge_id = ? AND t.name = ? AND t.is_baseline = 1 AND s.sha256 = ? AND s.status = 'scored'
       ORDER BY s.id DESC LIMIT 1`, [challengeId, name, sha256]))?.id;
  }

  /** The newest scored entry of a baseline team, with its latency columns. */
  latestBaselineEntry(challengeId: string, name: string): Promise<{ id: number; latency_json: string | null } | undefined> {
    return this.sql.get(
      `SELECT s.id, s.latency_json FROM submissions s JOIN teams t ON t.id = s.team_id
       WHERE s.challenge_id = ? AND t.name = ? AND t.is_baseline = 1 AND s.status = 'scored'
       ORDER BY s.id DESC LIMIT 1`, [challengeId, name]);
  }

  /** A baseline team of this name and its (only) member, if it exists. */
  async baselineTeam(challengeId: string, name: string): Promise<{ team: Team; participant: Participant } | undefined> {
    const team = await this.sql.get<Team>('SELECT * FROM teams WHERE challenge_id = ? AND name = ? AND is_baseline = 1', [challengeId, name]);
    if (!team) return undefined;
    const participant = (await this.teamMembers(team.id))[0];
    return participant ? { team, participant } : undefined;
  }

  /** Replaces the latency columns of a (baseline) submission. */
  async setLatency(submissionId: number, latency: Record<string, unknown>): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const s = await tx.get<{ challenge_id: string }>('UPDATE submissions SET latency_json = ? WHERE id = ? RETURNING challenge_id', [JSON.stringify(latency), submissionId]);
      if (s) await bumpBoard(tx, s.challenge_id);
    });
  }
}

function toChallenge(row: ChallengeRow, phases: PhaseRow[]): ChallengeRecord {
  return {
    id: row.id,
    title: row.title as string,
    task: row.task as string,
    truth: row.truth as string,
    primary_metric: row.primary_metric as string,
    higher_is_better: row.higher_is_better === 1,
    options: JSON.parse(row.options_json as string) as TaskOptions,
    limits: JSON.parse(row.limits_json as string) as ChallengeLimits,
    description: row.description as string,
    available: row.available === 1,
    paused: row.paused === 1,
    phases,
    start_at: Math.min(...phases.map((p) => p.start_at)),
    end_at: Math.max(...phases.map((p) => p.end_at)),
    board_version: Number(row.board_version ?? 0),
  };
}
