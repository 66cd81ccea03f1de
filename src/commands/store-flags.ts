/**
 * `--db` and `--storage`, as every command that reaches the leaderboard's database takes them
 * (`serve`, `worker`, `baseline`): the flags, their help lines, and how a value is read (a
 * PostgreSQL URL or an s3:// location as it is, anything else a local path, made absolute).
 */
import path from 'node:path';
import { isPostgresUrl } from '../leaderboard/sql.js';

export const dbFlag = { db: { type: 'string' } } as const;
export const storeFlags = { ...dbFlag, storage: { type: 'string' } } as const;

export const DB_HELP = '  --db       a SQLite file or a PostgreSQL URL (postgres://...) shared by several servers and `podium worker`s';
export const STORAGE_HELP = [
  '  --storage  a folder or s3://bucket/prefix for submission files, the same for every server and worker;',
  '             S3 endpoint and keys from PODIUM_S3_ENDPOINT (or AWS_ENDPOINT_URL), AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY',
].join('\n');

/** A --db value: a PostgreSQL URL as given, a SQLite file as an absolute path. */
export function dbLocation(value: string): string {
  return isPostgresUrl(value) ? value : path.resolve(value);
}

/** A --storage value: s3://bucket/prefix as given, a folder as an absolute path. */
export function storageLocation(value: string): string {
  return value.startsWith('s3://') ? value : path.resolve(value);
}
