/**
 * Errors that mean "a service this process depends on (the database, the object store) cannot
 * be reached right now", as opposed to a bad request or a bug: the caller answers 503 with
 * Retry-After, or puts the work back to try again later, and changes nothing meanwhile.
 */

/** Socket-level failures to reach a host (refused, reset, timed out, no route, name lookup). */
const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|ENOTFOUND|EAI_AGAIN)$/;

export function isNetworkError(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && NETWORK_CODES.test(code);
}

/**
 * The object store is down or unreachable: a socket failure, the SDK giving up on a time-out,
 * or the service answering 5xx (503 SlowDown, 500 InternalError).
 */
export function isStorageUnreachable(e: unknown): boolean {
  if (isNetworkError(e)) return true;
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (err?.name === 'TimeoutError') return true;
  const status = err?.$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 500;
}

/** How long a client should wait before trying again, in seconds (the Retry-After of a 503). */
export const RETRY_AFTER_S = 5;
