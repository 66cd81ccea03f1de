/** `podium serve`: the leaderboard server (API contract: challenges, database, workers, HTTP). */
import path from 'node:path';
import { defaultChallengesRoot } from '../challenges/definition.js';
import { dataRoot } from '../paths.js';
import { UsageError } from '../problems.js';
import { defaultWorkers, startServer } from '../leaderboard/server.js';
import { parseFlags } from './args.js';
import { dbLocation, DB_HELP, STORAGE_HELP, storageLocation, storeFlags } from './store-flags.js';

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags('serve', args, {
    port: { type: 'string' },
    host: { type: 'string' },
    ...storeFlags,
    challenges: { type: 'string' },
    workers: { type: 'string' },
    'upload-timeout': { type: 'string' },
    'no-request-log': { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(
      'usage: podium serve [--port 3000] [--host 127.0.0.1] [--db data/podium.sqlite | postgres://...] [--storage DIR]\n' +
        '                    [--challenges challenges] [--workers N] [--upload-timeout SECONDS] [--no-request-log]\n' +
        `${DB_HELP} (default data/podium.sqlite)\n` +
        `${STORAGE_HELP}\n` +
        '             (default: submissions/ beside the SQLite file; required with PostgreSQL)\n' +
        '  an upload body taking longer than --upload-timeout (default 600) is refused and deleted\n' +
        '  one JSON line per request and per submission state change goes to stdout (pino); --no-request-log turns it off\n' +
        '  admin routes need PODIUM_ADMIN_TOKEN (20 characters or more); team size limit from PODIUM_TEAM_SIZE (default 5)\n' +
        '  behind an HTTPS reverse proxy set PODIUM_TRUST_PROXY=1 so session cookies are marked Secure\n',
    );
    return 0;
  }
  const port = values.port === undefined ? 3000 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`serve: --port must be 0..65535, got "${values.port}"`);
  const workers = values.workers === undefined ? defaultWorkers() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 0) throw new UsageError(`serve: --workers must be a whole number (0: scoring only by \`podium worker\`), got "${values.workers}"`);
  const uploadTimeout = values['upload-timeout'] === undefined ? undefined : Number(values['upload-timeout']);
  if (uploadTimeout !== undefined && !(uploadTimeout > 0)) throw new UsageError(`serve: --upload-timeout must be a positive number of seconds, got "${values['upload-timeout']}"`);
  const server = await startServer({
    dbPath: dbLocation(values.db ?? path.join(dataRoot(), 'podium.sqlite')),
    storage: values.storage === undefined ? undefined : storageLocation(values.storage),
    challengesRoot: path.resolve(values.challenges ?? defaultChallengesRoot()),
    port,
    host: values.host ?? '127.0.0.1',
    workers,
    uploadTimeoutMs: uploadTimeout === undefined ? undefined : Math.round(uploadTimeout * 1000),
    adminToken: process.env.PODIUM_ADMIN_TOKEN,
    // Behind an HTTPS reverse proxy: PODIUM_TRUST_PROXY=1 (or express's list of proxy addresses).
    trustProxy: process.env.PODIUM_TRUST_PROXY === '1' ? true : process.env.PODIUM_TRUST_PROXY || undefined,
    requestLog: values['no-request-log'] ? undefined : process.stdout,
  }).catch((e: NodeJS.ErrnoException) => {
    if (e?.code === 'EADDRINUSE') throw new UsageError(`serve: port ${port} is already in use; pass another --port (0 picks a free one)`);
    if (e?.code === 'EACCES' || e?.code === 'EADDRNOTAVAIL') throw new UsageError(`serve: cannot listen on ${values.host ?? '127.0.0.1'}:${port} (${e.code})`);
    throw e;
  });
  process.stdout.write(`podium serving at ${server.url}\n`);
  if (!process.env.PODIUM_ADMIN_TOKEN) process.stdout.write('(admin routes are off: set PODIUM_ADMIN_TOKEN to enable them)\n');
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`podium: ${signal}, stopping (jobs in flight go back to the queue)\n`);
      server.close().then(resolve, (e) => {
        process.stderr.write(`podium: error while stopping: ${(e as Error).message}\n`);
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
