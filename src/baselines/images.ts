/**
 * Reads images into RGB pixels for the models: PNG (the generated mini sets) with podium's
 * decoder, JPEG (real VOC and COCO imports) with jpeg-js.
 */
import fs from 'node:fs';
import jpeg from 'jpeg-js';
import { decodePng } from '../formats/png.js';

export interface RgbPixels {
  width: number;
  height: number;
  /** width * height * 3 bytes, row-major. */
  rgb: Uint8Array;
}

export function readRgb(file: string): RgbPixels {
  if (/\.jpe?g$/i.test(file)) return readJpeg(file);
  const png = decodePng(fs.readFileSync(file), file);
  const n = png.width * png.height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (png.colorType === 'palette' && png.palette) {
      const p = png.data[i] * 3;
      rgb[i * 3] = png.palette[p];
      rgb[i * 3 + 1] = png.palette[p + 1];
      rgb[i * 3 + 2] = png.palette[p + 2];
    } else if (png.channels < 3) {
      const v = png.data[i * png.channels];
      rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = v;
    } else {
      rgb[i * 3] = png.data[i * png.channels];
      rgb[i * 3 + 1] = png.data[i * png.channels + 1];
      rgb[i * 3 + 2] = png.data[i * png.channels + 2];
    }
  }
  return { width: png.width, height: png.height, rgb };
}

/** Writes an image's pixels into `out` at `offset` scaled to [-1, 1] (MobileNetV2's input range). */
export function putScaled(pixels: RgbPixels, out: Float32Array, offset: number): void {
  for (let i = 0; i < pixels.rgb.length; i++) out[offset + i] = pixels.rgb[i] / 127.5 - 1;
}

function readJpeg(file: string): RgbPixels {
  // RGBA output whatever the source components (greyscale, YCbCr, CMYK), then alpha dropped.
  const image = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
  const n = image.width * image.height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = image.data[i * 4];
    rgb[i * 3 + 1] = image.data[i * 4 + 1];
    rgb[i * 3 + 2] = image.data[i * 4 + 2];
  }
  return { width: image.width, height: image.height, rgb };
}
