/**
 * The leaderboard store: participants, hashed tokens, teams, challenges synced from their
 * definitions, submissions and their scores. Every multi-row change runs in one transaction.
 * Scoring jobs live in queue.ts; leaderboards are computed in board.ts.
 */
import crypto from 'node:crypto';
import type { Challenge, ChallengeLimits } from '../challenges/definition.js';
import type { Scores } from '../evaluators/evaluator.js';
import type { TaskOptions } from '../tasks/task.js';
import type { Db } from './db.js';
import { rebuildPicks, refreshTeamPicks } from './picks.js';

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

/** Submissions left today (until `resets_at`, the next UTC midnight) and in all; null: no limit (baselines). */
export interface Remaining {
  today: { used: number; allowed: number; left: number | null; resets_at: string };
  total: { used: number; allowed: number; left: number | null };
}

/** A refused request with the HTTP status and a message the user can act on. */
export class StoreError extends Error {
  constructor(readonly status: number, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'StoreError';
  }
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

/** The phase holding `at`, or a 403 saying why nothing is accepted then. */
export function phaseAt(challenge: ChallengeRecord, at: number): string {
  const phase = challenge.phases.find((p) => p.start_at <= at && at < p.end_at);
  if (phase) return phase.id;
  if (at < challenge.start_at) throw new StoreError(403, `${challenge.id} opens for submissions at ${new Date(challenge.start_at).toISOString()}`);
  if (at >= challenge.end_at) throw new StoreError(403, `${challenge.id} ended at ${new Date(challenge.end_at).toISOString()}; no more submissions are accepted`);
  throw new StoreError(403, `${challenge.id} is between phases; the next one has not started`);
}

/** A submission changed state (for the server's structured log). */
export interface SubmissionEvent {
  submission: number;
  job?: number;
  kind?: string;
  state: 'queued' | 'scoring' | 'scored' | 'failed' | 'requeued';
  reason?: string;
}

export class Store {
  /** Bumped on every change that can move a leaderboard (for caches in this process). */
  boardVersion = 0;
  /** Told of every submission state change made through this store and its queue (after it is committed). */
  onSubmissionEvent?: (e: SubmissionEvent) => void;

  constructor(readonly db: Db) {}

  // ---- participants and tokens ----

  /** Creates an account and its first token; a second account for the same email (any case) is a 409. */
  createParticipant(name: string, email: string, now: number, isBaseline = false): { participant: Participant; token: string } {
    const token = newToken();
    const key = isBaseline ? null : emailKey(email);
    const create = this.db.transaction(() => {
      if (key !== null && this.db.prepare('SELECT 1 FROM participants WHERE email_key = ?').get(key)) {
        throw new StoreError(409, 'an account with this email already exists; sign in with its token (an admin can reset a lost one)');
      }
      const r = this.db
        .prepare('INSERT INTO participants (name, email, is_baseline, created_at, email_key) VALUES (?, ?, ?, ?, ?)')
        .run(name, email, isBaseline ? 1 : 0, now, key);
      const id = Number(r.lastInsertRowid);
      this.db.prepare('INSERT INTO tokens (participant_id, token_hash, created_at) VALUES (?, ?, ?)').run(id, hashToken(token), now);
      return id;
    });
    const id = create.immediate();
    return { participant: this.participant(id)!, token };
  }

  participant(id: number): Participant | undefined {
    return this.db.prepare('SELECT * FROM participants WHERE id = ?').get(id) as Participant | undefined;
  }

  participantByToken(token: string): Participant | undefined {
    return this.db
      .prepare('SELECT p.* FROM tokens t JOIN participants p ON p.id = t.participant_id WHERE t.token_hash = ?')
      .get(hashToken(token)) as Participant | undefined;
  }

  /**
   * Replaces a participant's token with a new one (the old stops working at once) and ends
   * every web session of theirs, so a leaked token or a forgotten browser loses access.
   */
  rotateToken(participantId: number, now: number): string {
    const token = newToken();
    this.db.transaction(() => {
      if (!this.participant(participantId)) throw new StoreError(404, `no participant ${participantId}`);
      this.db.prepare('DELETE FROM tokens WHERE participant_id = ?').run(participantId);
      this.db.prepare('INSERT INTO tokens (participant_id, token_hash, created_at) VALUES (?, ?, ?)').run(participantId, hashToken(token), now);
      this.db.prepare('DELETE FROM sessions WHERE participant_id = ?').run(participantId);
    }).immediate();
    return token;
  }

  /** Participants whose email matches (case-insensitive), or every one when no email is given; newest first, capped. */
  findParticipants(email: string | undefined, limit = 100): Participant[] {
    return email
      ? this.db.prepare('SELECT * FROM participants WHERE email_key = ? OR lower(email) = lower(?) ORDER BY id DESC LIMIT ?').all(emailKey(email), email, limit) as Participant[]
      : this.db.prepare('SELECT * FROM participants WHERE is_baseline = 0 ORDER BY id DESC LIMIT ?').all(limit) as Participant[];
  }

  // ---- web sessions ----

  /** Opens a web session for a participant; returns the cookie value (only its hash is stored). */
  createSession(participantId: number, now: number, maxAgeMs: number): string {
    const value = newToken().replace(/^pdm_/, 'pds_');
    this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now);
    this.db.prepare('INSERT INTO sessions (participant_id, session_hash, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(participantId, hashToken(value), now, now + maxAgeMs);
    return value;
  }

  participantBySession(value: string, now: number): Participant | undefined {
    return this.db
      .prepare('SELECT p.* FROM sessions s JOIN participants p ON p.id = s.participant_id WHERE s.session_hash = ? AND s.expires_at > ?')
      .get(hashToken(value), now) as Participant | undefined;
  }

  /** Revokes one session (logout): the cookie's value stops working everywhere. */
  deleteSession(value: string): void {
    this.db.prepare('DELETE FROM sessions WHERE session_hash = ?').run(hashToken(value));
  }

  /** A server-wide random secret, made on first use and kept in the database (restarts keep forms valid). */
  secret(name: string): Buffer {
    const read = () => this.db.prepare('SELECT value FROM secrets WHERE name = ?').get(name) as { value: string } | undefined;
    let row = read();
    if (!row) {
      this.db.prepare('INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)').run(name, crypto.randomBytes(32).toString('base64'));
      row = read()!;
    }
    return Buffer.from(row.value, 'base64');
  }

  // ---- challenges ----

  /**
   * Makes the challenges table match the loaded definitions: new ones inserted, changed ones
   * updated (the paused flag is the admin's and stays), missing ones marked unavailable.
   */
  syncChallenges(challenges: Challenge[], now: number, opts: { markMissing?: boolean } = {}): void {
    const sync = this.db.transaction(() => {
      const upsert = this.db.prepare(`
        INSERT INTO challenges (id, title, task, truth, primary_metric, higher_is_better, options_json, limits_json, description, available, synced_at)
        VALUES (@id, @title, @task, @truth, @primary_metric, @higher_is_better, @options_json, @limits_json, @description, 1, @now)
        ON CONFLICT (id) DO UPDATE SET title = excluded.title, task = excluded.task, truth = excluded.truth,
          primary_metric = excluded.primary_metric, higher_is_better = excluded.higher_is_better,
          options_json = excluded.options_json, limits_json = excluded.limits_json,
          description = excluded.description, available = 1, synced_at = excluded.synced_at`);
      const ids = new Set<string>();
      for (const c of challenges) {
        ids.add(c.id);
        upsert.run({
          id: c.id, title: c.title, task: c.task, truth: c.truth, primary_metric: c.primary_metric,
          higher_is_better: c.higher_is_better ? 1 : 0, options_json: JSON.stringify(c.options),
          limits_json: JSON.stringify(c.limits), description: c.description, now,
        });
        this.db.prepare('DELETE FROM phases WHERE challenge_id = ?').run(c.id);
        const phase = this.db.prepare('INSERT INTO phases (challenge_id, id, start_at, end_at) VALUES (?, ?, ?, ?)');
        for (const p of c.phases) phase.run(c.id, p.id, p.start.getTime(), p.end.getTime());
      }
      for (const row of this.db.prepare('SELECT id FROM challenges').all() as { id: string }[]) {
        if (!ids.has(row.id) && opts.markMissing !== false) this.db.prepare('UPDATE challenges SET available = 0 WHERE id = ?').run(row.id);
      }
      // Direction or final_selections may have changed with the definition.
      for (const id of ids) rebuildPicks(this.db, id);
    });
    sync.immediate();
    this.boardVersion++;
  }

  challenge(id: string): ChallengeRecord | undefined {
    const row = this.db.prepare('SELECT * FROM challenges WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return row ? this.toChallenge(row) : undefined;
  }

  /** Challenges that can be shown (definition and data present). */
  challenges(): ChallengeRecord[] {
    const rows = this.db.prepare('SELECT * FROM challenges WHERE available = 1 ORDER BY id').all() as Record<string, unknown>[];
    return rows.map((r) => this.toChallenge(r));
  }

  private toChallenge(row: Record<string, unknown>): ChallengeRecord {
    const phases = this.db
      .prepare('SELECT id, start_at, end_at FROM phases WHERE challenge_id = ? ORDER BY start_at')
      .all(row.id) as PhaseRow[];
    return {
      id: row.id as string,
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
    };
  }

  setPaused(challengeId: string, paused: boolean): void {
    this.db.prepare('UPDATE challenges SET paused = ? WHERE id = ?').run(paused ? 1 : 0, challengeId);
  }

  // ---- rules ----

  /** Records that a participant accepted a challenge's rules (once; later calls keep the first time). */
  acceptRules(challengeId: string, participantId: number, now: number): void {
    this.db.prepare('INSERT OR IGNORE INTO rules_acceptances (challenge_id, participant_id, accepted_at) VALUES (?, ?, ?)').run(challengeId, participantId, now);
  }

  /** When the participant accepted the challenge's rules, or undefined. */
  rulesAcceptedAt(challengeId: string, participantId: number): number | undefined {
    const row = this.db.prepare('SELECT accepted_at FROM rules_acceptances WHERE challenge_id = ? AND participant_id = ?').get(challengeId, participantId) as { accepted_at: number } | undefined;
    return row?.accepted_at;
  }

  // ---- teams ----

  teamOf(challengeId: string, participantId: number): Team | undefined {
    return this.db
      .prepare('SELECT t.* FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.challenge_id = ? AND m.participant_id = ?')
      .get(challengeId, participantId) as Team | undefined;
  }

  team(id: number): Team | undefined {
    return this.db.prepare('SELECT * FROM teams WHERE id = ?').get(id) as Team | undefined;
  }

  teamMembers(teamId: number): Participant[] {
    return this.db
      .prepare('SELECT p.* FROM team_members m JOIN participants p ON p.id = m.participant_id WHERE m.team_id = ? ORDER BY m.joined_at')
      .all(teamId) as Participant[];
  }

  private insertTeam(challengeId: string, name: string, now: number, isBaseline: boolean): Team {
    const taken = this.db.prepare('SELECT 1 FROM teams WHERE challenge_id = ? AND name = ?').get(challengeId, name);
    if (taken) throw new StoreError(409, `a team named "${name}" already exists in ${challengeId}; pick another name`);
    const r = this.db
      .prepare('INSERT INTO teams (challenge_id, name, invite_code, is_baseline, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(challengeId, name, newInviteCode(), isBaseline ? 1 : 0, now);
    return this.team(Number(r.lastInsertRowid))!;
  }

  private submissionCount(teamId: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM submissions WHERE team_id = ?').get(teamId) as { n: number }).n;
  }

  /**
   * Creates a named team with the participant as its first member. A participant who is alone
   * in a team without submissions (the automatic solo team) may leave it for the new one.
   */
  createTeam(challengeId: string, participantId: number, name: string, now: number): Team {
    const create = this.db.transaction(() => {
      this.leaveEmptySoloTeam(challengeId, participantId, 'create a team');
      const team = this.insertTeam(challengeId, name, now, false);
      this.db
        .prepare('INSERT INTO team_members (challenge_id, participant_id, team_id, joined_at) VALUES (?, ?, ?, ?)')
        .run(challengeId, participantId, team.id, now);
      return team;
    });
    const team = create.immediate();
    this.boardVersion++;
    return team;
  }

  /** Joins a team by its invite code, within the team size limit. */
  joinTeam(challengeId: string, participantId: number, code: string, now: number, sizeLimit: number): Team {
    const join = this.db.transaction(() => {
      const team = this.db.prepare('SELECT * FROM teams WHERE invite_code = ? AND challenge_id = ?').get(code, challengeId) as Team | undefined;
      if (!team) throw new StoreError(404, `no team in ${challengeId} has this invite code`);
      const current = this.teamOf(challengeId, participantId);
      if (current?.id === team.id) return team;
      const size = (this.db.prepare('SELECT count(*) AS n FROM team_members WHERE team_id = ?').get(team.id) as { n: number }).n;
      if (size >= sizeLimit) throw new StoreError(409, `team "${team.name}" is full (${sizeLimit} members at most)`);
      this.leaveEmptySoloTeam(challengeId, participantId, 'join another team');
      this.db
        .prepare('INSERT INTO team_members (challenge_id, participant_id, team_id, joined_at) VALUES (?, ?, ?, ?)')
        .run(challengeId, participantId, team.id, now);
      return team;
    });
    const team = join.immediate();
    this.boardVersion++;
    return team;
  }

  /**
   * What a participant may do about teams in a challenge: create or join another team only while
   * alone in a team without submissions (or in none); leave only a team without submissions
   * (members of a team that has submitted stay with it: no fresh quota by leaving).
   */
  teamOptions(challengeId: string, participantId: number): { canSwitch: boolean; canLeave: boolean; members: number; submissions: number } {
    const team = this.teamOf(challengeId, participantId);
    if (!team) return { canSwitch: true, canLeave: false, members: 0, submissions: 0 };
    const members = this.teamMembers(team.id).length;
    const submissions = this.submissionCount(team.id);
    return { canSwitch: members === 1 && submissions === 0, canLeave: submissions === 0 && team.is_baseline === 0, members, submissions };
  }

  /** Leaves a team that has not submitted; its last member leaving removes it. */
  leaveTeam(challengeId: string, participantId: number): void {
    this.db.transaction(() => {
      const team = this.teamOf(challengeId, participantId);
      if (!team) throw new StoreError(404, `you are in no team in ${challengeId}`);
      if (this.submissionCount(team.id) > 0) throw new StoreError(409, `team "${team.name}" has submissions; its members stay with them`);
      this.db.prepare('DELETE FROM team_members WHERE challenge_id = ? AND participant_id = ?').run(challengeId, participantId);
      if (this.teamMembers(team.id).length === 0) this.db.prepare('DELETE FROM teams WHERE id = ?').run(team.id);
    }).immediate();
    this.boardVersion++;
  }

  /** Renames the participant's team (any member may; names are unique in a challenge). */
  renameTeam(challengeId: string, participantId: number, name: string): Team {
    const team = this.db.transaction(() => {
      const t = this.teamOf(challengeId, participantId);
      if (!t) throw new StoreError(404, `you are in no team in ${challengeId}; your first submission creates one`);
      if (t.name === name) return t;
      if (this.db.prepare('SELECT 1 FROM teams WHERE challenge_id = ? AND name = ? AND id != ?').get(challengeId, name, t.id)) {
        throw new StoreError(409, `a team named "${name}" already exists in ${challengeId}; pick another name`);
      }
      this.db.prepare('UPDATE teams SET name = ? WHERE id = ?').run(name, t.id);
      return this.team(t.id)!;
    }).immediate();
    this.boardVersion++;
    return team;
  }

  /** Team changes are allowed only before a participant's team has submitted (no score laundering). */
  private leaveEmptySoloTeam(challengeId: string, participantId: number, action: string): void {
    const current = this.teamOf(challengeId, participantId);
    if (!current) return;
    const members = this.teamMembers(current.id).length;
    if (members > 1 || this.submissionCount(current.id) > 0) {
      throw new StoreError(409, `you are already in team "${current.name}" with ${members > 1 ? 'other members' : 'submissions'}; you cannot ${action}`);
    }
    this.db.prepare('DELETE FROM team_members WHERE challenge_id = ? AND participant_id = ?').run(challengeId, participantId);
    this.db.prepare('DELETE FROM teams WHERE id = ?').run(current.id);
  }

  /** The participant's team, creating a one-person team named after them on first use. */
  ensureTeam(challengeId: string, participant: Participant, now: number): Team {
    const existing = this.teamOf(challengeId, participant.id);
    if (existing) return existing;
    const create = this.db.transaction(() => {
      const again = this.teamOf(challengeId, participant.id);
      if (again) return again;
      let name = participant.name;
      if (this.db.prepare('SELECT 1 FROM teams WHERE challenge_id = ? AND name = ?').get(challengeId, name)) {
        name = `${participant.name} #${participant.id}`;
      }
      const team = this.insertTeam(challengeId, name, now, participant.is_baseline === 1);
      this.db
        .prepare('INSERT INTO team_members (challenge_id, participant_id, team_id, joined_at) VALUES (?, ?, ?, ?)')
        .run(challengeId, participant.id, team.id, now);
      return team;
    });
    return create.immediate();
  }

  // ---- submissions ----

  /**
   * Submissions that count against a team's limits: everything except failed ones, so a
   * scoring failure never costs quota.
   */
  usage(teamId: number, now: number): { today: number; total: number } {
    const { start } = utcDay(now);
    const row = this.db
      .prepare(`SELECT count(*) AS total, coalesce(sum(created_at >= ?), 0) AS today
                FROM submissions WHERE team_id = ? AND status != 'failed'`)
      .get(start, teamId) as { total: number; today: number };
    return { today: row.today, total: row.total };
  }

  /**
   * What a team (or a participant without a team yet) may still submit: today (UTC day) and in
   * all, as `usage` counts them (failed submissions cost nothing). Baselines have no limits.
   */
  remaining(team: Team | undefined, limits: ChallengeLimits, now: number): Remaining {
    const used = team ? this.usage(team.id, now) : { today: 0, total: 0 };
    const unlimited = team?.is_baseline === 1;
    const totalLeft = unlimited ? null : Math.max(0, limits.total - used.total);
    return {
      today: { used: used.today, allowed: limits.per_day, left: unlimited ? null : Math.min(totalLeft!, Math.max(0, limits.per_day - used.today)), resets_at: new Date(utcDay(now).next).toISOString() },
      total: { used: used.total, allowed: limits.total, left: totalLeft },
    };
  }

  /** Throws a 429 StoreError when the team is at a limit, saying when it resets. */
  checkLimits(team: Team, limits: ChallengeLimits, now: number): void {
    if (team.is_baseline) return;
    const used = this.usage(team.id, now);
    if (used.total >= limits.total) {
      throw new StoreError(429, `team "${team.name}" has used all ${limits.total} submissions of this challenge`, {
        limit: 'total', used: used.total, allowed: limits.total, resets_at: null,
      });
    }
    if (used.today >= limits.per_day) {
      const resets = new Date(utcDay(now).next).toISOString();
      throw new StoreError(429, `team "${team.name}" has used its ${limits.per_day} submissions for today (UTC); the limit resets at ${resets}`, {
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
  }): { submission: Submission; jobId: number } {
    const record = this.db.transaction(() => {
      const challenge = this.challenge(u.challengeId);
      const participant = this.participant(u.participantId);
      if (!challenge || !challenge.available) throw new StoreError(404, `no challenge "${u.challengeId}"`);
      if (!participant) throw new StoreError(401, 'this account no longer exists');
      const phaseId = phaseAt(challenge, u.receivedAt);
      const team = this.ensureTeam(challenge.id, participant, u.receivedAt);
      if (team.disqualified) throw new StoreError(403, `team "${team.name}" is disqualified: ${team.disqualified_reason ?? ''}`);
      return this.addSubmission({ ...u, challenge, team, participant, phaseId, now: u.receivedAt });
    });
    return record.immediate();
  }

  /** Records a validated submission of a known team and queues its scoring job, re-checking limits atomically. */
  addSubmission(s: {
    challenge: ChallengeRecord; team: Team; participant: Participant; phaseId: string | null;
    sha256: string; size: number; filename: string; storedPath: string; description: string;
    now: number; latency?: Record<string, unknown>;
  }): { submission: Submission; jobId: number } {
    const add = this.db.transaction(() => {
      this.checkLimits(s.team, s.challenge.limits, s.now);
      const r = this.db
        .prepare(`INSERT INTO submissions (challenge_id, team_id, participant_id, phase_id, sha256, size, filename, stored_path,
                    description, status, is_baseline, latency_json, created_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)`)
        .run(s.challenge.id, s.team.id, s.participant.id, s.phaseId, s.sha256, s.size, s.filename, s.storedPath,
          s.description, s.team.is_baseline, s.latency ? JSON.stringify(s.latency) : null, s.now);
      const id = Number(r.lastInsertRowid);
      const job = this.db
        .prepare(`INSERT INTO jobs (submission_id, kind, state, created_at) VALUES (?, 'score', 'queued', ?)`)
        .run(id, s.now);
      return { id, jobId: Number(job.lastInsertRowid) };
    });
    const { id, jobId } = add.immediate();
    return { submission: this.submission(id)!, jobId };
  }

  /** True when some submission row still points at this stored file (files are shared by content). */
  storedPathInUse(storedPath: string): boolean {
    return !!this.db.prepare('SELECT 1 FROM submissions WHERE stored_path = ? LIMIT 1').get(storedPath);
  }

  submission(id: number): Submission | undefined {
    return this.db.prepare('SELECT * FROM submissions WHERE id = ?').get(id) as Submission | undefined;
  }

  /** A team's submissions in a challenge, newest first. */
  teamSubmissions(teamId: number): Submission[] {
    return this.db.prepare('SELECT * FROM submissions WHERE team_id = ? ORDER BY id DESC').all(teamId) as Submission[];
  }

  /** How many jobs are ahead of this submission's pending job, plus one; null when none is pending. */
  queuePosition(submissionId: number): number | null {
    const job = this.db
      .prepare(`SELECT id, state FROM jobs WHERE submission_id = ? AND state IN ('queued', 'running') ORDER BY id DESC LIMIT 1`)
      .get(submissionId) as { id: number; state: string } | undefined;
    if (!job) return null;
    if (job.state === 'running') return 0;
    const ahead = this.db.prepare(`SELECT count(*) AS n FROM jobs WHERE state = 'queued' AND id < ?`).get(job.id) as { n: number };
    return ahead.n + 1;
  }

  currentScores(submissionId: number): ScoreRow[] {
    const rows = this.db
      .prepare(`SELECT split, metrics_json, extras_json, primary_value, ci_low, ci_high, bootstrap_samples, evaluator_version, created_at
                FROM scores WHERE submission_id = ? AND current = 1`)
      .all(submissionId) as (Omit<ScoreRow, 'metrics' | 'extras'> & { metrics_json: string; extras_json: string | null })[];
    return rows.map(({ metrics_json, extras_json, ...r }) => ({
      ...r, metrics: JSON.parse(metrics_json) as Scores, extras: extras_json ? JSON.parse(extras_json) as ScoreExtras : null,
    }));
  }

  /** Marks a scored submission as one of the team's final selections (or unmarks it). */
  setSelected(submission: Submission, selected: boolean, maxSelections: number): void {
    const select = this.db.transaction(() => {
      if (selected && !submission.selected) {
        const n = (this.db
          .prepare('SELECT count(*) AS n FROM submissions WHERE team_id = ? AND selected = 1')
          .get(submission.team_id) as { n: number }).n;
        if (n >= maxSelections) {
          throw new StoreError(409, `your team already has ${maxSelections} final selections; unselect one first`);
        }
      }
      this.db.prepare('UPDATE submissions SET selected = ? WHERE id = ?').run(selected ? 1 : 0, submission.id);
      refreshTeamPicks(this.db, submission.challenge_id, submission.team_id);
    });
    select.immediate();
    this.boardVersion++;
  }

  disqualifySubmission(id: number, reason: string): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE submissions SET disqualified = 1, disqualified_reason = ? WHERE id = ?').run(reason, id);
      const s = this.submission(id);
      if (s) refreshTeamPicks(this.db, s.challenge_id, s.team_id);
    }).immediate();
    this.boardVersion++;
  }

  disqualifyTeam(id: number, reason: string): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE teams SET disqualified = 1, disqualified_reason = ? WHERE id = ?').run(reason, id);
      const t = this.team(id);
      if (t) refreshTeamPicks(this.db, t.challenge_id, t.id);
    }).immediate();
    this.boardVersion++;
  }

  /** Every submission of a challenge with its team and current public/private primary scores. */
  submissionsForExport(challengeId: string): Record<string, unknown>[] {
    return this.db
      .prepare(`SELECT s.id, t.name AS team, p.name AS participant, s.created_at, s.status, s.error, s.sha256, s.size,
                  s.filename, s.description, s.selected, s.disqualified, s.is_baseline,
                  pub.primary_value AS public_score, pri.primary_value AS private_score,
                  coalesce(pub.evaluator_version, alls.evaluator_version) AS evaluator_version
                FROM submissions s JOIN teams t ON t.id = s.team_id JOIN participants p ON p.id = s.participant_id
                LEFT JOIN scores pub ON pub.submission_id = s.id AND pub.split = 'public' AND pub.current = 1
                LEFT JOIN scores pri ON pri.submission_id = s.id AND pri.split = 'private' AND pri.current = 1
                LEFT JOIN scores alls ON alls.submission_id = s.id AND alls.split = 'all' AND alls.current = 1
                WHERE s.challenge_id = ? ORDER BY s.id`)
      .all(challengeId) as Record<string, unknown>[];
  }
}
