/**
 * The server's structured log (pino, one JSON line an event): a line per HTTP request (method,
 * path without the query, status, duration, bytes, participant when signed in by token or
 * session) and a line per submission state change (queued, scoring, scored, failed, requeued).
 * Tokens, cookies and query strings are never logged.
 */
import type { NextFunction, Request, Response } from 'express';
import { pino, type Logger } from 'pino';
import type { SubmissionEvent } from './store.js';

export type { Logger };

/** A logger writing JSON lines to `destination` (stdout for `podium serve`). */
export function requestLogger(destination: NodeJS.WritableStream): Logger {
  return pino({ base: { service: 'podium' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, destination as never);
}

export function logRequests(logger: Logger, participantOf: (req: Request) => Promise<number | undefined>) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    // Taken now: routers rewrite req.url while they handle it. Never the query string.
    const requestPath = req.path;
    res.on('finish', async () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const bytesIn = Number(req.headers['content-length'] ?? 0) || 0;
      const bytesOut = Number(res.getHeader('content-length') ?? 0) || 0;
      let participant: number | undefined;
      try {
        // Only when the request carried a token or a session cookie (one lookup).
        if (req.headers.authorization || req.headers.cookie) participant = await participantOf(req);
      } catch {
        participant = undefined;
      }
      logger.info({
        event: 'request', method: req.method, path: requestPath, status: res.statusCode, ms: Math.round(ms * 10) / 10,
        bytes_in: bytesIn, bytes_out: bytesOut, ip: req.ip, ...(participant !== undefined && { participant }),
      });
    });
    next();
  };
}

export function logSubmissionEvent(logger: Logger, e: SubmissionEvent): void {
  logger.info({ event: 'submission', ...e });
}
