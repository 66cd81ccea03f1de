/**
 * The one seam between the store and a database engine: run a statement, read rows, run a
 * transaction. Statements are written once with `?` placeholders (or `@name`, see `named`);
 * the PostgreSQL backend numbers them (`$1`, `$2`, ...). The few places where the dialects
 * differ ask `sql.dialect`. Only the store layer (store.ts, queue.ts, picks.ts, db.ts,
 * postgres.ts, and the engines' helpers sqlite-reader-thread.ts and pg-listener.ts) holds SQL.
 *
 * Hand-written SQL, not a query builder, decided by measurement: the token lookup every signed-in
 * request makes (participantByToken, SQLite) took 157 µs at best through this seam, 649 µs
 * through Kysely 0.28 (same query, its SqliteDialect over the same better-sqlite3) and 190 µs
 * on better-sqlite3 directly (best of 5 x 20,000 calls each, on a loaded machine). The two
 * dialects differ in few enough places to ask `dialect` there.
 */
export type Dialect = 'sqlite' | 'postgres';
export type SqlValue = string | number | null;

export interface Sql {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a statement; `changes` is the number of rows it wrote. */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
}

export interface TransactionOptions {
  /**
   * 'serializable' (default) makes a transaction behave as if it ran alone, as SQLite's
   * BEGIN IMMEDIATE does; PostgreSQL retries it on a serialization failure, so its body must
   * only touch the database. The queue uses 'read committed' with explicit row locks
   * (FOR UPDATE SKIP LOCKED) instead.
   */
  isolation?: 'serializable' | 'read committed';
}

export interface SqlDatabase extends Sql {
  /**
   * A read of many rows that must not hold up other requests: SQLite runs it on a reader thread
   * (sqlite-reader.ts); on PostgreSQL, `all` already leaves the work to the database server.
   */
  allLarge<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs `body` in one transaction: everything or nothing. Use only `tx` inside it. */
  transaction<T>(body: (tx: Sql) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

/** Rewrites `@name` parameters to `?` in order, for statements that repeat a value. */
export function named(sql: string, values: Record<string, SqlValue>): [string, SqlValue[]] {
  const params: SqlValue[] = [];
  const text = sql.replace(/@([a-z_]+)/g, (_m, name: string) => {
    if (!(name in values)) throw new Error(`no value for @${name}`);
    params.push(values[name]!);
    return '?';
  });
  return [text, params];
}

/** `?, ?, ?` for an IN list of n values (n >= 1). */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** A statement that may write (anything but a plain SELECT): its commit may change what was read before. */
export function mayWrite(sql: string): boolean {
  return !/^\s*select\b/i.test(sql);
}

/** True for a database URL this podium can open as PostgreSQL. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}
