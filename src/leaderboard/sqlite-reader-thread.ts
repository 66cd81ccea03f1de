/** The thread of sqlite-reader.ts: its own read-only use of the database file, one statement a message. */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database((workerData as { file: string }).file, { fileMustExist: true });
db.pragma('busy_timeout = 10000');
// Reads only: a statement that would write is refused by SQLite.
db.pragma('query_only = ON');
const statements = new Map<string, Database.Statement>();

parentPort!.on('message', ({ id, sql, params }: { id: number; sql: string; params: unknown[] }) => {
  try {
    let s = statements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      statements.set(sql, s);
    }
    parentPort!.postMessage({ id, rows: s.all(...params) });
  } catch (e) {
    parentPort!.postMessage({ id, error: (e as Error).message, code: (e as { code?: string }).code });
  }
});
