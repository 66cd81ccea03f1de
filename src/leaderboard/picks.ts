/**
 * Materialized leaderboard picks: for each team, the submission that represents it on the
 * public board and on the private board, kept in `board_picks`. A change refreshes only the
 * team it touches (a few rows), so reading a board costs the same with 100 or 100,000
 * submissions. Rules: the public pick is the team's best public score; the private pick is the
 * best private score among its final selections (default: its best `final_selections` public
 * ones), like Kaggle. Better score first, then the earlier submission, then the lower id.
 */
import { named, type Sql } from './sql.js';

interface ChallengeRules {
  higher_is_better: number;
  final_selections: number;
}

/**
 * Locks the challenge's row for the rest of the transaction (PostgreSQL; SQLite's write lock
 * already serialises writers), so two picks refreshes never interleave, and bumps its board
 * version so every process's board cache recomputes.
 */
export async function bumpBoard(q: Sql, challengeId: string): Promise<void> {
  await q.run('UPDATE challenges SET board_version = board_version + 1 WHERE id = ?', [challengeId]);
}

async function rules(q: Sql, challengeId: string): Promise<ChallengeRules | undefined> {
  const row = await q.get<{ higher_is_better: number; limits_json: string }>(
    'SELECT higher_is_better, limits_json FROM challenges WHERE id = ?', [challengeId]);
  if (!row) return undefined;
  return { higher_is_better: row.higher_is_better, final_selections: (JSON.parse(row.limits_json) as { final_selections: number }).final_selections };
}

/** The split the public board ranks on: 'public', or 'all' when the truth has no usage marks. */
export async function publicSplitOf(q: Sql, challengeId: string): Promise<'public' | 'all'> {
  return await q.get(
    `SELECT 1 AS x FROM submissions s JOIN scores sc ON sc.submission_id = s.id AND sc.split = 'public' AND sc.current = 1
     WHERE s.challenge_id = ? LIMIT 1`, [challengeId]) ? 'public' : 'all';
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

async function params(q: Sql, challengeId: string, r: ChallengeRules, teamId?: number) {
  return {
    sign: r.higher_is_better ? -1 : 1, pubsplit: await publicSplitOf(q, challengeId), challenge: challengeId,
    n: r.final_selections, ...(teamId !== undefined ? { team: teamId } : {}),
  };
}

/** Recomputes one team's picks (call inside the transaction that changed its data). */
export async function refreshTeamPicks(q: Sql, challengeId: string, teamId: number): Promise<void> {
  // The bump comes first: on PostgreSQL its row lock serialises refreshes of one challenge.
  await bumpBoard(q, challengeId);
  const r = await rules(q, challengeId);
  if (!r) return;
  const split = await publicSplitOf(q, challengeId);
  const previous = (await q.get<{ n: number }>('SELECT count(*) AS n FROM board_picks WHERE challenge_id = ?', [challengeId]))!;
  // The first public score of a challenge switches its public board from 'all' to 'public': rebuild all.
  if (split === 'public' && previous.n > 0 && !await q.get(
    `SELECT 1 AS x FROM board_picks p JOIN scores sc ON sc.submission_id = p.submission_id AND sc.split = 'public' AND sc.current = 1
     WHERE p.challenge_id = ? AND p.split = 'public' LIMIT 1`, [challengeId])) {
    await rebuildPicks(q, challengeId);
    return;
  }
  await q.run('DELETE FROM board_picks WHERE challenge_id = ? AND team_id = ?', [challengeId, teamId]);
  await q.run(...named(PICKS_SQL('AND s.team_id = @team'), await params(q, challengeId, r, teamId)));
}

/** Recomputes every team's picks of a challenge (startup, rescore, settings change). */
export async function rebuildPicks(q: Sql, challengeId: string): Promise<void> {
  await bumpBoard(q, challengeId);
  const r = await rules(q, challengeId);
  await q.run('DELETE FROM board_picks WHERE challenge_id = ?', [challengeId]);
  if (r) await q.run(...named(PICKS_SQL(''), await params(q, challengeId, r)));
}
