/**
 * The framing between the parent and the sandboxed runner, over two pipes (fd 3 parent →
 * child, fd 4 child → parent): `[u32 LE header length][header JSON][payload bytes]`, where
 * the header's `bytes` gives the payload length. The reader checks every declared length
 * against its budget before buffering anything, so a child announcing 1 GB is refused unread.
 */
import type { Readable, Writable } from 'node:stream';

export interface FrameHeader {
  type: string;
  /** Payload length in bytes (0 or absent: none). */
  bytes?: number;
  [key: string]: unknown;
}

export interface Frame {
  header: FrameHeader;
  payload: Buffer;
}

const MAX_HEADER = 1 << 20;

export class FrameOverflow extends Error {
  constructor(readonly declared: number, readonly limit: number) {
    super(`declared ${declared} bytes, over the ${limit}-byte limit`);
  }
}

export function writeFrame(out: Writable, header: FrameHeader, payload?: Buffer | Uint8Array[]): boolean {
  const parts = payload === undefined ? [] : Array.isArray(payload) ? payload : [payload];
  const bytes = parts.reduce((s, p) => s + p.byteLength, 0);
  const json = Buffer.from(JSON.stringify({ ...header, bytes }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  let ok = out.write(Buffer.concat([len, json]));
  for (const p of parts) ok = out.write(p) && ok;
  return ok;
}

/**
 * Reads frames from `input`, calling `onFrame` for each; `budget` caps the total bytes read
 * (headers and payloads), `onError` gets a FrameOverflow or a malformed-frame error once and
 * reading stops.
 */
export function readFrames(input: Readable, budget: number, onFrame: (f: Frame) => void, onError: (e: Error) => void): void {
  let chunks: Buffer[] = [];
  let buffered = 0;
  let total = 0;
  let need: { headerLen: number } | { header: FrameHeader } | null = null;
  let stopped = false;
  const stop = (e: Error) => {
    if (stopped) return;
    stopped = true;
    input.removeAllListeners('data');
    input.resume();
    onError(e);
  };
  const take = (n: number): Buffer => {
    const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    chunks = rest.length ? [rest] : [];
    buffered = rest.length;
    return head;
  };
  input.on('data', (chunk: Buffer) => {
    if (stopped) return;
    total += chunk.length;
    if (total > budget) return stop(new FrameOverflow(total, budget));
    chunks.push(chunk);
    buffered += chunk.length;
    for (;;) {
      if (need === null) {
        if (buffered < 4) return;
        const headerLen = take(4).readUInt32LE(0);
        if (headerLen > MAX_HEADER) return stop(new Error(`malformed frame: a ${headerLen}-byte header`));
        need = { headerLen };
      }
      if ('headerLen' in need) {
        if (buffered < need.headerLen) return;
        let header: FrameHeader;
        try {
          header = JSON.parse(take(need.headerLen).toString('utf8')) as FrameHeader;
        } catch {
          return stop(new Error('malformed frame: header is not JSON'));
        }
        const bytes = header.bytes ?? 0;
        if (!Number.isSafeInteger(bytes) || bytes < 0) return stop(new Error('malformed frame: bad payload length'));
        if (total - buffered + bytes > budget) return stop(new FrameOverflow(total - buffered + bytes, budget));
        need = { header };
      }
      const { header } = need;
      const bytes = header.bytes ?? 0;
      if (buffered < bytes) return;
      const payload = Buffer.from(take(bytes)); // copy: the frame outlives the chunk list
      need = null;
      onFrame({ header, payload });
    }
  });
}
