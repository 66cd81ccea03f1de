/**
 * `podium worker`: scores queued submissions on any host, claiming jobs from the shared
 * database under leases (the same queue and scoring threads as `podium serve`, without HTTP).
 * Truths are read from this host's own challenge folders; submission files from the shared
 * storage. SIGTERM/SIGINT: claim nothing more, let the jobs in hand finish (up to --grace
 * seconds), give the rest back to the queue, exit 0.
 */
import path from 'node:path';
import { defaultChallengesRoot } from '../challenges/definition.js';
import { UsageError } from '../problems.js';
import { parseFlags, requireFlag } from './args.js';
import { dbLocation, DB_HELP, STORAGE_HELP, storageLocation, storeFlags } from './store-flags.js';

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags('worker', args, {
    ...storeFlags,
    challenges: { type: 'string' },
    concurrency: { type: 'string' },
    lease: { type: 'string' },
    grace: { type: 'string' },
    'shard-units': { type: 'string' },
    poll: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(
      'usage: podium worker --db postgres://... --storage DIR|s3://bucket/prefix [--challenges challenges]\n' +
        '                     [--concurrency N] [--lease SECONDS] [--grace SECONDS] [--shard-units N] [--poll SECONDS]\n' +
        '  --concurrency  scoring threads (default 1)\n' +
        '  --lease        a job whose worker stops heartbeating for this long is retried elsewhere (default 30)\n' +
        '  --grace        on SIGTERM, how long jobs in hand may take to finish before they go back to the queue (default 60)\n' +
        '  --shard-units  cut a submission of more scoring units (images, mixtures, clips) than this into shards\n' +
        '                 of at most N units that any worker scores; one merges them (default: never cut)\n' +
        '  --poll         how often to look for jobs whose worker stopped (their lease ran out); new jobs are\n' +
        '                 told at once by PostgreSQL notifications (default: a third of --lease; every second\n' +
        '                 while the listening connection is down)\n' +
        `${DB_HELP}\n${STORAGE_HELP}\n`,
    );
    return 0;
  }
  const db = dbLocation(requireFlag('worker', values.db, 'db'));
  const storageSpec = storageLocation(requireFlag('worker', values.storage, 'storage'));
  const number = (name: string, v: string | undefined, fallback: number, min: number) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`worker: --${name} must be a number >= ${min}, got "${v}"`);
    return n;
  };
  const concurrency = number('concurrency', values.concurrency, 1, 1);
  if (!Number.isInteger(concurrency)) throw new UsageError(`worker: --concurrency must be a whole number, got "${values.concurrency}"`);
  const leaseMs = Math.round(number('lease', values.lease, 30, 1) * 1000);
  const graceMs = Math.round(number('grace', values.grace, 60, 0) * 1000);
  const pollMs = Math.round(number('poll', values.poll, leaseMs / 3000, 0.05) * 1000);
  const unitsPerShard = values['shard-units'] === undefined ? undefined : number('shard-units', values['shard-units'], 0, 1);
  if (unitsPerShard !== undefined && !Number.isInteger(unitsPerShard)) throw new UsageError(`worker: --shard-units must be a whole number, got "${values['shard-units']}"`);
  const log = (line: string) => process.stderr.write(`podium worker: ${line}\n`);

  const [{ openStore, describeDb }, { modelTracks, ScoringPool }, { JOBS_CHANNEL, newOwnerId, Queue }, { openStorage }, { loadServableChallenges }, { DEFAULT_BOOTSTRAP_SAMPLES }, { PgListener }] = await Promise.all([
    import('../leaderboard/open-store.js'), import('../leaderboard/pool.js'), import('../leaderboard/queue.js'),
    import('../leaderboard/storage.js'), import('../leaderboard/sync.js'), import('../leaderboard/bootstrap.js'),
    import('../leaderboard/pg-listener.js'),
  ]);
  const challenges = await loadServableChallenges(path.resolve(values.challenges ?? defaultChallengesRoot()), log);
  if (!challenges.length) throw new UsageError('worker: no challenge with its truth under --challenges; nothing could be scored here');
  const storage = openStorage(storageSpec);
  const store = await openStore(db, { log });
  const queue = new Queue(store.sql, newOwnerId(), leaseMs, challenges.map((c) => c.id));
  // PostgreSQL tells of every job queued anywhere; one more connection, for listening.
  const listener = store.sql.dialect === 'postgres'
    ? new PgListener(db, [JOBS_CHANNEL], { name: 'podium worker listener', log, whileDown: 'looking for queued jobs every second' })
    : undefined;
  await listener?.start();
  const pool = new ScoringPool({
    store, queue, storage, log, clock: () => Date.now(), workers: concurrency, validation: false,
    truths: new Map(challenges.map((c) => [c.id, c.truth])), models: modelTracks(challenges),
    bootstrapSamples: DEFAULT_BOOTSTRAP_SAMPLES, jobTimeoutMs: 30 * 60_000,
    pollMs: Math.min(1000, Math.max(50, Math.floor(leaseMs / 3))), listener, pollWhileListeningMs: pollMs, unitsPerShard,
  });
  pool.start();
  process.stdout.write(`podium worker ready: ${concurrency} scoring thread${concurrency === 1 ? '' : 's'}, ${challenges.map((c) => c.id).join(', ')}; database ${describeDb(db)}; storage ${storage.location}; owner ${queue.owner}\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`podium worker: ${signal}, finishing the jobs in hand (up to ${graceMs / 1000} s)\n`);
      void (async () => {
        try {
          const left = await pool.drain(graceMs);
          if (left) process.stdout.write(`podium worker: ${left} job${left === 1 ? '' : 's'} given back to the queue\n`);
          await pool.close();
          await listener?.close();
          await store.close();
        } catch (e) {
          log(`error while stopping: ${(e as Error).message}`);
        }
        resolve();
      })();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  process.stdout.write('podium worker: stopped\n');
  return 0;
}
