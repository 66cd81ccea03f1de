/**
 * The leaderboard server: loads the challenges, migrates the database, starts the scoring
 * workers and the HTTP server (JSON API under /api, admin under /api/admin, HTML pages).
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { UsageError } from '../problems.js';
import { Boards } from './board.js';
import type { ChallengeFeed } from './challenge-feed.js';
import type { PgListener } from './pg-listener.js';
import { SqliteDatabase } from './db.js';
import { DEFAULT_BOOTSTRAP_SAMPLES } from './bootstrap.js';
import type { AppContext } from './context.js';
import { openStore } from './open-store.js';
import type { Store } from './store.js';
import { modelTracks, ScoringPool } from './pool.js';
import { JOBS_CHANNEL, newOwnerId, Queue } from './queue.js';
import { adminRoutes } from './routes/admin.js';
import { cachedReads } from './routes/cached-reads.js';
import { apiRoutes } from './routes/api.js';
import { bearer, jsonErrors, MIN_ADMIN_TOKEN_LENGTH, sessionViewer, viewer } from './routes/http.js';
import { logRequests, logSubmissionEvent, requestLine, requestLogger, type RequestLine } from './request-log.js';
import { pageErrors, pageRoutes } from './routes/pages.js';
import { previewRoutes } from './routes/previews.js';
import { setSiteHeaders } from './routes/site-headers.js';
import { HttpError } from './http-error.js';
import { isPostgresUrl } from './sql.js';
import { openStorage } from './storage.js';
import { loadServableChallenges, type UnavailableChallenge } from './sync.js';
import { catalogsOf } from './reload.js';
import { DEFAULT_UPLOAD_TIMEOUT_MS, storageDirFor, sweepTempFolder } from './upload.js';

export interface ServerOptions {
  /** A SQLite file path, or a postgres:// URL. */
  dbPath: string;
  /** Where submission files live: a folder (default: `submissions/` beside a SQLite file) or s3://bucket/prefix. */
  storage?: string;
  challengesRoot: string;
  port?: number;
  host?: string;
  workers?: number;
  adminToken?: string;
  /** Trust X-Forwarded-Proto/-For from a reverse proxy (express's `trust proxy`), so cookies get Secure behind HTTPS. */
  trustProxy?: boolean | string;
  /** Milliseconds since the epoch (tests move it past a phase's end). */
  clock?: () => number;
  /** Members per team at most (PODIUM_TEAM_SIZE, default 5). */
  teamSizeLimit?: number;
  /** How long a claimed job stays ours without a heartbeat. */
  leaseMs?: number;
  bootstrapSamples?: number;
  /** The longest an upload's body may take (default 10 min); then it is refused and its temp file deleted. */
  uploadTimeoutMs?: number;
  /** Validation budget of one upload: time (default 60 s) and heap (default 1024 MB), on their own threads (default 2). */
  validationTimeoutMs?: number;
  validationHeapMb?: number;
  validationWorkers?: number;
  /** A scoring that takes longer is stopped and failed with that reason (default 30 min). */
  jobTimeoutMs?: number;
  log?: (line: string) => void;
  /** Structured JSON lines (pino): one per request and per submission state change (`podium serve`: stdout). */
  requestLog?: NodeJS.WritableStream;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
  /** Resolves when no scoring job is queued or running (tests, benchmarks). */
  whenIdle(): Promise<void>;
  context: AppContext;
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

/**
 * On PostgreSQL, one listening connection for the notifications that keep challenge records
 * current in memory (board.ts; told of this process's own writes as they commit) and that wake
 * the scoring pool when a job is queued anywhere; none on SQLite (its reads are in-process).
 */
async function listen(store: Store, dbUrl: string, log: (line: string) => void): Promise<{ listener: PgListener; feed: ChallengeFeed } | undefined> {
  if (store.sql.dialect !== 'postgres') return undefined;
  const [{ ChallengeFeed, CHALLENGES_CHANNEL }, { PgListener }, { PostgresDatabase }] = await Promise.all([
    import('./challenge-feed.js'), import('./pg-listener.js'), import('./postgres.js'),
  ]);
  const listener = new PgListener(dbUrl, [CHALLENGES_CHANNEL, JOBS_CHANNEL], {
    name: 'podium serve listener', log,
    whileDown: 'board reads ask the database and scoring looks for queued jobs every second',
  });
  const feed = new ChallengeFeed(listener);
  if (store.sql instanceof PostgresDatabase) store.sql.onCommittedWrite = () => feed.wrote();
  await listener.start();
  return { listener, feed };
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`podium serve: ${line}\n`));
  const clock = opts.clock ?? (() => Date.now());
  if (opts.adminToken && opts.adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new UsageError(`serve: PODIUM_ADMIN_TOKEN is too short (${opts.adminToken.length} characters); use at least ${MIN_ADMIN_TOKEN_LENGTH} random ones, e.g. from \`openssl rand -base64 24\``);
  }
  const unavailable: UnavailableChallenge[] = [];
  const challenges = await loadServableChallenges(opts.challengesRoot, log, unavailable);
  const storageSpec = opts.storage ?? (isPostgresUrl(opts.dbPath) ? undefined : storageDirFor(opts.dbPath));
  if (!storageSpec) throw new UsageError('serve: a PostgreSQL database needs --storage (a folder or s3://bucket/prefix shared by every server and worker)');
  const storage = openStorage(storageSpec);
  const store = await openStore(opts.dbPath, { log });
  await store.syncChallenges(challenges, clock());
  const listening = await listen(store, opts.dbPath, log);
  const feed = listening?.feed;
  const queue = new Queue(store.sql, newOwnerId(), opts.leaseMs ?? 30_000);
  // Uploads cut short by a crash or kill -9 of an earlier run leave temp files: delete them.
  const swept = sweepTempFolder(storage.tmpDir);
  if (swept) log(`deleted ${swept} temp files left by an earlier run`);
  const uploadTimeoutMs = opts.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
  const models = modelTracks(challenges);
  const pool = new ScoringPool({
    store, queue, storage, clock, log, models,
    workers: opts.workers ?? defaultWorkers(),
    bootstrapSamples: opts.bootstrapSamples ?? DEFAULT_BOOTSTRAP_SAMPLES,
    jobTimeoutMs: opts.jobTimeoutMs ?? 30 * 60_000,
    validationTimeoutMs: opts.validationTimeoutMs, validationHeapMb: opts.validationHeapMb, validationWorkers: opts.validationWorkers,
    pollMs: Math.min(1000, Math.max(50, Math.floor((opts.leaseMs ?? 30_000) / 3))),
    listener: listening?.listener, pollWhileListeningMs: Math.max(50, Math.floor((opts.leaseMs ?? 30_000) / 3)),
  });
  const teamSize = opts.teamSizeLimit ?? (Number(process.env.PODIUM_TEAM_SIZE) || 5);
  const ctx: AppContext = {
    // PostgreSQL's notifications, or SQLite's data version, say when a challenge may have changed.
    store, boards: new Boards(store, feed ?? (store.sql instanceof SqliteDatabase ? store.sql.changes : undefined)), queue, pool, storage, clock, log, unavailable,
    adminToken: opts.adminToken || undefined, teamSizeLimit: teamSize, uploadTimeoutMs, models, files: catalogsOf(challenges),
    definitions: new Map(challenges.map((c) => [c.id, c])),
    challengesRoot: opts.challengesRoot,
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (opts.trustProxy) app.set('trust proxy', opts.trustProxy);
  app.use((_req, res, next) => {
    setSiteHeaders(res);
    next();
  });
  let line: RequestLine | undefined;
  if (opts.requestLog) {
    const logger = requestLogger(opts.requestLog);
    store.onSubmissionEvent = (e) => logSubmissionEvent(logger, e);
    queue.events = store.onSubmissionEvent;
    line = requestLine(logger, async (req) => (await (bearer(req) ? viewer(ctx, req) : sessionViewer(ctx, req)))?.id);
    app.use(logRequests(line));
  }
  app.use('/api/admin', adminRoutes(ctx), jsonErrors(ctx));
  app.use('/api', apiRoutes(ctx), jsonErrors(ctx));
  app.use(previewRoutes(ctx));
  app.use(pageRoutes(ctx));
  app.use((req, _res, next) => next(Object.assign(new Error(`no page ${req.path}`), { notFound: true })));
  app.use((err: unknown, req: express.Request, res: express.Response, next: express.NextFunction) => {
    // An unknown path is a 404 in the site's layout, like every other page error.
    const e = (err as { notFound?: boolean })?.notFound ? new HttpError(404, `There is no page at ${req.path}.`) : err;
    pageErrors(ctx)(e, req, res, next);
  });

  pool.start();
  const host = opts.host ?? '127.0.0.1';
  // Board reads are answered before express (cached-reads.ts), except behind a trusted proxy,
  // where the request log's address is express's reading of X-Forwarded-For.
  const server = http.createServer(opts.trustProxy ? app : cachedReads(ctx, app, line)).listen(opts.port ?? 3000, host);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (e) {
    // Nothing may keep the process alive after a failed start (worker threads, the database).
    await pool.close();
    await listening?.listener.close();
    await store.close();
    throw e;
  }
  // The upload's own time limit answers with a 408 first; this only catches what gets past it.
  server.requestTimeout = uploadTimeoutMs + 60_000;
  // Idle keep-alive connections close after 65 s, not Node's 5 s: a client that reuses one just
  // as the server closes it sees its upload fail mid-write (EPIPE) with nothing stored. Clients
  // (undici's fetch, browsers) retire a connection before the server's advertised timeout, which
  // only works when their timers run on time; 5 s was short enough to lose that race under load.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    context: ctx,
    whenIdle: () => pool.whenIdle(),
    close() {
      closed ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await pool.close();
        await listening?.listener.close();
        await store.close();
      })();
      return closed;
    },
  };
}

