/**
 * PNG reading and writing over typed arrays (PNG spec, ISO/IEC 15948 / W3C PNG 2nd ed.).
 *
 * Decoding: chunks are walked and CRC-checked, IDAT is inflated with node:zlib (bounded to the
 * exact size the header implies, so a PNG cannot inflate into a bomb) and unfiltered in place
 * (all five filter types). Supported: bit depth 8 for every colour type, 1/2/4 for grey and
 * palette images (expanded to one byte per pixel), and 16 for grey, grey + alpha, RGB and RGBA
 * (samples are big-endian in the file, section 7.1; `decodePngSamples` returns them as a
 * Uint16Array). Not supported (a clear error): Adam7 interlacing. `data` holds raw samples, not
 * palette colours: for a palette PNG it is the palette index of each pixel, which is exactly
 * what a segmentation mask means.
 *
 *   const png = decodePng(buffer, 'masks/2007_000032.png');   // 8-bit only; throws PngError
 *   png.width, png.height, png.channels, png.data             // Uint8Array, row-major
 *   const img = decodePngSamples(buffer, 'DAPI.png');         // 8- or 16-bit
 *   img.data                                                  // Uint8Array or Uint16Array
 *
 * Encoding: `encodePng({ width, height, colorType: 'palette', palette: VOC_PALETTE, data })`
 * (also 'gray', 'rgb', 'rgba'; a Uint16Array `data` writes a 16-bit image), filter type 0 by
 * default; `filter` picks another one, 'cycle' uses all five (the tests use it to exercise the
 * decoder) and 'adaptive' picks per row the filter with the least sum of absolute filtered
 * bytes, as libpng and Pillow do for 8- and 16-bit images.
 */
import zlib from 'node:zlib';
import { promisify } from 'node:util';

const inflateAsync = promisify(zlib.inflate);

/** A PNG that cannot be read; `file` names it, the message says what is wrong. */
export class PngError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'PngError';
  }
}

export type PngColorType = 'gray' | 'rgb' | 'palette' | 'gray-alpha' | 'rgba';

const COLOR_TYPES: Record<number, { name: PngColorType; channels: number; depths: readonly number[] }> = {
  0: { name: 'gray', channels: 1, depths: [1, 2, 4, 8] },
  2: { name: 'rgb', channels: 3, depths: [8] },
  3: { name: 'palette', channels: 1, depths: [1, 2, 4, 8] },
  4: { name: 'gray-alpha', channels: 2, depths: [8] },
  6: { name: 'rgba', channels: 4, depths: [8] },
};
/** Colour types that may also have 16-bit samples (PNG spec table 11.1); palette may not. */
const SIXTEEN_BIT_TYPES: ReadonlySet<number> = new Set([0, 2, 4, 6]);
const COLOR_TYPE_CODES: Record<PngColorType, number> = { gray: 0, rgb: 2, palette: 3, 'gray-alpha': 4, rgba: 6 };

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: PngColorType;
  /** Samples per pixel in `data` after decoding (1 for grey and palette). */
  channels: number;
}

export interface DecodedPng extends PngHeader {
  /** width * height * channels samples, row-major, one byte each. */
  data: Uint8Array;
  /** RGB triples of a palette image (PLTE), if present. */
  palette?: Uint8Array;
}

export interface DecodeOptions {
  /** Refuse images with more pixels than this (a 1-chunk header can ask for gigabytes). */
  maxPixels?: number;
}

/** What readParts accepts beyond DecodeOptions: 16-bit samples only for callers that read them. */
interface PartsOptions extends DecodeOptions {
  sixteenBit?: boolean;
}

export const DEFAULT_MAX_PIXELS = 64 * 1024 * 1024;

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** Chunks of a PNG: header, palette, and the concatenated compressed image data. */
interface PngParts {
  header: PngHeader;
  palette?: Uint8Array;
  idat: Uint8Array;
  /** Bytes of one unfiltered row, and bytes per complete pixel (>= 1) for the filters. */
  rowBytes: number;
  filterBpp: number;
}

function readParts(buf: Uint8Array, file: string, opts: PartsOptions): PngParts {
  const fail = (reason: string): never => {
    throw new PngError(file, reason);
  };
  if (buf.length < 8 || !PNG_SIGNATURE.every((b, i) => buf[i] === b)) fail('not a PNG file (bad signature)');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 8;
  let header: PngHeader | undefined;
  let palette: Uint8Array | undefined;
  const idats: Uint8Array[] = [];
  let idatBytes = 0;
  let sawEnd = false;
  while (pos < buf.length) {
    if (pos + 12 > buf.length) fail(`truncated chunk header at byte ${pos}`);
    const length = view.getUint32(pos);
    const type = String.fromCharCode(buf[pos + 4]!, buf[pos + 5]!, buf[pos + 6]!, buf[pos + 7]!);
    if (length > 0x7fffffff || pos + 12 + length > buf.length) fail(`truncated file: chunk ${type} at byte ${pos} runs past the end`);
    const body = buf.subarray(pos + 8, pos + 8 + length);
    // IDAT's CRC is not recomputed: its zlib stream carries an Adler-32 of the whole image that
    // inflate checks, and Pillow skips it too (PngStream.crc_skip). It was ~10 % of decoding a
    // 16-bit 1024 x 1024 label image (bench/fluorescence).
    const crc = view.getUint32(pos + 8 + length);
    if (type !== 'IDAT' && zlib.crc32(body, zlib.crc32(buf.subarray(pos + 4, pos + 8))) !== crc) fail(`CRC mismatch in chunk ${type} at byte ${pos} (corrupt file)`);
    pos += 12 + length;
    if (!header && type !== 'IHDR') fail(`first chunk is ${type}, expected IHDR`);
    if (type === 'IHDR') {
      if (header) fail('more than one IHDR chunk');
      header = parseIhdr(body, file, opts);
    } else if (type === 'PLTE') {
      if (length % 3 !== 0 || length === 0 || length > 768) fail(`PLTE has ${length} bytes, expected a multiple of 3 up to 768`);
      palette = new Uint8Array(body); // a copy: do not keep the whole file alive through a view
    } else if (type === 'IDAT') {
      idats.push(body);
      idatBytes += length;
    } else if (type === 'IEND') {
      sawEnd = true;
      break;
    }
  }
  if (!header) fail('no IHDR chunk');
  if (idats.length === 0) fail('no image data (IDAT chunk)');
  if (!sawEnd) fail('truncated file: no IEND chunk');
  const h = header!;
  if (h.colorType === 'palette' && !palette) fail('palette image without a PLTE chunk');
  const idat = idats.length === 1 ? idats[0]! : concat(idats, idatBytes);
  const bitsPerPixel = h.bitDepth * h.channels;
  return { header: h, palette, idat, rowBytes: Math.ceil((h.width * bitsPerPixel) / 8), filterBpp: Math.max(1, bitsPerPixel >> 3) };
}

/** Reads and checks the IHDR chunk's body (PNG spec 11.2.2). */
function parseIhdr(body: Uint8Array, file: string, opts: PartsOptions): PngHeader {
  const fail = (reason: string): never => {
    throw new PngError(file, reason);
  };
  if (body.length !== 13) fail(`IHDR has ${body.length} bytes, expected 13`);
  const ihdr = new DataView(body.buffer, body.byteOffset, 13);
  const width = ihdr.getUint32(0);
  const height = ihdr.getUint32(4);
  const bitDepth = body[8]!;
  const colorCode = body[9]!;
  const interlace = body[12]!;
  const kind = COLOR_TYPES[colorCode];
  if (!kind) fail(`invalid colour type ${colorCode}`);
  const depths = opts.sixteenBit && SIXTEEN_BIT_TYPES.has(colorCode) ? [...kind!.depths, 16] : kind!.depths;
  if (!depths.includes(bitDepth)) {
    fail(`unsupported bit depth ${bitDepth} for ${kind!.name} images (supported: ${depths.join(', ')})`);
  }
  if (body[10] !== 0 || body[11] !== 0) fail('unknown compression or filter method');
  if (interlace !== 0) fail('interlaced (Adam7) PNGs are not supported; save it without interlacing');
  if (width === 0 || height === 0) fail(`empty image (${width} x ${height})`);
  if (width * height > (opts.maxPixels ?? DEFAULT_MAX_PIXELS)) fail(`image too large (${width} x ${height} pixels)`);
  return { width, height, bitDepth, colorType: kind!.name, channels: kind!.channels };
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * zlib options that inflate exactly the bytes the header implies: one output chunk one byte
 * larger than needed (a single pass, no re-assembly), and an error past `expected`.
 */
function inflateOptions(expected: number): zlib.ZlibOptions {
  return { maxOutputLength: expected, chunkSize: Math.max(64, expected + 1), finishFlush: zlib.constants.Z_SYNC_FLUSH };
}

function inflateSyncBounded(parts: PngParts, file: string): Uint8Array {
  const expected = parts.header.height * (parts.rowBytes + 1);
  try {
    return zlib.inflateSync(parts.idat, inflateOptions(expected));
  } catch (e) {
    throw inflateError(e, file, expected);
  }
}

/** Like inflateSyncBounded, on libuv's thread pool (several images inflate in parallel). */
async function inflateBounded(parts: PngParts, file: string): Promise<Uint8Array> {
  const expected = parts.header.height * (parts.rowBytes + 1);
  try {
    return await inflateAsync(parts.idat, inflateOptions(expected));
  } catch (e) {
    throw inflateError(e, file, expected);
  }
}

function inflateError(e: unknown, file: string, expected: number): PngError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
    return new PngError(file, `image data inflates to more than the ${expected} bytes its size needs`);
  }
  return new PngError(file, `corrupt image data (${(e as Error).message})`);
}

/** Decodes a PNG held in memory. Throws PngError naming `file` for anything it cannot read. */
export function decodePng(buf: Uint8Array, file = '<png>', opts: DecodeOptions = {}): DecodedPng {
  return packRows(decodePngRows(buf, file, opts));
}

/**
 * Like decodePng, but inflates on libuv's thread pool, so several images decode in parallel
 * (the main thread only unfilters).
 */
export async function decodePngAsync(buf: Uint8Array, file = '<png>', opts: DecodeOptions = {}): Promise<DecodedPng> {
  return packRows(await decodePngRowsAsync(buf, file, opts));
}

/**
 * A decoded PNG whose rows may be apart: sample c of pixel (x, y) is
 * `data[y * stride + x * channels + c]`. 8-bit images keep their rows where inflate put them
 * (stride = row bytes + 1, the filter byte between rows), which spares a copy for readers that
 * go row by row, such as segmentation counting.
 */
export interface PngRows extends PngHeader {
  data: Uint8Array;
  stride: number;
  palette?: Uint8Array;
}

export function decodePngRows(buf: Uint8Array, file = '<png>', opts: DecodeOptions = {}): PngRows {
  const parts = readParts(buf, file, opts);
  return finishRows(parts, inflateSyncBounded(parts, file), file);
}

export async function decodePngRowsAsync(buf: Uint8Array, file = '<png>', opts: DecodeOptions = {}): Promise<PngRows> {
  const parts = readParts(buf, file, opts);
  return finishRows(parts, await inflateBounded(parts, file), file);
}

/**
 * Like decodePngRowsAsync, at any supported depth, 16 included: 16-bit samples stay where
 * inflate put them, two bytes each in the file's big-endian order (PNG spec 7.1), sample c of
 * pixel (x, y) being `(data[i] << 8) | data[i + 1]` at `i = y * stride + 2 * (x * channels + c)`.
 * No copy and no conversion: for readers that go row by row (fluorescence moments).
 */
export async function decodePngSampleRowsAsync(buf: Uint8Array, file = '<png>', opts: DecodeOptions = {}): Promise<PngRows> {
  const parts = readParts(buf, file, { ...opts, sixteenBit: true });
  return finishRows(parts, await inflateBounded(parts, file), file);
}

function finishRows(parts: PngParts, raw: Uint8Array, file: string): PngRows {
  const { header, rowBytes } = parts;
  unfilterChecked(parts, raw, file);
  if (header.bitDepth < 8) {
    return { ...header, data: unpackBits(raw, header.width, header.height, rowBytes, header.bitDepth), stride: header.width, palette: parts.palette };
  }
  // A plain Uint8Array view (not a Buffer) from the first sample on, so every path gives one type.
  const data = new Uint8Array(raw.buffer, raw.byteOffset + 1, header.height * (rowBytes + 1) - 1);
  return { ...header, data, stride: rowBytes + 1, palette: parts.palette };
}

/** Checks that inflate gave every row the header implies, then reverses the row filters. */
function unfilterChecked(parts: PngParts, raw: Uint8Array, file: string): void {
  const { header, rowBytes, filterBpp } = parts;
  const expected = header.height * (rowBytes + 1);
  if (raw.length < expected) {
    throw new PngError(file, `truncated image data: ${raw.length} bytes, ${header.width} x ${header.height} needs ${expected}`);
  }
  unfilterInPlace(raw, header.height, rowBytes, filterBpp, file);
}

/** A decoded PNG at its own sample depth: `data` is a Uint8Array up to 8 bits, a Uint16Array at 16. */
export interface DecodedSamples extends PngHeader {
  /** width * height * channels samples, row-major; 16-bit samples in the machine's order. */
  data: Uint8Array | Uint16Array;
  palette?: Uint8Array;
}

/** Decodes a PNG of any supported depth, 16-bit included. Throws PngError naming `file`. */
export function decodePngSamples(buf: Uint8Array, file = '<png>', opts: DecodeOptions = {}): DecodedSamples {
  const parts = readParts(buf, file, { ...opts, sixteenBit: true });
  return samplesOf(parts, inflateSyncBounded(parts, file), file);
}

/** Like decodePngSamples, inflating on libuv's thread pool (several images decode in parallel). */
export async function decodePngSamplesAsync(buf: Uint8Array, file = '<png>', opts: DecodeOptions = {}): Promise<DecodedSamples> {
  const parts = readParts(buf, file, { ...opts, sixteenBit: true });
  return samplesOf(parts, await inflateBounded(parts, file), file);
}

function samplesOf(parts: PngParts, raw: Uint8Array, file: string): DecodedSamples {
  if (parts.header.bitDepth !== 16) return packRows(finishRows(parts, raw, file));
  unfilterChecked(parts, raw, file);
  return { ...parts.header, data: bigEndianSamples(raw, parts.header.height, parts.rowBytes), palette: parts.palette };
}

/**
 * Unfiltered rows (filter byte + rowBytes) of big-endian 16-bit samples (PNG spec 7.1) to a
 * Uint16Array: rows are copied next to each other, then every 32-bit word swaps the two bytes of
 * each of its halves, ((w & 0x00ff00ff) << 8) | ((w >>> 8) & 0x00ff00ff), two samples at once.
 */
function bigEndianSamples(raw: Uint8Array, height: number, rowBytes: number): Uint16Array {
  const out = new Uint16Array((height * rowBytes) >> 1);
  const bytes = new Uint8Array(out.buffer);
  for (let y = 0; y < height; y++) bytes.set(raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1)), y * rowBytes);
  if (LITTLE_ENDIAN) {
    const words = new Uint32Array(out.buffer, 0, out.length >> 1);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      words[i] = ((w & 0x00ff00ff) << 8) | ((w >>> 8) & 0x00ff00ff);
    }
    if (out.length & 1) {
      const last = out.length - 1;
      out[last] = ((out[last]! & 0xff) << 8) | (out[last]! >> 8);
    }
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Packs rows that are apart together, in the same memory (dropping the filter bytes). */
function packRows({ data, stride, ...header }: PngRows): DecodedPng {
  const rowBytes = header.width * header.channels;
  if (stride === rowBytes) return { ...header, data };
  for (let y = 1; y < header.height; y++) data.copyWithin(y * rowBytes, y * stride, y * stride + rowBytes);
  return { ...header, data: data.subarray(0, header.height * rowBytes) };
}

/**
 * Reverses the per-row filters (PNG spec section 9): None, Sub, Up, Average, Paeth, in the
 * inflated buffer itself (rows of 1 filter byte + rowBytes): the row above and the pixel to the
 * left are already reconstructed when a byte is, so no second buffer is needed. One byte per
 * pixel (masks) has its own loops that carry the left and upper-left bytes in locals.
 */
function unfilterInPlace(raw: Uint8Array, height: number, rowBytes: number, bpp: number, file: string): void {
  const stride = rowBytes + 1;
  let words: DataView | undefined;
  for (let y = 0; y < height; y++) {
    const o = y * stride + 1;
    const filter = raw[o - 1]!;
    if (filter === 0) continue;
    if (filter > 4) throw new PngError(file, `invalid filter type ${filter} on row ${y}`);
    if (filter === 2 && y > 0) upRow((words ??= new DataView(raw.buffer, raw.byteOffset, raw.byteLength)), raw, o, rowBytes, stride);
    else if (bpp === 1) unfilterRow1(raw, o, rowBytes, stride, filter, y === 0);
    else if (bpp === 2 && y > 0) unfilterRow2(raw, o, rowBytes, stride, filter);
    else unfilterRow(raw, o, rowBytes, stride, bpp, filter, y === 0);
  }
}

/**
 * Up: adds the row above, byte by byte mod 256, four bytes at a time (SWAR: add the low 7 bits
 * of each byte, then put back each byte's top bit as the XOR of the two top bits, so no carry
 * crosses into the next byte).
 */
function upRow(words: DataView, raw: Uint8Array, o: number, rowBytes: number, stride: number): void {
  const end = o + rowBytes;
  let i = o;
  for (; i + 4 <= end; i += 4) {
    const x = words.getUint32(i, true);
    const u = words.getUint32(i - stride, true);
    words.setUint32(i, (((x & 0x7f7f7f7f) + (u & 0x7f7f7f7f)) ^ ((x ^ u) & 0x80808080)) >>> 0, true);
  }
  for (; i < end; i++) raw[i] = raw[i]! + raw[i - stride]!;
}

/** One row, one byte per pixel. */
function unfilterRow1(raw: Uint8Array, o: number, rowBytes: number, stride: number, filter: number, firstRow: boolean): void {
  const end = o + rowBytes;
  if (filter === 1 || (filter === 4 && firstRow)) {
    // Sub; Paeth with no row above predicts from the left only, the same thing.
    let left = raw[o]!;
    for (let i = o + 1; i < end; i++) raw[i] = left = (raw[i]! + left) & 255;
  } else if (filter === 2) {
    // Up on the first row adds nothing; later rows go through upRow.
  } else if (filter === 3) {
    let left = 0;
    if (firstRow) for (let i = o; i < end; i++) raw[i] = left = (raw[i]! + (left >> 1)) & 255;
    else for (let i = o; i < end; i++) raw[i] = left = (raw[i]! + ((left + raw[i - stride]!) >> 1)) & 255;
  } else {
    let a = 0; // left
    let c = 0; // upper left
    for (let i = o; i < end; i++) {
      const b = raw[i - stride]!;
      a = (raw[i]! + paeth(a, b, c)) & 255;
      raw[i] = a;
      c = b;
    }
  }
}

/**
 * One row after the first, two bytes per pixel (16-bit grey, 8-bit grey + alpha), filters Sub,
 * Average and Paeth: the two byte lanes are interleaved, so each keeps its left and upper-left
 * bytes in locals. Paeth is branchless here: the low byte of a noisy 16-bit sample makes the
 * predictor's branches unpredictable (about 35 % faster on the fluorescence bench's images).
 */
function unfilterRow2(raw: Uint8Array, o: number, rowBytes: number, stride: number, filter: number): void {
  const end = o + rowBytes; // rowBytes is even: whole pixels
  if (filter === 1) {
    let a0 = raw[o]!;
    let a1 = raw[o + 1]!;
    for (let i = o + 2; i < end; i += 2) {
      raw[i] = a0 = (raw[i]! + a0) & 255;
      raw[i + 1] = a1 = (raw[i + 1]! + a1) & 255;
    }
  } else if (filter === 3) {
    let a0 = 0;
    let a1 = 0;
    for (let i = o; i < end; i += 2) {
      raw[i] = a0 = (raw[i]! + ((a0 + raw[i - stride]!) >> 1)) & 255;
      raw[i + 1] = a1 = (raw[i + 1]! + ((a1 + raw[i + 1 - stride]!) >> 1)) & 255;
    }
  } else {
    let a0 = 0; // left, lane 0 and lane 1
    let a1 = 0;
    let c0 = 0; // upper left
    let c1 = 0;
    for (let i = o; i < end; i += 2) {
      const b0 = raw[i - stride]!;
      const b1 = raw[i + 1 - stride]!;
      a0 = (raw[i]! + paethBranchless(a0, b0, c0)) & 255;
      a1 = (raw[i + 1]! + paethBranchless(a1, b1, c1)) & 255;
      raw[i] = a0;
      raw[i + 1] = a1;
      c0 = b0;
      c1 = b1;
    }
  }
}

/**
 * The Paeth predictor (PNG spec 9.4) of left a, above b, upper left c. Where two neighbours
 * agree the answer is settled without the distances: b = c gives pa = 0 (predict a); a = c
 * gives pb = 0 and pa = |b - c| = pc (predict b).
 */
export function paeth(a: number, b: number, c: number): number {
  if (b === c) return a;
  if (a === c) return b;
  const pa = b > c ? b - c : c - b;
  const pb = a > c ? a - c : c - a;
  const d = a + b - c - c;
  const pc = d < 0 ? -d : d;
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * paeth() without branches, for bytes (0-255): |x| as (x ^ s) - s with s = x >> 31, and each
 * comparison as the sign of a difference, -1 (all ones) where it holds, picking by masks.
 */
export function paethBranchless(a: number, b: number, c: number): number {
  let pa = b - c;
  pa = (pa ^ (pa >> 31)) - (pa >> 31);
  let pb = a - c;
  pb = (pb ^ (pb >> 31)) - (pb >> 31);
  let pc = a + b - c - c;
  pc = (pc ^ (pc >> 31)) - (pc >> 31);
  const notA = ((pb - pa) | (pc - pa)) >> 31; // pa > pb or pa > pc
  const cOverB = (pc - pb) >> 31; // pb > pc
  const bOrC = (b & ~cOverB) | (c & cOverB);
  return (a & ~notA) | (bOrC & notA);
}

/** One row, several bytes per pixel (RGB, RGBA, grey + alpha). */
function unfilterRow(raw: Uint8Array, o: number, rowBytes: number, stride: number, bpp: number, filter: number, firstRow: boolean): void {
  const up = o - stride; // the previous row's first byte; only read when not the first row
  switch (filter) {
    case 1:
      for (let i = o + bpp, end = o + rowBytes; i < end; i++) raw[i] = raw[i]! + raw[i - bpp]!;
      break;
    case 2:
      if (!firstRow) for (let i = 0; i < rowBytes; i++) raw[o + i] = raw[o + i]! + raw[up + i]!;
      break;
    case 3:
      if (firstRow) {
        for (let i = bpp; i < rowBytes; i++) raw[o + i] = raw[o + i]! + (raw[o + i - bpp]! >> 1);
      } else {
        for (let i = 0; i < bpp; i++) raw[o + i] = raw[o + i]! + (raw[up + i]! >> 1);
        for (let i = bpp; i < rowBytes; i++) raw[o + i] = raw[o + i]! + ((raw[o + i - bpp]! + raw[up + i]!) >> 1);
      }
      break;
    case 4:
      if (firstRow) {
        for (let i = bpp; i < rowBytes; i++) raw[o + i] = raw[o + i]! + raw[o + i - bpp]!;
      } else {
        for (let i = 0; i < bpp; i++) raw[o + i] = raw[o + i]! + raw[up + i]!;
        for (let i = bpp; i < rowBytes; i++) {
          const a = raw[o + i - bpp]!;
          const b = raw[up + i]!;
          const c = raw[up + i - bpp]!;
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - c - c);
          raw[o + i] = raw[o + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
      }
      break;
  }
}

/** Expands 1/2/4-bit samples (most significant bits first; rows with their filter byte) to one byte per pixel. */
function unpackBits(packed: Uint8Array, width: number, height: number, rowBytes: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const perByte = 8 / depth;
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    const r = y * (rowBytes + 1) + 1;
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const byte = packed[r + Math.floor(x / perByte)]!;
      const shift = 8 - depth * ((x % perByte) + 1);
      out[o + x] = (byte >> shift) & mask;
    }
  }
  return out;
}

/**
 * Reads only the header of a PNG (signature and the IHDR chunk, CRC-checked; PNG spec 5.6 puts
 * IHDR first): its size and kind, without looking at the rest of the file. Any bit depth the
 * format allows, 16 included.
 */
export function readPngHeader(buf: Uint8Array, file = '<png>'): PngHeader {
  if (buf.length < 8 || !PNG_SIGNATURE.every((b, i) => buf[i] === b)) throw new PngError(file, 'not a PNG file (bad signature)');
  if (buf.length < 33) throw new PngError(file, 'truncated file: no complete IHDR chunk');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const type = String.fromCharCode(buf[12]!, buf[13]!, buf[14]!, buf[15]!);
  if (type !== 'IHDR') throw new PngError(file, `first chunk is ${type}, expected IHDR`);
  const length = view.getUint32(8);
  if (length !== 13) throw new PngError(file, `IHDR has ${length} bytes, expected 13`);
  if (zlib.crc32(buf.subarray(12, 29)) !== view.getUint32(29)) throw new PngError(file, 'CRC mismatch in chunk IHDR at byte 8 (corrupt file)');
  return parseIhdr(buf.subarray(16, 29), file, { maxPixels: Number.MAX_SAFE_INTEGER, sixteenBit: true });
}

// ---------------------------------------------------------------------------------------------
// Encoding

export type PngFilter = 0 | 1 | 2 | 3 | 4 | 'cycle' | 'adaptive';

export interface PngImage {
  width: number;
  height: number;
  colorType: PngColorType;
  /**
   * width * height * channels samples, row-major (palette: one index a pixel); a Uint16Array
   * writes 16-bit samples (not for palette images).
   */
  data: Uint8Array | Uint16Array;
  /** RGB triples for a palette image, up to 256 of them (e.g. VOC_PALETTE). */
  palette?: Uint8Array;
}

export interface EncodeOptions {
  /**
   * Filter type for every row (0 = None, as PIL writes palette images), 'cycle' through 0-4, or
   * 'adaptive': per row, the filter whose bytes, read as signed, have the least sum of absolute
   * values (libpng's heuristic, which Pillow also uses).
   */
  filter?: PngFilter;
  /** zlib level, 0-9 (default 6). */
  level?: number;
}

/** Encodes an 8-bit (grey, palette, RGB, grey+alpha, RGBA) or 16-bit (not palette) PNG. */
export function encodePng(image: PngImage, opts: EncodeOptions = {}): Buffer {
  const { width, height, colorType, data } = image;
  const code = COLOR_TYPE_CODES[colorType];
  const channels = COLOR_TYPES[code]!.channels;
  const bitDepth = data instanceof Uint16Array ? 16 : 8;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`encodePng: bad size ${width} x ${height}`);
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(`encodePng: data has ${data.length} samples, ${width} x ${height} ${colorType} needs ${width * height * channels}`);
  }
  if (colorType === 'palette' && (!image.palette || image.palette.length % 3 !== 0 || image.palette.length > 768 || image.palette.length === 0)) {
    throw new RangeError('encodePng: a palette image needs a palette of 1-256 RGB triples');
  }
  if (colorType === 'palette' && bitDepth === 16) throw new RangeError('encodePng: palette images cannot have 16-bit samples');
  const bytes = bitDepth === 16 ? bigEndianBytes(data as Uint16Array) : (data as Uint8Array);
  const bpp = (channels * bitDepth) / 8;
  const rowBytes = width * bpp;
  const filtered = new Uint8Array(height * (rowBytes + 1));
  const trial = opts.filter === 'adaptive' ? new Uint8Array(rowBytes + 1) : undefined;
  for (let y = 0; y < height; y++) {
    const out = filtered.subarray(y * (rowBytes + 1), (y + 1) * (rowBytes + 1));
    if (trial) filterRowAdaptive(bytes, y, rowBytes, bpp, out, trial);
    else filterRow(bytes, y, rowBytes, bpp, opts.filter === 'cycle' ? y % 5 : ((opts.filter as number | undefined) ?? 0), out);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = code;
  const chunks: Buffer[] = [Buffer.from(PNG_SIGNATURE), pngChunk('IHDR', ihdr)];
  if (colorType === 'palette') chunks.push(pngChunk('PLTE', image.palette!));
  chunks.push(pngChunk('IDAT', zlib.deflateSync(filtered, { level: opts.level ?? 6 })));
  chunks.push(pngChunk('IEND', new Uint8Array(0)));
  return Buffer.concat(chunks);
}

/** 16-bit samples as the big-endian bytes a PNG stores (PNG spec 7.1). */
function bigEndianBytes(samples: Uint16Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    out[2 * i] = samples[i]! >> 8;
    out[2 * i + 1] = samples[i]! & 255;
  }
  return out;
}

/** Tries the five filters on row y and keeps the one with the least sum of |signed byte|. */
function filterRowAdaptive(data: Uint8Array, y: number, rowBytes: number, bpp: number, out: Uint8Array, trial: Uint8Array): void {
  let best = Infinity;
  for (let filter = 0; filter <= 4; filter++) {
    filterRow(data, y, rowBytes, bpp, filter, trial);
    let cost = 0;
    // |byte read as signed|, without a branch (random residues mispredict one).
    for (let i = 1; i <= rowBytes; i++) cost += Math.abs((trial[i]! << 24) >> 24);
    if (cost < best) {
      best = cost;
      out.set(trial);
    }
  }
}

/**
 * PNG spec 9.2: out[1 + i] = x - predictor(a, b, c) mod 256, with a (left), b (up) and c (up-left)
 * read as 0 outside the image. One loop a filter; the first bpp bytes (no a, c) apart.
 */
function filterRow(data: Uint8Array, y: number, rowBytes: number, bpp: number, filter: number, out: Uint8Array): void {
  out[0] = filter;
  const o = y * rowBytes;
  const up = o - rowBytes;
  const head = Math.min(bpp, rowBytes);
  if (filter === 0) {
    out.set(data.subarray(o, o + rowBytes), 1);
  } else if (filter === 1) {
    for (let i = 0; i < head; i++) out[1 + i] = data[o + i]!;
    for (let i = head; i < rowBytes; i++) out[1 + i] = (data[o + i]! - data[o + i - bpp]!) & 255;
  } else if (filter === 2) {
    if (y === 0) out.set(data.subarray(o, o + rowBytes), 1);
    else for (let i = 0; i < rowBytes; i++) out[1 + i] = (data[o + i]! - data[up + i]!) & 255;
  } else if (filter === 3) {
    if (y === 0) {
      for (let i = 0; i < head; i++) out[1 + i] = data[o + i]!;
      for (let i = head; i < rowBytes; i++) out[1 + i] = (data[o + i]! - (data[o + i - bpp]! >> 1)) & 255;
    } else {
      for (let i = 0; i < head; i++) out[1 + i] = (data[o + i]! - (data[up + i]! >> 1)) & 255;
      for (let i = head; i < rowBytes; i++) out[1 + i] = (data[o + i]! - ((data[o + i - bpp]! + data[up + i]!) >> 1)) & 255;
    }
  } else if (filter === 4) {
    // Paeth with b = c = 0 (first row) picks a; with a = c = 0 (first bpp bytes) picks b.
    if (y === 0) {
      for (let i = 0; i < head; i++) out[1 + i] = data[o + i]!;
      for (let i = head; i < rowBytes; i++) out[1 + i] = (data[o + i]! - data[o + i - bpp]!) & 255;
    } else {
      for (let i = 0; i < head; i++) out[1 + i] = (data[o + i]! - data[up + i]!) & 255;
      for (let i = head; i < rowBytes; i++) out[1 + i] = (data[o + i]! - paethBranchless(data[o + i - bpp]!, data[up + i]!, data[up + i - bpp]!)) & 255;
    }
  } else {
    for (let i = 0; i < rowBytes; i++) out[1 + i] = data[o + i]!;
  }
}

/** One PNG chunk: length, type, body, CRC-32 of type and body (PNG spec section 5.3). */
export function pngChunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(zlib.crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/**
 * The PASCAL VOC colour map (VOCdevkit `VOClabelcolormap.m`): 256 RGB triples, class c's colour
 * built from the bits of c; index 255 (void) is (224, 224, 192).
 */
export const VOC_PALETTE: Uint8Array = (() => {
  const palette = new Uint8Array(256 * 3);
  for (let c = 0; c < 256; c++) {
    let r = 0;
    let g = 0;
    let b = 0;
    let id = c;
    for (let j = 0; j < 8; j++) {
      r |= ((id >> 0) & 1) << (7 - j);
      g |= ((id >> 1) & 1) << (7 - j);
      b |= ((id >> 2) & 1) << (7 - j);
      id >>= 3;
    }
    palette.set([r, g, b], c * 3);
  }
  return palette;
})();
