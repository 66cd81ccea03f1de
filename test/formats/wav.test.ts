import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav, readWav, type WavEncoding } from '../../src/formats/wav.js';
import { ValidationError } from '../../src/problems.js';
import { fixture } from '../helpers/cli.js';

// Files written by scipy.io.wavfile and sox; expected.json holds scipy's reading of them
// (integers divided by 2^(bits-1); scipy left-justifies 24-bit into int32).
const dir = fixture('sep', 'wav-formats');
const expected = JSON.parse(fs.readFileSync(`${dir}/expected.json`, 'utf8')) as Record<string, { sampleRate: number; samples: number[] }>;

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as Error).message;
  }
  throw new Error('expected a ValidationError');
}

describe('decodeWav', () => {
  for (const [name, want] of Object.entries(expected)) {
    it(`reads ${name} as scipy does`, () => {
      const wav = readWav(`${dir}/${name}`);
      expect(wav.sampleRate).toBe(want.sampleRate);
      expect(Array.from(wav.samples)).toEqual(want.samples);
    });
  }

  it('knows the encoding of each file, including WAVE_FORMAT_EXTENSIBLE 24-bit', () => {
    expect(readWav(`${dir}/pcm16.wav`).encoding).toBe('pcm16');
    expect(readWav(`${dir}/pcm24_sox.wav`).encoding).toBe('pcm24');
    expect(readWav(`${dir}/pcm32.wav`).encoding).toBe('pcm32');
    expect(readWav(`${dir}/float32_sox.wav`).encoding).toBe('float32');
  });

  it('reads WAVE_FORMAT_EXTENSIBLE float32 and skips unknown and odd-sized chunks', () => {
    const samples = [0.25, -0.5, 0.125];
    const fmt = Buffer.alloc(40);
    fmt.writeUInt16LE(0xfffe, 0);
    fmt.writeUInt16LE(1, 2);
    fmt.writeUInt32LE(22050, 4);
    fmt.writeUInt32LE(22050 * 4, 8);
    fmt.writeUInt16LE(4, 12);
    fmt.writeUInt16LE(32, 14);
    fmt.writeUInt16LE(22, 16); // cbSize
    fmt.writeUInt16LE(32, 18); // valid bits
    fmt.writeUInt32LE(4, 20); // channel mask
    Buffer.from('0300000000001000800000aa00389b71', 'hex').copy(fmt, 24); // KSDATAFORMAT_SUBTYPE_IEEE_FLOAT
    const data = Buffer.alloc(12);
    samples.forEach((v, i) => data.writeFloatLE(v, 4 * i));
    const odd = Buffer.from('LIST\x03\x00\x00\x00abc\x00', 'latin1'); // 3 bytes + pad byte
    const chunk = (id: string, body: Buffer) => Buffer.concat([Buffer.from(id, 'latin1'), u32(body.length), body]);
    const body = Buffer.concat([Buffer.from('WAVE'), chunk('fmt ', fmt), odd, chunk('data', data)]);
    const file = Buffer.concat([Buffer.from('RIFF'), u32(body.length), body]);
    const wav = decodeWav(file, 'ext.wav');
    expect(wav.encoding).toBe('float32');
    expect(wav.sampleRate).toBe(22050);
    expect(Array.from(wav.samples)).toEqual(samples);
  });
});

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

describe('decodeWav rejects what it cannot read, naming the file and the problem', () => {
  it('stereo', () => {
    // Refused with the reason, not averaged to mono as mir_eval.io.load_wav does (README).
    expect(errorOf(() => readWav(`${dir}/stereo16.wav`))).toMatch(/stereo16\.wav: 2 channels; expected mono \(1 channel\): a source is one signal, and podium does not average channels/);
  });
  it('8-bit PCM', () => {
    expect(errorOf(() => readWav(`${dir}/pcm8.wav`))).toMatch(/pcm8\.wav: 8-bit PCM is not supported; expected mono PCM 16\/24\/32-bit or float32/);
  });
  it('64-bit float', () => {
    expect(errorOf(() => readWav(`${dir}/float64.wav`))).toMatch(/64-bit float is not supported/);
  });
  it('a truncated data chunk', () => {
    const bytes = fs.readFileSync(`${dir}/pcm16.wav`);
    expect(errorOf(() => decodeWav(bytes.subarray(0, bytes.length - 10), 'cut.wav'))).toBe(
      'cut.wav: truncated: the data chunk declares 64 bytes but only 54 follow',
    );
  });
  it('a file cut inside the header', () => {
    const bytes = fs.readFileSync(`${dir}/pcm16.wav`);
    expect(errorOf(() => decodeWav(bytes.subarray(0, 30), 'cut.wav'))).toMatch(/cut\.wav: truncated or malformed "fmt " chunk/);
    expect(errorOf(() => decodeWav(bytes.subarray(0, 12), 'cut.wav'))).toMatch(/cut\.wav: no "fmt " chunk/);
  });
  it('not RIFF at all', () => {
    expect(errorOf(() => decodeWav(Buffer.from('id,usage\nmix000,Public\n'), 'x.wav'))).toBe(
      'x.wav: not a RIFF/WAVE file; expected mono PCM 16/24/32-bit or float32 WAV',
    );
    expect(errorOf(() => decodeWav(Buffer.alloc(0), 'empty.wav'))).toMatch(/empty\.wav: not a RIFF\/WAVE file/);
  });
  it('a missing file', () => {
    expect(errorOf(() => readWav(`${dir}/nope.wav`))).toMatch(/nope\.wav: cannot read: ENOENT/);
  });
});

describe('encodeWav', () => {
  const encodings: WavEncoding[] = ['pcm16', 'pcm24', 'pcm32', 'float32'];
  for (const encoding of encodings) {
    it(`round-trips ${encoding}`, () => {
      const bits = encoding === 'pcm16' ? 16 : encoding === 'pcm24' ? 24 : 32;
      const step = encoding === 'float32' ? 2 ** -20 : 2 ** -(bits - 1);
      const samples = [0, step, -step, 0.5, -1, 1 - step, 12345 * step, -777 * step];
      const bytes = encodeWav(samples, 16000, encoding);
      const wav = decodeWav(bytes, 'x.wav');
      expect(wav.encoding).toBe(encoding);
      expect(wav.sampleRate).toBe(16000);
      expect(Array.from(wav.samples)).toEqual(samples);
    });
  }

  it('clips integer PCM to its range and rounds to nearest', () => {
    const wav = decodeWav(encodeWav([1.5, -2, 1, 0.4 / 32768, 0.6 / 32768], 8000, 'pcm16'), 'x.wav');
    expect(Array.from(wav.samples)).toEqual([32767 / 32768, -1, 32767 / 32768, 0, 1 / 32768]);
  });

  it('writes a file scipy-compatible readers accept (same bytes as scipy for int16)', () => {
    const scipy = fs.readFileSync(`${dir}/pcm16.wav`);
    const mine = encodeWav(readWav(`${dir}/pcm16.wav`).samples, 8000, 'pcm16');
    expect(mine.equals(scipy)).toBe(true);
  });

  it('pads an odd-sized data chunk', () => {
    const bytes = encodeWav([0.1, 0.2, 0.3], 8000, 'pcm24');
    expect(bytes.length % 2).toBe(0);
    expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
    expect(decodeWav(bytes, 'x.wav').length).toBe(3);
  });
});
