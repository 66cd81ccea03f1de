/**
 * Throw-away PostgreSQL databases, for the leaderboard tests (PODIUM_TEST_DB) and the server
 * bench (bench/server): psql for one statement, and a drop that copes with autovacuum.
 */
import { execFileSync } from 'node:child_process';

/** Runs one statement on a PostgreSQL server (psql, synchronously). */
export function psql(url: string, sql: string): string {
  return execFileSync('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', url, '-c', sql], { encoding: 'utf8' });
}

/**
 * Drops a database if it exists. WITH (FORCE) ends connections left open, but PostgreSQL 15
 * refuses it to a non-superuser while an autovacuum worker (a process of no role) is in the
 * database ("must be a member of the role whose process is being terminated"). A plain DROP
 * stops autovacuum workers itself and waits up to 5 s for the rest, so the two are alternated.
 */
export function dropDatabase(adminUrl: string, name: string): void {
  const tries = 6;
  for (let i = 0; ; i++) {
    try {
      psql(adminUrl, `DROP DATABASE IF EXISTS ${name}${i % 2 === 0 ? ' WITH (FORCE)' : ''}`);
      return;
    } catch (error) {
      if (i === tries - 1) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}
