/**
 * Which challenges changed, told by PostgreSQL instead of asked for on every request: one
 * connection LISTENs on podium_challenges, which a trigger (migration 8) notifies with the
 * challenge id whenever a challenge's row or phases change (a score moving its board version,
 * a pause, a new definition). A challenge record read while the feed is up stays current until
 * a notification names it, so a warm board read costs one `SELECT 1` instead of reading the
 * challenge and its phases.
 *
 * The feed only vouches for a record while it is listening:
 * - a record is remembered with a stamp taken before its read began; a notification for it
 *   (or any change the feed cannot rule out) moves the stamp, and the next read asks again;
 * - this process's own writes move every stamp as soon as they commit, so a request that
 *   follows a write here (a score stored by this server's scoring threads) never waits for the
 *   notification to come back;
 * - a lost connection (an error, the server closing it, or a ping unanswered for PING_TIMEOUT_MS)
 *   stops the feed vouching for anything: reads go to the database again, as without a feed,
 *   until it listens again (reconnecting with back-off), and what was remembered before is
 *   forgotten, since changes made meanwhile were never told.
 * - before a kept record is used, one round trip on the listening connection (shared by the
 *   requests that arrive meanwhile) makes sure every change committed before the request has
 *   been told: a score another process stored is on the next board read, never one after.
 */
import pg from 'pg';
import { SharedRead } from './shared-read.js';

export const CHALLENGES_CHANNEL = 'podium_challenges';
/** How often the listening connection is checked, and how long a check may take. */
const PING_EVERY_MS = 5000;
const PING_TIMEOUT_MS = 5000;
const RECONNECT_MAX_MS = 30_000;

/** What a remembered record was read under: compare with `unchangedSince` before trusting it. */
export interface FeedStamp {
  epoch: number;
  n: number;
}

/**
 * What tells the board cache whether a challenge may have changed since a stamp was taken,
 * without reading the challenge: this feed on PostgreSQL, SQLite's data version (db.ts).
 */
export interface ChangeSignal {
  /** True while it can vouch for anything. */
  readonly up: boolean;
  /** The stamp to keep with a record about to be read; undefined when it cannot vouch for it. */
  stamp(challengeId: string): FeedStamp | undefined;
  /** True when nothing can have changed the challenge since `stamp` was taken. */
  unchangedSince(challengeId: string, stamp: FeedStamp): boolean;
  /** Resolves once every change committed before the call has been told (when telling is not immediate). */
  caughtUp?(): Promise<void>;
}

export class ChallengeFeed implements ChangeSignal {
  private client: pg.Client | undefined;
  private listening = false;
  /** Moves on every reconnect and every local write: all stamps taken before are void. */
  private epoch = 0;
  /** Notifications seen, by challenge id. */
  private changes = new Map<string, number>();
  private closed = false;
  private failures = 0;
  private pingTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly url: string, private readonly log?: (line: string) => void) {}

  /** Starts listening; resolves once the first LISTEN is in place or has failed (then it retries). */
  async start(): Promise<void> {
    await this.connect();
  }

  /** True while notifications are being received. */
  get up(): boolean {
    return this.listening;
  }

  /** The stamp to keep with a record about to be read; undefined when the feed cannot vouch for it. */
  stamp(challengeId: string): FeedStamp | undefined {
    return this.listening ? { epoch: this.epoch, n: this.changes.get(challengeId) ?? 0 } : undefined;
  }

  /** True when nothing can have changed the challenge since `stamp` was taken. */
  unchangedSince(challengeId: string, stamp: FeedStamp): boolean {
    return this.listening && stamp.epoch === this.epoch && stamp.n === (this.changes.get(challengeId) ?? 0);
  }

  /**
   * Resolves once every notification of a change committed before the call has been received:
   * a `SELECT 1` on the listening connection, since PostgreSQL sends the notifications pending
   * for a session before it answers the session's query. Concurrent callers share one (a crowd
   * costs one round trip per wave); never rejects (a lost connection stops the feed vouching).
   */
  caughtUp(): Promise<void> {
    return this.barrier.read();
  }

  private readonly barrier = new SharedRead<void>(async () => {
    const client = this.client;
    if (!client || !this.listening) return;
    try {
      await client.query('SELECT 1');
    } catch (e) {
      this.lost(client, (e as Error).message);
    }
  });

  /** This process committed a write: whatever it touched is read again. */
  wrote(): void {
    this.epoch++;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    clearInterval(this.pingTimer);
    clearTimeout(this.retryTimer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url, application_name: 'podium challenge feed', connectionTimeoutMillis: 5000, keepAlive: true });
    this.client = client;
    client.on('notification', (m) => {
      if (m.channel !== CHALLENGES_CHANNEL || m.payload === undefined) return;
      this.changes.set(m.payload, (this.changes.get(m.payload) ?? 0) + 1);
    });
    client.on('error', (e) => this.lost(client, e.message));
    client.on('end', () => this.lost(client, 'the connection was closed'));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHALLENGES_CHANNEL}`);
    } catch (e) {
      this.lost(client, (e as Error).message);
      return;
    }
    if (this.client !== client) return;
    // Changes made while no one listened were never told: nothing read before counts.
    this.epoch++;
    this.listening = true;
    if (this.failures > 0) this.log?.('challenge feed: listening again');
    this.failures = 0;
    this.pingTimer = setInterval(() => void this.ping(client), PING_EVERY_MS);
    this.pingTimer.unref();
  }

  /** A connection whose other end vanished (a cut link) answers nothing: give it up. */
  private async ping(client: pg.Client): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS / 1000} s`)), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([client.query('SELECT 1'), timeout]);
    } catch (e) {
      this.lost(client, (e as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  private lost(client: pg.Client, reason: string): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listening = false;
    clearInterval(this.pingTimer);
    client.removeAllListeners('notification');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.closed) return;
    const waitMs = Math.min(RECONNECT_MAX_MS, 500 * 2 ** Math.min(this.failures++, 6));
    this.log?.(`challenge feed: ${reason}; board reads ask the database until it listens again (next try in ${(waitMs / 1000).toFixed(1)} s)`);
    this.retryTimer = setTimeout(() => void this.connect(), waitMs);
    this.retryTimer.unref();
  }
}
