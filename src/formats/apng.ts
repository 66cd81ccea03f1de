/**
 * Animated PNG (APNG 1.0, the format browsers play in an <img>): 8-bit grey frames of one
 * size, each frame a full image. Layout: signature, IHDR, acTL (frame count, loop forever),
 * then per frame fcTL (sequence number, size, delay) and the image data, IDAT for the first
 * frame (so viewers without APNG show it) and fdAT (sequence number + data) for the others.
 * Rows use filter type 1 (Sub), good for smooth images.
 */
import zlib from 'node:zlib';
import { PNG_SIGNATURE, pngChunk } from './png.js';

function compress(width: number, height: number, grey: Uint8Array): Buffer {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (width + 1);
    raw[o] = 1;
    for (let x = 0; x < width; x++) raw[o + 1 + x] = (grey[y * width + x]! - (x > 0 ? grey[y * width + x - 1]! : 0)) & 255;
  }
  return zlib.deflateSync(raw, { level: 6 });
}

/** An APNG of grey frames (width x height bytes each), shown `delayMs` each, looping. */
export function encodeGreyApng(width: number, height: number, frames: readonly Uint8Array[], delayMs: number): Buffer {
  if (frames.length === 0) throw new RangeError('an animation needs at least one frame');
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grey
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(frames.length, 0);
  actl.writeUInt32BE(0, 4); // loop forever
  const parts = [Buffer.from(PNG_SIGNATURE), pngChunk('IHDR', ihdr), pngChunk('acTL', actl)];
  let sequence = 0;
  frames.forEach((frame, i) => {
    const fctl = Buffer.alloc(26);
    fctl.writeUInt32BE(sequence++, 0);
    fctl.writeUInt32BE(width, 4);
    fctl.writeUInt32BE(height, 8);
    fctl.writeUInt16BE(Math.round(delayMs), 20);
    fctl.writeUInt16BE(1000, 22);
    parts.push(pngChunk('fcTL', fctl));
    const data = compress(width, height, frame);
    if (i === 0) parts.push(pngChunk('IDAT', data));
    else {
      const body = Buffer.alloc(4 + data.length);
      body.writeUInt32BE(sequence++, 0);
      data.copy(body, 4);
      parts.push(pngChunk('fdAT', body));
    }
  });
  parts.push(pngChunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}
