/** Opens the store on the backend a `--db` value names: a SQLite file path (default) or a postgres:// URL. */
import { openSqlite } from './db.js';
import { isPostgresUrl } from './sql.js';
import { Store } from './store.js';

export async function openStore(db: string, opts: { log?: (line: string) => void } = {}): Promise<Store> {
  if (isPostgresUrl(db)) {
    // Loaded only when asked for: the default one-box install never loads the PostgreSQL client.
    const { openPostgres } = await import('./postgres.js');
    return new Store(await openPostgres(db, opts));
  }
  return new Store(openSqlite(db));
}

/** A database URL without its password, for logs. */
export function describeDb(db: string): string {
  return isPostgresUrl(db) ? db.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@') : db;
}
