/**
 * A request the store refuses, with a reason code the HTTP routes map to a status
 * (routes/http.ts): the store itself knows nothing of HTTP.
 */
export type StoreErrorCode =
  /** no such row (or not yours) */
  | 'not_found'
  /** the account behind the request does not exist (any more) */
  | 'unauthorized'
  /** clashes with the current state: a taken name, a full team, too many selections */
  | 'conflict'
  /** a submission limit is used up; `details.resets_at` says when it resets */
  | 'limit'
  /** not allowed now: the phase is closed, the team is disqualified */
  | 'forbidden'
  /** the value given is not acceptable */
  | 'invalid'
  /** the database cannot be reached right now; nothing was written, try again */
  | 'unavailable';

export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'StoreError';
  }
}
