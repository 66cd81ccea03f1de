/** Headers every answer of the site carries, whoever sends it (express, or the pre-router of cached-reads.ts). */
import type { ServerResponse } from 'node:http';

export function setSiteHeaders(res: ServerResponse): void {
  // Nothing is loaded from elsewhere; say so to the browser too.
  res.setHeader('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'none'; frame-ancestors 'none'; form-action 'self'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
}
