/**
 * Migration 9 (the score-over-time read's indexes, migrations.ts): a database made by the
 * schema before it is migrated when opened, keeps its rows, and its history reads the same
 * rows (scored, not disqualified, current score of the split, oldest first) from the indexes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { MIGRATIONS } from '../../src/leaderboard/db.js';
import { openStore } from '../../src/leaderboard/open-store.js';
import { PG_MIGRATIONS } from '../../src/leaderboard/postgres.js';
import type { Store } from '../../src/leaderboard/store.js';
import { psql } from '../helpers/postgres.js';
import { TEST_PG, throwAwayPostgres } from './helpers.js';

const BEFORE = 8;

/**
 * Rows in the schema of migration 8: team A's submissions 1 (t=30) and 3 (t=10) are scored;
 * 2 was disqualified, 4 is still queued, 5 belongs to a disqualified team; submission 1 has an
 * older, no longer current public score. A team name with a quote, to read it back exactly.
 */
const ROWS = `
  INSERT INTO challenges (id, title, task, truth, primary_metric, higher_is_better, options_json, limits_json, synced_at)
    VALUES ('c', 'C', 'classification', 't.csv', 'top1_error', 0, '{}', '{}', 0);
  INSERT INTO participants (id, name, email, created_at, email_key) VALUES (1, 'a', 'a@x.org', 0, 'a@x.org'), (2, 'b', 'b@x.org', 0, 'b@x.org');
  INSERT INTO teams (id, challenge_id, name, invite_code, is_baseline, disqualified, created_at)
    VALUES (1, 'c', 'A''s', 'i1', 0, 0, 0), (2, 'c', 'B', 'i2', 0, 1, 0), (3, 'c', 'base', 'i3', 1, 0, 0);
  INSERT INTO submissions (id, challenge_id, team_id, participant_id, sha256, size, filename, stored_path, status, disqualified, is_baseline, created_at)
    VALUES (1, 'c', 1, 1, 'h1', 1, 'f.csv', 'p1', 'scored', 0, 0, 30),
           (2, 'c', 1, 1, 'h2', 1, 'f.csv', 'p2', 'scored', 1, 0, 20),
           (3, 'c', 1, 1, 'h3', 1, 'f.csv', 'p3', 'scored', 0, 0, 10),
           (4, 'c', 1, 1, 'h4', 1, 'f.csv', 'p4', 'queued', 0, 0, 40),
           (5, 'c', 2, 2, 'h5', 1, 'f.csv', 'p5', 'scored', 0, 0, 50),
           (6, 'c', 3, 2, 'h6', 1, 'f.csv', 'p6', 'scored', 0, 1, 30);
  INSERT INTO scores (id, submission_id, split, metrics_json, primary_value, evaluator_version, current, created_at)
    VALUES (1, 1, 'public', '{}', 0.9, 'v', 0, 30), (2, 1, 'public', '{}', 0.5, 'v', 1, 31), (3, 1, 'private', '{}', 0.7, 'v', 1, 31),
           (4, 2, 'public', '{}', 0.1, 'v', 1, 20), (5, 3, 'public', '{}', 0.25, 'v', 1, 10), (6, 5, 'public', '{}', 0.2, 'v', 1, 50),
           (7, 6, 'public', '{}', 0.75, 'v', 1, 30);
`;

const EXPECTED = [
  { t: 10, score: 0.25, team: "A's", baseline: 0 },
  { t: 30, score: 0.5, team: "A's", baseline: 0 },
  { t: 30, score: 0.75, team: 'base', baseline: 1 },
];

const COUNTS = 'SELECT (SELECT count(*) FROM submissions) AS submissions, (SELECT count(*) FROM scores) AS scores, (SELECT count(*) FROM teams) AS teams';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podium-history-index-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('migration 9: the history read from indexes', () => {
  it('SQLite: an older database is migrated on open, keeps its rows, and the read uses both indexes', async () => {
    const file = path.join(dir, 'old.sqlite');
    const old = new Database(file);
    for (let v = 1; v <= BEFORE; v++) old.exec(MIGRATIONS[v - 1]!);
    old.pragma(`user_version = ${BEFORE}`);
    old.exec(ROWS);
    old.close();

    const store = await openStore(file);
    try {
      expect(await store.sql.get('PRAGMA user_version')).toEqual({ user_version: MIGRATIONS.length });
      expect(await store.sql.get(COUNTS)).toEqual({ submissions: 6, scores: 7, teams: 3 });
      expect(await store.history('c', 'public')).toEqual(EXPECTED);
      // The query as the store sends it, planned by SQLite: both covering indexes, no sort step.
      const plan = await sqlitePlanOf(store);
      expect(plan).toMatch(/COVERING INDEX submissions_history/);
      expect(plan).toMatch(/COVERING INDEX scores_history/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    } finally {
      await store.close();
    }
  });

  it.runIf(TEST_PG)('PostgreSQL: an older database is migrated on open, keeps its rows and gains both indexes (with a handful of rows its planner rightly scans instead: no plan asserted)', async () => {
    const pg = throwAwayPostgres(TEST_PG!);
    try {
      psql(pg.url, `${PG_MIGRATIONS.slice(0, BEFORE).join(';\n')};
        CREATE TABLE podium_schema (version INTEGER NOT NULL); INSERT INTO podium_schema (version) VALUES (${BEFORE});
        ${ROWS}`);
      const store = await openStore(pg.url);
      try {
        expect(await store.sql.get('SELECT version FROM podium_schema')).toEqual({ version: PG_MIGRATIONS.length });
        expect(await store.sql.get(COUNTS)).toEqual({ submissions: 6, scores: 7, teams: 3 });
        expect(await store.history('c', 'public')).toEqual(EXPECTED);
        const indexes = await store.sql.all<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE indexname IN ('submissions_history', 'scores_history') ORDER BY 1`);
        expect(indexes.map((r) => r.indexname)).toEqual(['scores_history', 'submissions_history']);
      } finally {
        await store.close();
      }
    } finally {
      pg.drop();
    }
  });
});

/** The plan of the history read, in the words and parameters the store sends it (`allLarge`). */
async function sqlitePlanOf(store: Store): Promise<string> {
  const sent = vi.spyOn(store.sql, 'allLarge');
  await store.history('c', 'public');
  const [text, params] = sent.mock.calls[0]!;
  sent.mockRestore();
  return (await store.sql.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${text}`, params)).map((r) => r.detail).join('\n');
}
