/**
 * One PostgreSQL connection that LISTENs on a process's channels (podium_challenges for the
 * board cache, podium_jobs for the scoring pool) and keeps listening: a lost connection (an
 * error, the server closing it, or a ping unanswered for PING_TIMEOUT_MS) is given up and
 * opened again with back-off. Notifications sent while no one listened are never told, so
 * every subscriber is called back each time listening (re)starts, to catch up by asking.
 */
import pg from 'pg';

/** How often the listening connection is checked, and how long a check may take. */
const PING_EVERY_MS = 5000;
const PING_TIMEOUT_MS = 5000;
const RECONNECT_MAX_MS = 30_000;

export interface ListenerOptions {
  /** The connection's application_name (seen in pg_stat_activity). */
  name: string;
  /** What the process does instead while it does not listen (said in the log when listening stops). */
  whileDown: string;
  log?: (line: string) => void;
}

export class PgListener {
  private client: pg.Client | undefined;
  private listening = false;
  private closed = false;
  private failures = 0;
  private pingTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly handlers = new Map<string, ((payload: string) => void)[]>();
  private readonly listeningCallbacks: (() => void)[] = [];

  constructor(private readonly url: string, private readonly channels: readonly string[], private readonly opts: ListenerOptions) {}

  /** Calls `fn` with the payload of every notification on `channel` (one of the channels listened to). */
  onNotification(channel: string, fn: (payload: string) => void): void {
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), fn]);
  }

  /** Calls `fn` each time listening starts or starts again: whatever was sent meanwhile was missed. */
  onListening(fn: () => void): void {
    this.listeningCallbacks.push(fn);
  }

  /** True while notifications are being received. */
  get up(): boolean {
    return this.listening;
  }

  /** Starts listening; resolves once the first LISTEN is in place or has failed (then it retries). */
  async start(): Promise<void> {
    await this.connect();
  }

  /**
   * One `SELECT 1` on the listening connection: PostgreSQL sends the notifications pending for a
   * session before it answers the session's query, so when this resolves every notification
   * committed before the call has been told. Never rejects (a failure gives the connection up).
   */
  async roundTrip(): Promise<void> {
    const client = this.client;
    if (!client || !this.listening) return;
    try {
      await client.query('SELECT 1');
    } catch (e) {
      this.lost(client, (e as Error).message);
    }
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
    const client = new pg.Client({ connectionString: this.url, application_name: this.opts.name, connectionTimeoutMillis: 5000, keepAlive: true });
    this.client = client;
    client.on('notification', (m) => {
      if (m.payload === undefined) return;
      for (const fn of this.handlers.get(m.channel) ?? []) fn(m.payload);
    });
    client.on('error', (e) => this.lost(client, e.message));
    client.on('end', () => this.lost(client, 'the connection was closed'));
    try {
      await client.connect();
      for (const channel of this.channels) await client.query(`LISTEN ${channel}`);
    } catch (e) {
      this.lost(client, (e as Error).message);
      return;
    }
    if (this.client !== client) return;
    this.listening = true;
    if (this.failures > 0) this.opts.log?.(`${this.opts.name}: listening again`);
    this.failures = 0;
    this.pingTimer = setInterval(() => void this.ping(client), PING_EVERY_MS);
    this.pingTimer.unref();
    for (const fn of this.listeningCallbacks) fn();
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
    this.opts.log?.(`${this.opts.name}: ${reason}; ${this.opts.whileDown} until it listens again (next try in ${(waitMs / 1000).toFixed(1)} s)`);
    this.retryTimer = setTimeout(() => void this.connect(), waitMs);
    this.retryTimer.unref();
  }
}
