import fs from 'node:fs';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { decodePng, decodePngAsync, decodePngSampleRowsAsync, decodePngSamples, decodePngSamplesAsync, encodePng, paeth, paethBranchless, PngError, readPngHeader, VOC_PALETTE } from '../../src/formats/png.js';
import { fixture } from '../helpers/cli.js';

const png = (name: string) => fs.readFileSync(fixture('seg/png', name));
const bin = (name: string) => new Uint8Array(fs.readFileSync(fixture('seg/png', name)));

/** Rewrites one chunk's bytes and fixes its CRC, so a test can make a valid-looking but odd PNG. */
function patchChunk(buf: Buffer, type: string, patch: (body: Buffer) => void): Buffer {
  const out = Buffer.from(buf);
  let pos = 8;
  while (pos < out.length) {
    const length = out.readUInt32BE(pos);
    if (out.toString('latin1', pos + 4, pos + 8) === type) {
      patch(out.subarray(pos + 8, pos + 8 + length));
      out.writeUInt32BE(zlib.crc32(out.subarray(pos + 4, pos + 8 + length)), pos + 8 + length);
      return out;
    }
    pos += 12 + length;
  }
  throw new Error(`no ${type} chunk`);
}

/** Replaces one chunk's body (any length) and writes its CRC. */
function replaceChunk(buf: Buffer, type: string, body: Buffer): Buffer {
  let pos = 8;
  while (pos < buf.length) {
    const length = buf.readUInt32BE(pos);
    if (buf.toString('latin1', pos + 4, pos + 8) === type) {
      const chunk = Buffer.alloc(12 + body.length);
      chunk.writeUInt32BE(body.length, 0);
      chunk.write(type, 4, 'latin1');
      body.copy(chunk, 8);
      chunk.writeUInt32BE(zlib.crc32(chunk.subarray(4, 8 + body.length)), 8 + body.length);
      return Buffer.concat([buf.subarray(0, pos), chunk, buf.subarray(pos + 12 + length)]);
    }
    pos += 12 + length;
  }
  throw new Error(`no ${type} chunk`);
}

describe('decodePng on PNGs written by PIL', () => {
  it('reads 8-bit palette masks as palette indices, with the palette', () => {
    const d = decodePng(png('palette8.png'));
    expect([d.width, d.height, d.colorType, d.bitDepth, d.channels]).toEqual([53, 37, 'palette', 8, 1]);
    expect(d.data).toEqual(bin('mask.bin'));
    expect(d.palette!.subarray(0, 6)).toEqual(Uint8Array.of(0, 37, 74, 111, 148, 185));
  });
  it('reads 8-bit grayscale, RGB and RGBA', () => {
    expect(decodePng(png('gray8.png')).data).toEqual(bin('mask.bin'));
    const rgb = decodePng(png('rgb8.png'));
    expect([rgb.width, rgb.height, rgb.channels]).toEqual([23, 19, 3]);
    expect(rgb.data).toEqual(bin('rgb.bin'));
    expect(decodePng(png('rgba8.png')).data).toEqual(bin('rgba.bin'));
  });
  it('expands 4-bit palette and 1-bit grayscale to one sample a byte', () => {
    const p4 = decodePng(png('palette4.png'));
    expect([p4.width, p4.height, p4.bitDepth]).toEqual([15, 9, 4]);
    expect(p4.data).toEqual(bin('small.bin'));
    expect(decodePng(png('gray1.png')).data).toEqual(bin('bits.bin'));
  });
  it('decodes the same bytes asynchronously', async () => {
    expect((await decodePngAsync(png('palette8.png'))).data).toEqual(bin('mask.bin'));
  });
  it('reads the header alone', () => {
    expect(readPngHeader(png('rgb8.png'))).toEqual({ width: 23, height: 19, bitDepth: 8, colorType: 'rgb', channels: 3 });
  });
});

describe('every filter type', () => {
  const rgba = bin('rgba.bin');
  for (const filterType of [0, 1, 2, 3, 4]) {
    it(`reads pngjs output with filter ${filterType}`, () => {
      const image = new PNG({ width: 13, height: 11 });
      image.data = Buffer.from(rgba);
      const encoded = PNG.sync.write(image, { filterType });
      expect(decodePng(encoded).data).toEqual(rgba);
    });
  }
  for (const filterType of [0, 1, 2, 3, 4]) {
    it(`reads pngjs grayscale (one byte a pixel) with filter ${filterType}`, () => {
      const mask = bin('mask.bin'); // 53 x 37: rows not a multiple of 4 bytes, so the word loops have tails
      const image = new PNG({ width: 53, height: 37, colorType: 0, inputColorType: 0, bitDepth: 8 });
      image.data = Buffer.from(mask);
      const encoded = PNG.sync.write(image, { filterType, colorType: 0, inputColorType: 0 });
      const decoded = decodePng(encoded);
      expect([decoded.colorType, decoded.channels]).toEqual(['gray', 1]);
      expect(decoded.data).toEqual(mask);
    });
  }
  it('round-trips its own encoder with each filter, as PIL-compatible palette, gray and RGB', () => {
    const mask = bin('mask.bin');
    for (const filter of [0, 1, 2, 3, 4, 'cycle'] as const) {
      const p = decodePng(encodePng({ width: 53, height: 37, colorType: 'palette', palette: VOC_PALETTE, data: mask }, { filter }));
      expect(p.data).toEqual(mask);
      expect(p.palette).toEqual(VOC_PALETTE);
      expect(decodePng(encodePng({ width: 53, height: 37, colorType: 'gray', data: mask }, { filter })).data).toEqual(mask);
      expect(decodePng(encodePng({ width: 23, height: 19, colorType: 'rgb', data: bin('rgb.bin') }, { filter })).data).toEqual(bin('rgb.bin'));
      // Two bytes a pixel (grey + alpha) takes the two-lane unfiltering.
      const greyAlpha = bin('rgb.bin').subarray(0, 23 * 19 * 2);
      expect(decodePng(encodePng({ width: 23, height: 19, colorType: 'gray-alpha', data: greyAlpha }, { filter })).data).toEqual(greyAlpha);
    }
  });
  it('writes PNGs another decoder reads (pngjs)', () => {
    const encoded = encodePng({ width: 13, height: 11, colorType: 'rgba', data: rgba }, { filter: 'cycle' });
    expect(new Uint8Array(PNG.sync.read(encoded).data)).toEqual(rgba);
  });
  it('uses the VOC colour map', () => {
    // VOClabelcolormap.m: background black, aeroplane (1) dark red, 15 person (192,128,128), 255 void.
    expect([...VOC_PALETTE.subarray(0, 6)]).toEqual([0, 0, 0, 128, 0, 0]);
    expect([...VOC_PALETTE.subarray(45, 48)]).toEqual([192, 128, 128]);
    expect([...VOC_PALETTE.subarray(765, 768)]).toEqual([224, 224, 192]);
  });
});

describe('16-bit samples', () => {
  /** A Pillow-made 16-bit grey PNG and the uint16 samples it holds (little-endian .u16 beside it). */
  const pillow = (name: string) => ({
    png: fs.readFileSync(fixture('png16', `${name}.png`)),
    samples: new Uint16Array(new Uint8Array(fs.readFileSync(fixture('png16', `${name}.u16`))).buffer),
  });
  it('reads 16-bit grey PNGs written by Pillow (big-endian samples, filters 0, 1, 2 and 4)', async () => {
    for (const name of ['smooth', 'noisy', 'mixed']) {
      const { png: file, samples } = pillow(name);
      const d = decodePngSamples(file, `${name}.png`);
      expect([d.width, d.height, d.colorType, d.bitDepth, d.channels]).toEqual([53, 37, 'gray', 16, 1]);
      expect(d.data).toBeInstanceOf(Uint16Array);
      expect(d.data).toEqual(samples);
      expect((await decodePngSamplesAsync(file)).data).toEqual(samples);
    }
    const mixed = pillow('mixed').samples;
    expect(Math.min(...mixed)).toBe(0);
    expect(Math.max(...mixed)).toBe(65535);
  });
  it('the branchless Paeth predictor (two-byte pixels) equals the spec\'s for every byte triple', () => {
    // PNG spec 9.4, as written there: p = a + b - c, the nearest of a, b, c, ties in that order.
    const spec = (a: number, b: number, c: number) => {
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    };
    let wrong = 0;
    for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b++) for (let c = 0; c < 256; c++) {
      const want = spec(a, b, c);
      if (paethBranchless(a, b, c) !== want || paeth(a, b, c) !== want) wrong++;
    }
    expect(wrong).toBe(0);
  });
  it('decodePngSampleRowsAsync leaves 16-bit samples in place: big-endian pairs, rows a filter byte apart', async () => {
    for (const name of ['smooth', 'noisy', 'mixed']) {
      const { png: file, samples } = pillow(name);
      const rows = await decodePngSampleRowsAsync(file, `${name}.png`);
      expect([rows.width, rows.height, rows.bitDepth, rows.stride]).toEqual([53, 37, 16, 2 * 53 + 1]);
      const back = Uint16Array.from(samples, (_, i) => {
        const o = Math.floor(i / 53) * rows.stride + 2 * (i % 53);
        return (rows.data[o]! << 8) | rows.data[o + 1]!;
      });
      expect(back).toEqual(samples);
    }
    const eight = await decodePngSampleRowsAsync(png('palette8.png'));
    expect(eight.bitDepth).toBe(8);
    expect(eight.data.subarray(0, eight.width)).toEqual(bin('mask.bin').subarray(0, eight.width));
  });
  for (const filterType of [0, 1, 2, 3, 4]) {
    it(`reads pngjs 16-bit grey with filter ${filterType}`, () => {
      const { samples } = pillow('mixed');
      const image = new PNG({ width: 53, height: 37, colorType: 0, inputColorType: 0, bitDepth: 16 });
      image.data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
      const encoded = PNG.sync.write(image, { filterType, colorType: 0, inputColorType: 0, bitDepth: 16 });
      expect(decodePngSamples(encoded).data).toEqual(samples);
    });
  }
  it('reads pngjs 16-bit RGBA (four samples a pixel, 8 bytes for the filters)', () => {
    const samples = new Uint16Array(13 * 11 * 4).map((_, i) => (i * 2654435761) % 65536);
    const image = new PNG({ width: 13, height: 11, bitDepth: 16 });
    image.data = Buffer.from(samples.buffer);
    const encoded = PNG.sync.write(image, { filterType: -1, bitDepth: 16, colorType: 6, inputColorType: 6 });
    const d = decodePngSamples(encoded);
    expect([d.colorType, d.bitDepth, d.channels]).toEqual(['rgba', 16, 4]);
    expect(d.data).toEqual(samples);
  });
  it('writes 16-bit grey with every filter; Pillow-made samples round-trip and pngjs reads them', () => {
    const { samples } = pillow('mixed');
    for (const filter of [0, 1, 2, 3, 4, 'cycle', 'adaptive'] as const) {
      const encoded = encodePng({ width: 53, height: 37, colorType: 'gray', data: samples }, { filter });
      expect(readPngHeader(encoded)).toEqual({ width: 53, height: 37, bitDepth: 16, colorType: 'gray', channels: 1 });
      expect(decodePngSamples(encoded).data).toEqual(samples);
      const theirs = PNG.sync.read(encoded, { skipRescale: true } as never);
      // pngjs hands 16-bit grey back as RGBA of 16-bit values; the grey sample is channel 0.
      const back = (theirs.data as unknown as Uint16Array).filter((_, i) => i % 4 === 0);
      expect(Uint16Array.from(back)).toEqual(samples);
    }
  });
  it('adaptive filtering writes smaller files than none for smooth images', () => {
    const { samples } = pillow('smooth');
    const none = encodePng({ width: 53, height: 37, colorType: 'gray', data: samples });
    const adaptive = encodePng({ width: 53, height: 37, colorType: 'gray', data: samples }, { filter: 'adaptive' });
    expect(adaptive.length).toBeLessThan(none.length);
  });
  it('8-bit through decodePngSamples is the same as decodePng', () => {
    const d = decodePngSamples(png('palette8.png'));
    expect(d.data).toBeInstanceOf(Uint8Array);
    expect(d.data).toEqual(bin('mask.bin'));
  });
  it('refuses 16-bit palette images to write', () => {
    expect(() => encodePng({ width: 1, height: 1, colorType: 'palette', palette: VOC_PALETTE, data: new Uint16Array(1) })).toThrow(/palette images cannot have 16-bit/);
  });
  it('refuses a 16-bit palette header when reading', () => {
    fails16(patchChunk(png('palette8.png'), 'IHDR', (b) => (b[8] = 16)), /unsupported bit depth 16 for palette images \(supported: 1, 2, 4, 8\)/);
  });
  it('a truncated 16-bit image names the file', () => {
    const { png: file } = pillow('mixed');
    fails16(patchChunk(file, 'IHDR', (b) => b.writeUInt32BE(40, 4)), /DAPI\.png: truncated image data/);
  });
  const fails16 = (buf: Uint8Array, message: RegExp) => expect(() => decodePngSamples(buf, 'DAPI.png')).toThrow(message);
});

describe('corrupt or unsupported PNGs', () => {
  const good = png('palette8.png');
  const fails = (buf: Uint8Array, message: RegExp) => {
    expect(() => decodePng(buf, 'masks/x.png')).toThrow(PngError);
    expect(() => decodePng(buf, 'masks/x.png')).toThrow(message);
  };
  it('bad signature', () => fails(Buffer.from('GIF89a not a png at all'), /masks\/x\.png: not a PNG file \(bad signature\)/));
  it('CRC mismatch', () => {
    const bad = Buffer.from(good);
    bad[45] ^= 0xff; // inside PLTE
    fails(bad, /CRC mismatch in chunk PLTE/);
  });
  it('truncated file', () => fails(good.subarray(0, good.length - 40), /truncated file/));
  it('missing IEND', () => fails(good.subarray(0, good.length - 12), /no IEND/));
  it('16-bit depth through the 8-bit reader', () => fails(png('gray16.png'), /unsupported bit depth 16 for gray images \(supported: 1, 2, 4, 8\)/));
  it('interlaced', () => fails(patchChunk(good, 'IHDR', (b) => (b[12] = 1)), /interlaced \(Adam7\) PNGs are not supported/));
  it('image data shorter than the size needs', () => fails(patchChunk(good, 'IHDR', (b) => b.writeUInt32BE(38, 4)), /truncated image data/));
  it('image data longer than the size needs', () => fails(patchChunk(good, 'IHDR', (b) => b.writeUInt32BE(36, 4)), /inflates to more than/));
  it('a flipped byte anywhere in IDAT never decodes to different pixels (the Adler-32 of zlib guards it; its chunk CRC is not recomputed)', () => {
    for (const name of ['palette8.png', 'gray16.png']) {
      const file = png(name);
      const want = decodePngSamples(file, name).data;
      const at = file.indexOf('IDAT') + 4;
      const length = file.readUInt32BE(at - 8);
      let refused = 0;
      for (let i = 0; i < length; i++) {
        const bad = Buffer.from(file);
        bad[at + i] ^= 0x5a;
        let got: Uint8Array | Uint16Array | undefined;
        try {
          got = decodePngSamples(bad, name).data;
        } catch (e) {
          expect(e).toBeInstanceOf(PngError);
          refused++;
          continue;
        }
        expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength))).toBe(true);
      }
      expect(refused).toBeGreaterThan(length * 0.9);
    }
  });
  it('garbage instead of zlib data', () => fails(patchChunk(good, 'IDAT', (b) => b.fill(7)), /corrupt image data/));
  it('invalid filter type', () => {
    const mask = bin('mask.bin');
    const enc = encodePng({ width: 53, height: 37, colorType: 'gray', data: mask });
    const rows = Buffer.alloc(37 * 54);
    rows[54 * 5] = 9; // row 5's filter byte; the rest is filter 0 and zeros
    fails(replaceChunk(enc, 'IDAT', zlib.deflateSync(rows)), /invalid filter type 9 on row 5/);
  });
  it('too many pixels', () => expect(() => decodePng(good, 'x.png', { maxPixels: 100 })).toThrow(/image too large \(53 x 37/));
});
