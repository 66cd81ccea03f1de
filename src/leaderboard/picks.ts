/**
 * Materialized leaderboard picks: for each team, the submission that represents it on the
 * public board and on the private board, kept in `board_picks`. A change refreshes only the
 * team it touches (a few rows), so reading a board costs the same with 100 or 100,000
 * submissions. Rules: the public pick is the team's best public score; the private pick is the
 * best private score among its final selections (default: its best `final_selections` public
 * ones), like Kaggle. Better score first, then the earlier submission, then the lower id.
 */
import type { Db } from './db.js';

interface ChallengeRules {
  higher_is_better: number;
  final_selections: number;
}

function rules(db: Db, challengeId: string): ChallengeRules | undefined {
  const row = db.prepare('SELECT higher_is_better, limits_json FROM challenges WHERE id = ?').get(challengeId) as
    { higher_is_better: number; limits_json: string } | undefined;
  if (!row) return undefined;
  return { higher_is_better: row.higher_is_better, final_selections: (JSON.parse(row.limits_json) as { final_selections: number }).final_selections };
}

/** The split the public board ranks on: 'public', or 'all' when the truth has no usage marks. */
export function publicSplitOf(db: Db, challengeId: string): 'public' | 'all' {
  return db
    .prepare(`SELECT 1 FROM submissions s JOIN scores sc ON sc.submission_id = s.id AND sc.split = 'public' AND sc.current = 1
              WHERE s.challenge_id = ? LIMIT 1`)
    .get(challengeId) ? 'public' : 'all';
}

const PICKS_SQL = (teamFilter: string) => `
  WITH pub AS (
    SELECT s.id, s.team_id, s.created_at, s.selected, sc.primary_value AS v, sc.ci_low, sc.ci_high,
           row_number() OVER (PARTITION BY s.team_id ORDER BY sc.primary_value * @sign, s.created_at, s.id) AS rn
    FROM submissions s JOIN teams t ON t.id = s.team_id
    JOIN scores sc ON sc.submission_id = s.id AND sc.current = 1 AND sc.split = @pubsplit
    WHERE s.challenge_id = @challenge AND s.status = 'scored' AND s.disqualified = 0 AND t.disqualified = 0
      AND sc.primary_value IS NOT NULL ${teamFilter}),
  entries AS (SELECT team_id, count(*) AS n FROM pub GROUP BY team_id),
  sel AS (SELECT team_id, max(selected) AS has_selection FROM pub GROUP BY team_id),
  cand AS (SELECT p.id, p.team_id, p.created_at FROM pub p JOIN sel USING (team_id)
           WHERE (sel.has_selection = 1 AND p.selected = 1) OR (sel.has_selection = 0 AND p.rn <= @n)),
  priv AS (SELECT c.id, c.team_id, c.created_at, sc.primary_value AS v, sc.ci_low, sc.ci_high,
             row_number() OVER (PARTITION BY c.team_id ORDER BY sc.primary_value * @sign, c.created_at, c.id) AS rn
           FROM cand c JOIN scores sc ON sc.submission_id = c.id AND sc.current = 1 AND sc.split = 'private'
           WHERE sc.primary_value IS NOT NULL)
  INSERT INTO board_picks (challenge_id, split, team_id, submission_id, value, ci_low, ci_high, created_at, entries)
  SELECT @challenge, 'public', p.team_id, p.id, p.v, p.ci_low, p.ci_high, p.created_at, e.n FROM pub p JOIN entries e USING (team_id) WHERE p.rn = 1
  UNION ALL
  SELECT @challenge, 'private', p.team_id, p.id, p.v, p.ci_low, p.ci_high, p.created_at, e.n FROM priv p JOIN entries e USING (team_id) WHERE p.rn = 1`;

function params(db: Db, challengeId: string, r: ChallengeRules, teamId?: number) {
  return {
    sign: r.higher_is_better ? -1 : 1, pubsplit: publicSplitOf(db, challengeId), challenge: challengeId,
    n: r.final_selections, ...(teamId !== undefined ? { team: teamId } : {}),
  };
}

/** Recomputes one team's picks (call inside the transaction that changed its data). */
export function refreshTeamPicks(db: Db, challengeId: string, teamId: number): void {
  const r = rules(db, challengeId);
  if (!r) return;
  const split = publicSplitOf(db, challengeId);
  const previous = db.prepare(`SELECT count(*) AS n FROM board_picks WHERE challenge_id = ?`).get(challengeId) as { n: number };
  // The first public score of a challenge switches its public board from 'all' to 'public': rebuild all.
  if (split === 'public' && previous.n > 0 && !db.prepare(
    `SELECT 1 FROM board_picks p JOIN scores sc ON sc.submission_id = p.submission_id AND sc.split = 'public' AND sc.current = 1
     WHERE p.challenge_id = ? AND p.split = 'public' LIMIT 1`).get(challengeId)) {
    rebuildPicks(db, challengeId);
    return;
  }
  db.prepare('DELETE FROM board_picks WHERE challenge_id = ? AND team_id = ?').run(challengeId, teamId);
  db.prepare(PICKS_SQL('AND s.team_id = @team')).run(params(db, challengeId, r, teamId));
}

/** Recomputes every team's picks of a challenge (startup, rescore, settings change). */
export function rebuildPicks(db: Db, challengeId: string): void {
  const r = rules(db, challengeId);
  db.prepare('DELETE FROM board_picks WHERE challenge_id = ?').run(challengeId);
  if (r) db.prepare(PICKS_SQL('')).run(params(db, challengeId, r));
}
