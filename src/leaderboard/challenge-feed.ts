/**
 * Which challenges changed, told by PostgreSQL instead of asked for on every request: the
 * process's listening connection (pg-listener.ts) LISTENs on podium_challenges, which a
 * trigger (migration 8) notifies with the challenge id whenever a challenge's row or phases
 * change (a score moving its board version, a pause, a new definition). A challenge record read
 * while the feed is up stays current until a notification names it, so a warm board read
 * costs one round trip on the listening connection instead of reading the challenge and its
 * phases.
 *
 * The feed only vouches for a record while it is listening:
 * - a record is remembered with a stamp taken before its read began; a notification for it
 *   (or any change the feed cannot rule out) moves the stamp, and the next read asks again;
 * - this process's own writes move every stamp as soon as they commit, so a request that
 *   follows a write here (a score stored by this server's scoring threads) never waits for the
 *   notification to come back;
 * - a lost connection (an error, the server closing it, or an unanswered ping; pg-listener.ts)
 *   stops the feed vouching for anything: reads go to the database again, as without a feed,
 *   until it listens again (reconnecting with back-off), and what was remembered before is
 *   forgotten, since changes made meanwhile were never told.
 * - before a kept record is used, one round trip on the listening connection (shared by the
 *   requests that arrive meanwhile) makes sure every change committed before the request has
 *   been told: a score another process stored is on the next board read, never one after.
 */
import type { PgListener } from './pg-listener.js';
import { SharedRead } from './shared-read.js';

export const CHALLENGES_CHANNEL = 'podium_challenges';

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
  /** True when nothing can have changed the challenge since `stamp` was taken (as of the last `caughtUp`, when there is one). */
  unchangedSince(challengeId: string, stamp: FeedStamp): boolean;
  /** Resolves once every change committed before the call has been told (when telling is not immediate); await it before `unchangedSince`. */
  caughtUp?(): Promise<void>;
}

export class ChallengeFeed implements ChangeSignal {
  /** Moves on every (re)start of listening and every local write: all stamps taken before are void. */
  private epoch = 0;
  /** Notifications seen, by challenge id. */
  private changes = new Map<string, number>();

  /** Subscribes to `listener` (before it starts); the listener's owner starts and closes it. */
  constructor(private readonly listener: PgListener) {
    listener.onNotification(CHALLENGES_CHANNEL, (id) => this.changes.set(id, (this.changes.get(id) ?? 0) + 1));
    // Changes made while no one listened were never told: nothing read before counts.
    listener.onListening(() => this.epoch++);
  }

  /** True while notifications are being received. */
  get up(): boolean {
    return this.listener.up;
  }

  /** The stamp to keep with a record about to be read; undefined when the feed cannot vouch for it. */
  stamp(challengeId: string): FeedStamp | undefined {
    return this.up ? { epoch: this.epoch, n: this.changes.get(challengeId) ?? 0 } : undefined;
  }

  /** True when nothing can have changed the challenge since `stamp` was taken. */
  unchangedSince(challengeId: string, stamp: FeedStamp): boolean {
    return this.up && stamp.epoch === this.epoch && stamp.n === (this.changes.get(challengeId) ?? 0);
  }

  /**
   * Resolves once every notification of a change committed before the call has been received
   * (one round trip on the listening connection). Concurrent callers share one (a crowd costs
   * one round trip per wave); never rejects (a lost connection stops the feed vouching).
   */
  caughtUp(): Promise<void> {
    return this.barrier.read();
  }

  private readonly barrier = new SharedRead<void>(() => this.listener.roundTrip());

  /** This process committed a write: whatever it touched is read again. */
  wrote(): void {
    this.epoch++;
  }
}
