/**
 * The SQLite backend (the default): better-sqlite3 in WAL mode with foreign keys on, and
 * numbered migrations applied in order inside one transaction each (user_version records the
 * last). A migration is never edited once released; a change is a new number at the end.
 * PostgreSQL's migrations (postgres.ts) carry the same numbers and the same schema; from 7 on
 * a migration is written once for both (migrations.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { UsageError } from '../problems.js';
import { mayWrite, type Sql, type SqlDatabase, type SqlValue } from './sql.js';
import type { ChangeSignal, FeedStamp } from './challenge-feed.js';
import { inDialect, SHARED_MIGRATIONS } from './migrations.js';
import { SqliteReader } from './sqlite-reader.js';

export type Db = Database.Database;

/** Migration N (1-based) is MIGRATIONS[N-1]. */
export const MIGRATIONS: readonly string[] = [
  // 1: the whole first schema.
  `
  CREATE TABLE participants (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    is_baseline INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
  );
  -- Only the sha256 of a token is kept: a leaked database does not leak credentials.
  CREATE TABLE tokens (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    token_hash     TEXT NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL
  );
  CREATE TABLE challenges (
    id               TEXT PRIMARY KEY,
    title            TEXT NOT NULL,
    task             TEXT NOT NULL,
    truth            TEXT NOT NULL,
    primary_metric   TEXT NOT NULL,
    higher_is_better INTEGER NOT NULL,
    options_json     TEXT NOT NULL,
    limits_json      TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    -- 0 when its folder is gone or its data is missing: kept, but hidden and not scored.
    available        INTEGER NOT NULL DEFAULT 1,
    paused           INTEGER NOT NULL DEFAULT 0,
    synced_at        INTEGER NOT NULL
  );
  CREATE TABLE phases (
    challenge_id TEXT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    start_at     INTEGER NOT NULL,
    end_at       INTEGER NOT NULL,
    PRIMARY KEY (challenge_id, id)
  );
  CREATE TABLE teams (
    id            INTEGER PRIMARY KEY,
    challenge_id  TEXT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    invite_code   TEXT NOT NULL UNIQUE,
    is_baseline   INTEGER NOT NULL DEFAULT 0,
    disqualified  INTEGER NOT NULL DEFAULT 0,
    disqualified_reason TEXT,
    created_at    INTEGER NOT NULL,
    UNIQUE (challenge_id, name)
  );
  -- One team per participant per challenge.
  CREATE TABLE team_members (
    challenge_id   TEXT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    team_id        INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    joined_at      INTEGER NOT NULL,
    PRIMARY KEY (challenge_id, participant_id)
  );
  CREATE INDEX team_members_team ON team_members(team_id);
  CREATE TABLE submissions (
    id             INTEGER PRIMARY KEY,
    challenge_id   TEXT NOT NULL REFERENCES challenges(id),
    team_id        INTEGER NOT NULL REFERENCES teams(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    phase_id       TEXT,
    sha256         TEXT NOT NULL,
    size           INTEGER NOT NULL,
    filename       TEXT NOT NULL,
    -- the stored file, relative to the storage folder
    stored_path    TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('queued', 'scoring', 'scored', 'failed')),
    error          TEXT,
    -- 'invalid': the file's fault; 'error': podium's or the environment's fault
    error_kind     TEXT,
    selected       INTEGER NOT NULL DEFAULT 0,
    disqualified   INTEGER NOT NULL DEFAULT 0,
    disqualified_reason TEXT,
    is_baseline    INTEGER NOT NULL DEFAULT 0,
    latency_json   TEXT,
    created_at     INTEGER NOT NULL,
    scored_at      INTEGER
  );
  CREATE INDEX submissions_challenge ON submissions(challenge_id, status);
  CREATE INDEX submissions_team_time ON submissions(team_id, created_at);
  -- One row per split per scoring; 'current' marks the row shown (older versions stay as history).
  CREATE TABLE scores (
    id                INTEGER PRIMARY KEY,
    submission_id     INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    split             TEXT NOT NULL CHECK (split IN ('all', 'public', 'private')),
    metrics_json      TEXT NOT NULL,
    primary_value     REAL,
    ci_low            REAL,
    ci_high           REAL,
    bootstrap_samples INTEGER NOT NULL DEFAULT 0,
    evaluator_version TEXT NOT NULL,
    job_id            INTEGER REFERENCES jobs(id),
    current           INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX scores_current ON scores(submission_id, split) WHERE current = 1;
  -- A job is finished once: the scores it wrote carry its id.
  CREATE UNIQUE INDEX scores_job_split ON scores(job_id, split);
  CREATE TABLE rescore_runs (
    id                INTEGER PRIMARY KEY,
    challenge_id      TEXT NOT NULL REFERENCES challenges(id),
    evaluator_version TEXT NOT NULL,
    -- leaderboards (public, private) as they were before the rescore
    before_json       TEXT NOT NULL,
    created_at        INTEGER NOT NULL
  );
  CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('score', 'rescore')),
    state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_owner   TEXT,
    lease_expires INTEGER,
    rescore_run_id INTEGER REFERENCES rescore_runs(id),
    error         TEXT,
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER
  );
  CREATE INDEX jobs_state ON jobs(state, id);
  `,
  // 2: materialized per-team leaderboard picks (picks.ts), so boards read a row per team.
  `
  CREATE TABLE board_picks (
    challenge_id  TEXT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    split         TEXT NOT NULL CHECK (split IN ('public', 'private')),
    team_id       INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    value         REAL NOT NULL,
    ci_low        REAL,
    ci_high       REAL,
    created_at    INTEGER NOT NULL,
    -- scored submissions of the team
    entries       INTEGER NOT NULL,
    PRIMARY KEY (challenge_id, split, team_id)
  );
  `,
  // 3: ids are never reused (AUTOINCREMENT): a deleted solo team's id once went to the next new
  // team, and an upload still holding it landed in that unrelated team. Tables are rebuilt (the
  // only way to add AUTOINCREMENT), copying every row with its id. Also: one account per email
  // (case-insensitive key; older duplicates keep their accounts, without a key), and sessions
  // for the web pages (a logout revokes its session; the API token is never put in a cookie).
  `
  CREATE TABLE participants_v3 (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    is_baseline INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    -- lower-cased email of a non-baseline account; NULL for baselines and pre-existing duplicates
    email_key   TEXT
  );
  INSERT INTO participants_v3 (id, name, email, is_baseline, created_at, email_key)
    SELECT id, name, email, is_baseline, created_at,
      CASE WHEN is_baseline = 0 AND id = (SELECT min(o.id) FROM participants o WHERE o.is_baseline = 0 AND lower(trim(o.email)) = lower(trim(participants.email)))
           THEN lower(trim(email)) END
    FROM participants;
  DROP TABLE participants;
  ALTER TABLE participants_v3 RENAME TO participants;
  CREATE UNIQUE INDEX participants_email_key ON participants(email_key);

  CREATE TABLE tokens_v3 (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    token_hash     TEXT NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL
  );
  INSERT INTO tokens_v3 SELECT id, participant_id, token_hash, created_at FROM tokens;
  DROP TABLE tokens;
  ALTER TABLE tokens_v3 RENAME TO tokens;

  CREATE TABLE teams_v3 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    challenge_id  TEXT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    invite_code   TEXT NOT NULL UNIQUE,
    is_baseline   INTEGER NOT NULL DEFAULT 0,
    disqualified  INTEGER NOT NULL DEFAULT 0,
    disqualified_reason TEXT,
    created_at    INTEGER NOT NULL,
    UNIQUE (challenge_id, name)
  );
  INSERT INTO teams_v3 SELECT id, challenge_id, name, invite_code, is_baseline, disqualified, disqualified_reason, created_at FROM teams;
  DROP TABLE teams;
  ALTER TABLE teams_v3 RENAME TO teams;

  CREATE TABLE submissions_v3 (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    challenge_id   TEXT NOT NULL REFERENCES challenges(id),
    team_id        INTEGER NOT NULL REFERENCES teams(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    phase_id       TEXT,
    sha256         TEXT NOT NULL,
    size           INTEGER NOT NULL,
    filename       TEXT NOT NULL,
    stored_path    TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('queued', 'scoring', 'scored', 'failed')),
    error          TEXT,
    error_kind     TEXT,
    selected       INTEGER NOT NULL DEFAULT 0,
    disqualified   INTEGER NOT NULL DEFAULT 0,
    disqualified_reason TEXT,
    is_baseline    INTEGER NOT NULL DEFAULT 0,
    latency_json   TEXT,
    created_at     INTEGER NOT NULL,
    scored_at      INTEGER
  );
  INSERT INTO submissions_v3 SELECT id, challenge_id, team_id, participant_id, phase_id, sha256, size, filename, stored_path,
    description, status, error, error_kind, selected, disqualified, disqualified_reason, is_baseline, latency_json, created_at, scored_at
    FROM submissions;
  DROP TABLE submissions;
  ALTER TABLE submissions_v3 RENAME TO submissions;
  CREATE INDEX submissions_challenge ON submissions(challenge_id, status);
  CREATE INDEX submissions_team_time ON submissions(team_id, created_at);
  CREATE INDEX submissions_stored_path ON submissions(stored_path);

  CREATE TABLE scores_v3 (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id     INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    split             TEXT NOT NULL CHECK (split IN ('all', 'public', 'private')),
    metrics_json      TEXT NOT NULL,
    primary_value     REAL,
    ci_low            REAL,
    ci_high           REAL,
    bootstrap_samples INTEGER NOT NULL DEFAULT 0,
    evaluator_version TEXT NOT NULL,
    job_id            INTEGER REFERENCES jobs(id),
    current           INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL
  );
  INSERT INTO scores_v3 SELECT id, submission_id, split, metrics_json, primary_value, ci_low, ci_high, bootstrap_samples,
    evaluator_version, job_id, current, created_at FROM scores;
  DROP TABLE scores;
  ALTER TABLE scores_v3 RENAME TO scores;
  CREATE UNIQUE INDEX scores_current ON scores(submission_id, split) WHERE current = 1;
  CREATE UNIQUE INDEX scores_job_split ON scores(job_id, split);

  CREATE TABLE rescore_runs_v3 (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    challenge_id      TEXT NOT NULL REFERENCES challenges(id),
    evaluator_version TEXT NOT NULL,
    before_json       TEXT NOT NULL,
    created_at        INTEGER NOT NULL
  );
  INSERT INTO rescore_runs_v3 SELECT id, challenge_id, evaluator_version, before_json, created_at FROM rescore_runs;
  DROP TABLE rescore_runs;
  ALTER TABLE rescore_runs_v3 RENAME TO rescore_runs;

  CREATE TABLE jobs_v3 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('score', 'rescore')),
    state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_owner   TEXT,
    lease_expires INTEGER,
    rescore_run_id INTEGER REFERENCES rescore_runs(id),
    error         TEXT,
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER
  );
  INSERT INTO jobs_v3 SELECT id, submission_id, kind, state, attempts, lease_owner, lease_expires, rescore_run_id, error,
    created_at, started_at, finished_at FROM jobs;
  DROP TABLE jobs;
  ALTER TABLE jobs_v3 RENAME TO jobs;
  CREATE INDEX jobs_state ON jobs(state, id);

  -- Web sign-in sessions: only the sha256 of the cookie's value is kept.
  CREATE TABLE sessions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    session_hash   TEXT NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
  );
  CREATE INDEX sessions_participant ON sessions(participant_id);
  -- Server-wide secrets made once (the key of the forms' CSRF tokens).
  CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 4: a per-challenge counter bumped with every change that can move its boards, so board
  // caches in every server process (one box or many replicas) know when to recompute.
  `
  ALTER TABLE challenges ADD COLUMN board_version INTEGER NOT NULL DEFAULT 0;
  `,
  // 5: a participant accepts a challenge's rules once, before the first submission.
  `
  CREATE TABLE rules_acceptances (
    challenge_id   TEXT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    accepted_at    INTEGER NOT NULL,
    PRIMARY KEY (challenge_id, participant_id)
  );
  `,
  // 6: a score's per-class tables (e.g. segmentation's IoU per class), shown on the submission page.
  `
  ALTER TABLE scores ADD COLUMN extras_json TEXT;
  `,
  // 7 on: written once for both databases (migrations.ts).
  ...SHARED_MIGRATIONS.map((m) => inDialect(m, 'sqlite')),
];

export interface OpenOptions {
  readonly?: boolean;
}

/**
 * Opens (creating when needed), checks and migrates the database. A file that is not a
 * database, or one that `PRAGMA quick_check` finds damaged anywhere (not only in the pages the
 * first requests happen to touch), is refused at once with what is wrong and what to do.
 */
export function openDb(dbPath: string, opts: OpenOptions = {}): Db {
  if (dbPath !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(dbPath)), { recursive: true });
  const name = path.basename(dbPath);
  let db: Db | undefined;
  try {
    db = new Database(dbPath, { readonly: opts.readonly === true });
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // Several processes (server, baseline runs) may write; wait for the lock rather than fail.
    db.pragma('busy_timeout = 10000');
    db.pragma('synchronous = NORMAL');
    if (dbPath !== ':memory:') {
      const found = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((r) => r.quick_check);
      if (found.join() !== 'ok') throw new DatabaseDamaged(`the database ${name} is damaged (${found.slice(0, 3).join('; ')})`);
    }
    if (!opts.readonly) migrate(db);
    return db;
  } catch (e) {
    db?.close();
    const code = (e as { code?: string }).code;
    if (e instanceof DatabaseDamaged) throw new UsageError(`${e.message}; restore it from a backup (or move it away to start empty)`);
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new UsageError(`the database ${name} is damaged or not a podium database (${(e as Error).message}); restore it from a backup (or move it away to start empty)`);
    }
    throw e;
  }
}

class DatabaseDamaged extends Error {}

/**
 * Applies every migration after the database's user_version, each in its own transaction.
 * Foreign keys are off while they run (SQLite's way to rebuild a table: dropping the old one
 * must not cascade), and each migration must leave no broken reference before it commits.
 */
export function migrate(db: Db): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this podium (${MIGRATIONS.length}); upgrade podium`);
  }
  if (current === MIGRATIONS.length) return current;
  db.pragma('foreign_keys = OFF');
  try {
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      const apply = db.transaction(() => {
        db.exec(MIGRATIONS[v - 1]!);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length) throw new Error(`migration ${v} would leave ${broken.length} broken references; nothing was changed`);
        db.pragma(`user_version = ${v}`);
      });
      apply.immediate();
    }
  } finally {
    db.pragma('foreign_keys = ON');
  }
  return MIGRATIONS.length;
}

/**
 * The store's view of a SQLite file. better-sqlite3 is synchronous, so every statement runs
 * at once (no thread hop, prepared statements cached by their text); the promises only match
 * PostgreSQL's interface. A transaction may await, so while one is open the other callers of
 * this connection wait for it: their statements must not land inside it.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Database.Statement>();
  private open: Promise<void> | undefined;
  private readonly direct: Sql;
  /** Large reads run here, off the main thread (none for an in-memory database, which no other connection can open). */
  private readonly reader: SqliteReader | undefined;

  /** Commits of this connection that wrote (other connections' move SQLite's data_version). */
  private ownWrites = 0;
  private transactionWrote = false;
  private readonly dataVersion: Database.Statement;
  /**
   * Whether a challenge may have changed since a stamp: this connection's writes and SQLite's
   * data_version, which moves with every commit of another connection (a `podium baseline`
   * process, an admin's sqlite3). Exact: a request sees every commit made before it asked, at
   * the cost of one pragma (a WAL read transaction: three system calls) for all the requests
   * that ask in one event-loop iteration.
   */
  readonly changes: ChangeSignal;

  constructor(readonly raw: Db) {
    this.reader = raw.memory ? undefined : new SqliteReader(raw.name);
    const self = this;
    this.direct = {
      dialect: 'sqlite',
      all: <T>(sql: string, params: readonly SqlValue[] = []) => Promise.resolve(self.inTransaction(sql).all(...params) as T[]),
      get: <T>(sql: string, params: readonly SqlValue[] = []) => Promise.resolve(self.inTransaction(sql).get(...params) as T | undefined),
      run: (sql: string, params: readonly SqlValue[] = []) => Promise.resolve({ changes: self.inTransaction(sql).run(...params).changes }),
    };
    this.dataVersion = raw.prepare('PRAGMA data_version').pluck();
    const now = (): FeedStamp => ({ epoch: self.ownWrites, n: self.dataVersion.get() as number });
    // The data version read by the last barrier; requests that asked for one before it ran may
    // trust it (a commit they must see came before it).
    let checked = 0;
    let barrier: Promise<void> | undefined;
    this.changes = {
      up: true,
      stamp: () => now(),
      // One pragma for all the requests of an event-loop iteration: it runs after every request
      // that asks in this iteration's poll phase (setImmediate: the check phase that follows).
      caughtUp: () => barrier ??= new Promise((resolve) => setImmediate(() => {
        barrier = undefined;
        checked = self.dataVersion.get() as number;
        resolve();
      })),
      unchangedSince: (_challengeId, stamp) => self.ownWrites === stamp.epoch && checked === stamp.n,
    };
  }

  /** A statement of the open transaction: whether it wrote is noted for the commit. */
  private inTransaction(sql: string): Database.Statement {
    if (mayWrite(sql)) this.transactionWrote = true;
    return this.statement(sql);
  }

  /** A statement outside a transaction: a write is counted at once (it commits as it runs). */
  private single(sql: string): Database.Statement {
    if (mayWrite(sql) && !this.raw.inTransaction) this.ownWrites++;
    return this.statement(sql);
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.raw.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    // Checked again after every wake-up, with no await before the statement runs.
    while (this.open) await this.open;
    return this.single(sql).all(...params) as T[];
  }

  allLarge<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.reader ? this.reader.all<T>(sql, params) : this.all<T>(sql, params);
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    // Checked again after every wake-up, with no await before the statement runs.
    while (this.open) await this.open;
    return this.single(sql).get(...params) as T | undefined;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    // Checked again after every wake-up, with no await before the statement runs.
    while (this.open) await this.open;
    return { changes: this.single(sql).run(...params).changes };
  }

  /** BEGIN IMMEDIATE: takes the write lock first, so the transaction never fails half-way on it. */
  async transaction<T>(body: (tx: Sql) => Promise<T>): Promise<T> {
    // No await between the check and taking the lock: nobody can slip in between.
    while (this.open) await this.open;
    let done!: () => void;
    this.open = new Promise((resolve) => (done = resolve));
    try {
      this.statement('BEGIN IMMEDIATE').run();
      this.transactionWrote = false;
      try {
        const out = await body(this.direct);
        this.statement('COMMIT').run();
        if (this.transactionWrote) this.ownWrites++;
        return out;
      } catch (e) {
        if (this.raw.inTransaction) this.statement('ROLLBACK').run();
        throw e;
      }
    } finally {
      this.open = undefined;
      done();
    }
  }

  async close(): Promise<void> {
    while (this.open) await this.open;
    await this.reader?.close();
    this.raw.close();
  }
}

/** Opens (creating and migrating) a SQLite database for the store. */
export function openSqlite(dbPath: string): SqliteDatabase {
  return new SqliteDatabase(openDb(dbPath));
}
