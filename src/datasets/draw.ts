/**
 * Shared drawing helpers for the image generators: RGB canvases, label masks, and shapes given
 * as point-membership tests (so one shape paints the image, its mask, its void border and its
 * box from one definition). Pixel (x, y) is sampled at its centre (x + 0.5, y + 0.5).
 */
import type { Rng } from './rng.js';

export type Rgb = readonly [number, number, number];

export interface RgbImage {
  width: number;
  height: number;
  /** Row-major RGB, 3 bytes a pixel. */
  data: Uint8Array;
}

export interface LabelImage {
  width: number;
  height: number;
  /** Row-major, one byte a pixel (class index; 255 = void in VOC masks). */
  data: Uint8Array;
}

/** A region of the plane: `contains` at pixel centres; `bounds` a box that holds it all. */
export interface Shape {
  contains(x: number, y: number): boolean;
  bounds: { x0: number; y0: number; x1: number; y1: number };
}

export function rgbImage(width: number, height: number, fill: Rgb = [0, 0, 0]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = fill[0];
    data[i + 1] = fill[1];
    data[i + 2] = fill[2];
  }
  return { width, height, data };
}

export function labelImage(width: number, height: number, fill = 0): LabelImage {
  return { width, height, data: new Uint8Array(width * height).fill(fill) };
}

const clamp8 = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

export function setPixel(img: RgbImage, x: number, y: number, c: Rgb): void {
  const i = (y * img.width + x) * 3;
  img.data[i] = clamp8(c[0]);
  img.data[i + 1] = clamp8(c[1]);
  img.data[i + 2] = clamp8(c[2]);
}

/**
 * Calls `visit(x, y)` for each pixel a shape covers, clipped to the canvas, in row-major order
 * (a callback, not a generator of [x, y] pairs: that was a large part of drawing an image).
 */
export function forEachCoveredPixel(shape: Shape, width: number, height: number, visit: (x: number, y: number) => void): void {
  const x0 = Math.max(0, Math.floor(shape.bounds.x0));
  const y0 = Math.max(0, Math.floor(shape.bounds.y0));
  const x1 = Math.min(width - 1, Math.ceil(shape.bounds.x1));
  const y1 = Math.min(height - 1, Math.ceil(shape.bounds.y1));
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) if (shape.contains(x + 0.5, y + 0.5)) visit(x, y);
}

/** Paints a shape; `colour(x, y)` lets callers texture it (stripes, spots, shading). */
export function paint(img: RgbImage, shape: Shape, colour: Rgb | ((x: number, y: number) => Rgb)): number {
  let n = 0;
  forEachCoveredPixel(shape, img.width, img.height, (x, y) => {
    setPixel(img, x, y, typeof colour === 'function' ? colour(x, y) : colour);
    n++;
  });
  return n;
}

/** Writes `value` into a mask where the shape is; returns the pixel count. */
export function stamp(mask: LabelImage, shape: Shape, value: number): number {
  let n = 0;
  forEachCoveredPixel(shape, mask.width, mask.height, (x, y) => {
    mask.data[y * mask.width + x] = value;
    n++;
  });
  return n;
}

/** Ellipse centred at (cx, cy) with radii rx, ry, rotated by `angle` radians. */
export function ellipse(cx: number, cy: number, rx: number, ry: number, angle = 0): Shape {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const r = Math.max(rx, ry);
  return {
    contains(x, y) {
      const dx = x - cx;
      const dy = y - cy;
      const u = (dx * cos + dy * sin) / rx;
      const v = (-dx * sin + dy * cos) / ry;
      return u * u + v * v <= 1;
    },
    bounds: { x0: cx - r, y0: cy - r, x1: cx + r, y1: cy + r },
  };
}

/** Polygon (even-odd rule) through the given vertices. */
export function polygon(points: readonly (readonly [number, number])[]): Shape {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const n = points.length;
  const px = Float64Array.from(xs);
  const py = Float64Array.from(ys);
  return {
    contains(x, y) {
      let inside = false;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const xi = px[i]!, yi = py[i]!, xj = px[j]!, yj = py[j]!;
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
      }
      return inside;
    },
    bounds: { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) },
  };
}

/** Regular polygon or star: `points` tips, inner radius `inner` (= r for a plain polygon). */
export function star(cx: number, cy: number, r: number, inner: number, points: number, angle = 0): Shape {
  const verts: [number, number][] = [];
  const n = inner === r ? points : points * 2;
  for (let i = 0; i < n; i++) {
    const rad = inner === r || i % 2 === 0 ? r : inner;
    const a = angle + (i * 2 * Math.PI) / n - Math.PI / 2;
    verts.push([cx + rad * Math.cos(a), cy + rad * Math.sin(a)]);
  }
  return polygon(verts);
}

/** Rotated rectangle centred at (cx, cy). */
export function rect(cx: number, cy: number, w: number, h: number, angle = 0): Shape {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const corners: [number, number][] = [[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]];
  return polygon(corners.map(([x, y]) => [cx + x * c - y * s, cy + x * s + y * c]));
}

export function union(...shapes: Shape[]): Shape {
  return {
    contains: (x, y) => shapes.some((s) => s.contains(x, y)),
    bounds: {
      x0: Math.min(...shapes.map((s) => s.bounds.x0)),
      y0: Math.min(...shapes.map((s) => s.bounds.y0)),
      x1: Math.max(...shapes.map((s) => s.bounds.x1)),
      y1: Math.max(...shapes.map((s) => s.bounds.y1)),
    },
  };
}

export function minus(a: Shape, b: Shape): Shape {
  return { contains: (x, y) => a.contains(x, y) && !b.contains(x, y), bounds: a.bounds };
}

/** A smooth random background: a vertical gradient between two colours plus per-pixel noise. */
export function paintBackground(img: RgbImage, rng: Rng, top: Rgb, bottom: Rgb, noise: number): void {
  for (let y = 0; y < img.height; y++) {
    const t = img.height > 1 ? y / (img.height - 1) : 0;
    for (let x = 0; x < img.width; x++) {
      const n = grain(rng, noise);
      const i = (y * img.width + x) * 3;
      img.data[i] = clamp8(top[0] + (bottom[0] - top[0]) * t + n);
      img.data[i + 1] = clamp8(top[1] + (bottom[1] - top[1]) * t + n);
      img.data[i + 2] = clamp8(top[2] + (bottom[2] - top[2]) * t + n);
    }
  }
}

/**
 * Sensor-like noise with standard deviation `sd`: the sum of two uniforms (a triangular
 * distribution), nearly as good as Gaussian for pixels and several times cheaper to draw.
 */
export function grain(rng: Rng, sd: number): number {
  return (rng.next() + rng.next() - 1) * sd * Math.SQRT2 * Math.sqrt(3);
}

/** Adds grain to every channel (so no two images are pixel-equal). */
export function addNoise(img: RgbImage, rng: Rng, sd: number): void {
  for (let i = 0; i < img.data.length; i++) img.data[i] = clamp8(img.data[i]! + grain(rng, sd));
}

/** HSV (h in degrees, s and v in 0..1) to RGB bytes. */
export function hsv(h: number, s: number, v: number): Rgb {
  const hh = (((h % 360) + 360) % 360) / 60;
  const c = v * s;
  const x = c * (1 - Math.abs((hh % 2) - 1));
  const m = v - c;
  const [r, g, b] = hh < 1 ? [c, x, 0] : hh < 2 ? [x, c, 0] : hh < 3 ? [0, c, x] : hh < 4 ? [0, x, c] : hh < 5 ? [x, 0, c] : [c, 0, x];
  return [(r + m) * 255, (g + m) * 255, (b + m) * 255];
}

export function scaleRgb(c: Rgb, f: number): Rgb {
  return [c[0] * f, c[1] * f, c[2] * f];
}

/**
 * Marks a `width`-pixel band around every object of a mask as `value` (VOC's void border):
 * a background pixel within `width` (Chebyshev distance) of an object pixel, or an object pixel
 * next to a different object, becomes void.
 */
export function voidBorders(mask: LabelImage, width: number, value = 255, background = 0): void {
  const { width: w, height: h, data } = mask;
  const src = data.slice();
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = src[y * w + x]!;
      if (v === value) continue;
      let edge = false;
      for (let dy = -width; dy <= width && !edge; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -width; dx <= width; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const u = src[yy * w + xx]!;
          if (u !== v && u !== value && (v === background || u !== background)) {
            edge = true;
            break;
          }
        }
      }
      if (edge) data[y * w + x] = value;
    }
  }
}
