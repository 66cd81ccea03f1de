/**
 * The server's structured log (pino, one JSON line an event): a line per HTTP request (method,
 * path without the query, status, duration, bytes, participant when signed in by token or
 * session) and a line per submission state change (queued, scoring, scored, failed, requeued).
 * Tokens, cookies and query strings are never logged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { pino, type Logger } from 'pino';
import type { SubmissionEvent } from './store.js';

export type { Logger };

/** A logger writing JSON lines to `destination` (stdout for `podium serve`). */
export function requestLogger(destination: NodeJS.WritableStream): Logger {
  return pino({ base: { service: 'podium' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, destination as never);
}

/**
 * Writes a request's line once its answer has gone out. `start` is when the request was taken
 * up; `path` is taken then too (routers rewrite req.url while they handle it), never with the query.
 */
export type RequestLine = (req: IncomingMessage, res: ServerResponse, path: string, ip: string | undefined, start: bigint) => void;

export function requestLine(logger: Logger, participantOf: (req: IncomingMessage) => Promise<number | undefined>): RequestLine {
  return (req, res, requestPath, ip, start) => {
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
        bytes_in: bytesIn, bytes_out: bytesOut, ip, ...(participant !== undefined && { participant }),
      });
    });
  };
}

/** The express middleware that logs every request express handles. */
export function logRequests(line: RequestLine) {
  return (req: Request, res: Response, next: NextFunction) => {
    line(req, res, req.path, req.ip, process.hrtime.bigint());
    next();
  };
}

export function logSubmissionEvent(logger: Logger, e: SubmissionEvent): void {
  logger.info({ event: 'submission', ...e });
}
