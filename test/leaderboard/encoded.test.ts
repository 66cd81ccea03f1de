/**
 * encode (routes/encoded.ts) compresses on the thread pool: the same bytes as zlib.gzipSync at
 * level 6, which it used before, so every served answer and ETag is unchanged; bodies under
 * 1 KB go as they are.
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encode, HTML_TYPE, JSON_TYPE } from '../../src/leaderboard/routes/encoded.js';

describe('encode', () => {
  it('gives gzipSync level 6 bytes and a hash of the body as the ETag', async () => {
    // A page-sized text (about 200 KB) in several shapes, and bodies around the 1 KB limit.
    const rows = Array.from({ length: 4000 }, (_, i) => `<tr><td>${i}</td><td>team ${i % 97}</td><td>${Math.sin(i).toFixed(6)}</td></tr>`).join('\n');
    const noisy = crypto.randomBytes(150_000).toString('base64');
    for (const text of [rows, noisy, 'x'.repeat(1024), 'é'.repeat(600)]) {
      const e = await encode(text, HTML_TYPE);
      const body = Buffer.from(text);
      expect(e.body.equals(body)).toBe(true);
      expect(e.type).toBe(HTML_TYPE);
      const sync = zlib.gzipSync(body, { level: 6 });
      expect(e.gzip?.equals(sync) ?? sync.length >= body.length).toBe(true);
      expect(e.etag).toBe(`"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`);
    }
  });

  it('leaves bodies under 1 KB uncompressed', async () => {
    const small = await encode('{"a":1}'.repeat(146), JSON_TYPE);
    expect(small.body.length).toBe(1022);
    expect(small.gzip).toBeUndefined();
  });
});
