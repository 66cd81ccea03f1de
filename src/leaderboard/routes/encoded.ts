/**
 * Responses encoded once and served many times: the body, its gzip and an ETag (a hash of the
 * body), so a crowd reading the same board costs one serialisation and one compression per
 * board version; a client that already has it gets 304 Not Modified.
 */
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Content-Type values as express's `res.type()` writes them (MIME type and charset), set
 * directly so an answer is the same whether express or the pre-router (cached-reads.ts) sends it.
 */
export const JSON_TYPE = 'application/json; charset=utf-8';
export const HTML_TYPE = 'text/html; charset=utf-8';
export const CSV_TYPE = 'text/csv; charset=utf-8';

export interface Encoded {
  /** The Content-Type header (one of the constants above). */
  type: string;
  body: Buffer;
  /** Only when compression saves something (small bodies go as they are). */
  gzip?: Buffer;
  etag: string;
}

const gzipOnPool = promisify(zlib.gzip);

/**
 * The answer for a text. Compressed on libuv's thread pool rather than on the main thread, which
 * keeps answering meanwhile (a 160 KB page takes milliseconds); the bytes are gzipSync's (same
 * zlib, same level).
 */
export async function encode(text: string, type: string): Promise<Encoded> {
  const body = Buffer.from(text);
  const gzip = body.length >= 1024 ? await gzipOnPool(body, { level: 6 }) : undefined;
  const etag = `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
  return { type, body, gzip: gzip && gzip.length < body.length ? gzip : undefined, etag };
}

/** True when the request's If-None-Match names this ETag (or `*`). */
function notModified(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === etag || tag === '*';
  });
}

function acceptsGzip(req: IncomingMessage): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
}

/**
 * Sends an encoded response: 304 when the client has it, gzip when it accepts it. `no-cache`
 * lets browsers and proxies keep a copy but ask (with the ETag) before each use.
 */
export function sendEncoded(req: IncomingMessage, res: ServerResponse, e: Encoded, status = 200, cacheControl = 'no-cache'): void {
  res.setHeader('ETag', e.etag);
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('Vary', 'Accept-Encoding');
  if (status === 200 && notModified(req, e.etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = status;
  res.setHeader('Content-Type', e.type);
  if (e.gzip && acceptsGzip(req)) {
    res.setHeader('Content-Encoding', 'gzip');
    res.end(e.gzip);
  } else {
    res.end(e.body);
  }
}
