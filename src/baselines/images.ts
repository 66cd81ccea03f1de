/** Reads PNG images into float RGB pixels for the models (the mini sets are PNG). */
import fs from 'node:fs';
import { decodePng } from '../formats/png.js';

export interface RgbPixels {
  width: number;
  height: number;
  /** width * height * 3 bytes, row-major. */
  rgb: Uint8Array;
}

export function readRgb(file: string): RgbPixels {
  if (!/\.png$/i.test(file)) throw new Error(`${file}: the baselines read PNG images only (no JPEG decoder without tfjs-node)`);
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
