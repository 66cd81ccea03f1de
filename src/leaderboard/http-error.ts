/** A refused HTTP request: the status and a message (plus details) the client can act on. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}
