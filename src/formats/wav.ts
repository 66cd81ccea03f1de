/**
 * WAV (RIFF/WAVE) reading and writing for mono audio.
 *
 * Reads PCM 16/24/32-bit and IEEE float32, plain (`WAVE_FORMAT_PCM` = 1, `WAVE_FORMAT_IEEE_FLOAT`
 * = 3) or `WAVE_FORMAT_EXTENSIBLE` (0xFFFE, sub-format GUID starting with 1 or 3). Samples come
 * back as float64 in [-1, 1): integer PCM is divided by 2^(bits-1), as soundfile / libsndfile do,
 * so a file written by one and read by the other keeps its values exactly. Everything else
 * (stereo, 8-bit, 64-bit float, A-law, truncated or non-RIFF files) is a ValidationError naming
 * the file and what was expected.
 *
 * Stereo is refused, not averaged to mono as `mir_eval.io.load_wav` does: a source estimate is
 * one signal, and averaging channels would silently score something other than what was
 * submitted (channels in opposite phase cancel). The message says how to fix the file.
 *
 * Reference: Microsoft "Multimedia Programming Interface and Data Specifications 1.0" (RIFF
 * WAVE), and "WAVEFORMATEXTENSIBLE" (mmreg.h / ksmedia.h).
 */
import fs from 'node:fs';
import { ValidationError } from '../problems.js';

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** How the samples are stored in the file. */
export type WavEncoding = 'pcm16' | 'pcm24' | 'pcm32' | 'float32';

export interface WavHeader {
  sampleRate: number;
  encoding: WavEncoding;
  /** Number of samples (frames) of the single channel. */
  length: number;
  /** Byte offset of the first sample in the file. */
  dataOffset: number;
}

export interface WavAudio extends WavHeader {
  /** Samples in [-1, 1) (float files may exceed it; they are returned as written). */
  samples: Float64Array;
}

function fail(file: string, message: string): never {
  throw ValidationError.of({ file, message });
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const EXPECTED = 'expected mono PCM 16/24/32-bit or float32 WAV';

/**
 * Parses the RIFF chunks up to the `data` chunk and checks the format. Throws ValidationError.
 * `file` is only used in messages.
 */
export function parseWavHeader(bytes: Uint8Array, file: string): WavHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    const what = bytes.length >= 4 && (tag(0) === 'RIFX' || tag(0) === 'RF64') ? `a ${tag(0)} file` : 'not a RIFF/WAVE file';
    fail(file, `${what}; ${EXPECTED}`);
  }
  let format: { tag: number; channels: number; sampleRate: number; blockAlign: number; bits: number } | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > bytes.length) fail(file, `truncated or malformed "fmt " chunk (${size} bytes)`);
      let formatTag = view.getUint16(body, true);
      if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
        // cbSize (2) + validBits (2) + channelMask (4) + sub-format GUID (16): the GUID's first
        // two bytes are the plain format tag.
        if (size < 40) fail(file, `malformed WAVE_FORMAT_EXTENSIBLE "fmt " chunk (${size} bytes, expected at least 40)`);
        formatTag = view.getUint16(body + 24, true);
      }
      format = {
        tag: formatTag,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format) fail(file, `"data" chunk before the "fmt " chunk; ${EXPECTED}`);
      const encoding = checkFormat(format, file);
      const width = format.bits / 8;
      const available = bytes.length - body;
      if (size > available) {
        fail(file, `truncated: the data chunk declares ${size} bytes but only ${available} follow`);
      }
      if (size % width !== 0) fail(file, `data chunk of ${size} bytes is not a whole number of ${width}-byte samples`);
      return { sampleRate: format.sampleRate, encoding, length: size / width, dataOffset: body };
    }
    at = body + size + (size & 1); // chunks are padded to an even size
  }
  fail(file, format ? 'truncated: no "data" chunk' : `no "fmt " chunk; ${EXPECTED}`);
}

function checkFormat(f: { tag: number; channels: number; sampleRate: number; blockAlign: number; bits: number }, file: string): WavEncoding {
  if (f.channels !== 1) {
    fail(file, `${f.channels} channels; expected mono (1 channel): a source is one signal, and podium does not average channels (mir_eval's loader would), so that what is scored is what was submitted`);
  }
  if (f.sampleRate === 0) fail(file, 'sample rate 0 in the "fmt " chunk');
  let encoding: WavEncoding | undefined;
  if (f.tag === WAVE_FORMAT_PCM) {
    if (f.bits === 16) encoding = 'pcm16';
    else if (f.bits === 24) encoding = 'pcm24';
    else if (f.bits === 32) encoding = 'pcm32';
    else fail(file, `${f.bits}-bit PCM is not supported; ${EXPECTED}`);
  } else if (f.tag === WAVE_FORMAT_IEEE_FLOAT) {
    if (f.bits === 32) encoding = 'float32';
    else fail(file, `${f.bits}-bit float is not supported; ${EXPECTED}`);
  } else {
    fail(file, `format tag 0x${f.tag.toString(16).padStart(4, '0')} is not supported; ${EXPECTED}`);
  }
  if (f.blockAlign !== f.bits / 8) fail(file, `block align ${f.blockAlign} does not match ${f.bits}-bit mono samples`);
  return encoding;
}

/** Decodes a WAV file held in memory. Throws ValidationError naming `file`. */
export function decodeWav(bytes: Uint8Array, file: string): WavAudio {
  const header = parseWavHeader(bytes, file);
  const { length, dataOffset: o } = header;
  const samples = new Float64Array(length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (header.encoding) {
    case 'pcm16':
      if (LITTLE_ENDIAN && (bytes.byteOffset + o) % 2 === 0) {
        // Aligned: read through an Int16Array view (several times faster than DataView).
        const ints = new Int16Array(bytes.buffer, bytes.byteOffset + o, length);
        for (let i = 0; i < length; i++) samples[i] = ints[i]! * (1 / 32768); // exact: a power of two
      } else {
        for (let i = 0; i < length; i++) samples[i] = view.getInt16(o + 2 * i, true) / 32768;
      }
      break;
    case 'pcm24':
      for (let i = 0, p = o; i < length; i++, p += 3) {
        const v = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16);
        samples[i] = ((v << 8) >> 8) / 8388608; // sign-extend 24 bits
      }
      break;
    case 'pcm32':
      for (let i = 0; i < length; i++) samples[i] = view.getInt32(o + 4 * i, true) / 2147483648;
      break;
    case 'float32':
      for (let i = 0; i < length; i++) samples[i] = view.getFloat32(o + 4 * i, true);
      break;
  }
  return { ...header, samples };
}

/** Reads and decodes a WAV file. Throws ValidationError for anything but mono PCM/float32. */
export function readWav(file: string): WavAudio {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    fail(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return decodeWav(bytes, file);
}

const BITS: Record<WavEncoding, number> = { pcm16: 16, pcm24: 24, pcm32: 32, float32: 32 };

/**
 * Encodes mono samples as a WAV file. Integer PCM scales by 2^(bits-1), rounds to nearest and
 * clips to the integer range, so values k / 2^(bits-1) round-trip through decodeWav exactly.
 * float32 writes a `fact` chunk as the RIFF spec asks for non-PCM data.
 */
export function encodeWav(samples: ArrayLike<number>, sampleRate: number, encoding: WavEncoding = 'pcm16'): Buffer {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffffffff) {
    throw new RangeError(`sample rate must be a positive integer, got ${sampleRate}`);
  }
  const n = samples.length;
  const bits = BITS[encoding];
  const width = bits / 8;
  const isFloat = encoding === 'float32';
  const fmtSize = isFloat ? 18 : 16;
  const factSize = isFloat ? 12 : 0;
  const dataSize = n * width;
  const pad = dataSize & 1;
  const total = 12 + 8 + fmtSize + factSize + 8 + dataSize + pad;
  if (total - 8 > 0xffffffff) throw new RangeError(`${n} samples do not fit in a RIFF file`);
  const out = Buffer.alloc(total);
  let at = 0;
  out.write('RIFF', at, 'latin1');
  out.writeUInt32LE(total - 8, at + 4);
  out.write('WAVE', at + 8, 'latin1');
  at = 12;
  out.write('fmt ', at, 'latin1');
  out.writeUInt32LE(fmtSize, at + 4);
  out.writeUInt16LE(isFloat ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, at + 8);
  out.writeUInt16LE(1, at + 10);
  out.writeUInt32LE(sampleRate, at + 12);
  out.writeUInt32LE(sampleRate * width, at + 16);
  out.writeUInt16LE(width, at + 20);
  out.writeUInt16LE(bits, at + 22);
  if (isFloat) out.writeUInt16LE(0, at + 24); // cbSize
  at += 8 + fmtSize;
  if (isFloat) {
    out.write('fact', at, 'latin1');
    out.writeUInt32LE(4, at + 4);
    out.writeUInt32LE(n, at + 8);
    at += 12;
  }
  out.write('data', at, 'latin1');
  out.writeUInt32LE(dataSize, at + 4);
  at += 8;
  switch (encoding) {
    case 'float32':
      for (let i = 0; i < n; i++) out.writeFloatLE(samples[i]!, at + 4 * i);
      break;
    case 'pcm16':
      for (let i = 0; i < n; i++) out.writeInt16LE(quantize(samples[i]!, 32768), at + 2 * i);
      break;
    case 'pcm24':
      for (let i = 0; i < n; i++) out.writeIntLE(quantize(samples[i]!, 8388608), at + 3 * i, 3);
      break;
    case 'pcm32':
      for (let i = 0; i < n; i++) out.writeInt32LE(quantize(samples[i]!, 2147483648), at + 4 * i);
      break;
  }
  return out;
}

function quantize(x: number, fullScale: number): number {
  if (Number.isNaN(x)) return 0;
  const v = Math.round(x * fullScale);
  return v >= fullScale ? fullScale - 1 : v < -fullScale ? -fullScale : v;
}

/** Encodes and writes a mono WAV file. */
export function writeWav(file: string, samples: ArrayLike<number>, sampleRate: number, encoding: WavEncoding = 'pcm16'): void {
  fs.writeFileSync(file, encodeWav(samples, sampleRate, encoding));
}
