/**
 * Feature tracking (feature-tracks.ts) gives, bit for bit, what its first, plain form gave: the
 * reference below samples one point at a time, sums each corner window's 25 gradient products
 * in order and sorts the candidates with a comparator. The module computes the window sums from
 * column sums, samples a window's shared rows and columns once and sorts packed keys; on integer
 * grey levels (decoded frames) that must change no number. The submissions hash the same only if
 * the tracks do.
 */
import { describe, expect, it } from 'vitest';
import { corners, pyramid, trackFeatures, type Image, type Tracks } from '../../src/baselines/stabilization/feature-tracks.js';
import { mulberry32 } from '../../src/random.js';

const HALF = 4, LEVELS = 3, ITERATIONS = 12;

function referenceAt(img: Image, x: number, y: number): number {
  const W = img.width, H = img.height;
  x = Math.min(W - 1.001, Math.max(0, x));
  y = Math.min(H - 1.001, Math.max(0, y));
  const fx = Math.floor(x), fy = Math.floor(y);
  const ax = x - fx, ay = y - fy;
  const i = fy * W + fx;
  const d = img.data;
  return (d[i]! * (1 - ax) + d[i + 1]! * ax) * (1 - ay) + (d[i + W]! * (1 - ax) + d[i + W + 1]! * ax) * ay;
}

function referenceCorners(img: Image, max: number, minDistance: number): { x: number[]; y: number[] } {
  const { width: W, height: H, data: d } = img;
  const score = new Float32Array(W * H);
  let best = 0;
  const B = HALF + 4;
  for (let y = B; y < H - B; y++) {
    for (let x = B; x < W - B; x++) {
      let sxx = 0, sxy = 0, syy = 0;
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          const i = (y + dy) * W + x + dx;
          const gx = (d[i + 1]! - d[i - 1]!) / 2, gy = (d[i + W]! - d[i - W]!) / 2;
          sxx += gx * gx;
          sxy += gx * gy;
          syy += gy * gy;
        }
      }
      const tr = (sxx + syy) / 2;
      const s = tr - Math.sqrt(Math.max(0, tr * tr - (sxx * syy - sxy * sxy)));
      score[y * W + x] = s;
      if (s > best) best = s;
    }
  }
  const candidates: number[] = [];
  for (let i = 0; i < W * H; i++) if (score[i]! > 0.02 * best) candidates.push(i);
  candidates.sort((a, b) => score[b]! - score[a]! || a - b);
  const xs: number[] = [], ys: number[] = [];
  for (const i of candidates) {
    if (xs.length >= max) break;
    const x = i % W, y = (i / W) | 0;
    if (xs.some((_, k) => (xs[k]! - x) ** 2 + (ys[k]! - y) ** 2 < minDistance * minDistance)) continue;
    xs.push(x);
    ys.push(y);
  }
  return { x: xs, y: ys };
}

function referenceTrackPoint(a: Image[], b: Image[], x: number, y: number): [number, number] | null {
  let gx = 0, gy = 0;
  for (let l = LEVELS - 1; l >= 0; l--) {
    const A = a[l]!, Bm = b[l]!;
    const s = 1 / (1 << l);
    const px = x * s, py = y * s;
    let sxx = 0, sxy = 0, syy = 0;
    const n = (2 * HALF + 1) ** 2;
    const ix = new Float64Array(n), iy = new Float64Array(n), iv = new Float64Array(n);
    let k = 0;
    for (let dy = -HALF; dy <= HALF; dy++) {
      for (let dx = -HALF; dx <= HALF; dx++, k++) {
        const u = px + dx, v = py + dy;
        const gxv = (referenceAt(A, u + 1, v) - referenceAt(A, u - 1, v)) / 2, gyv = (referenceAt(A, u, v + 1) - referenceAt(A, u, v - 1)) / 2;
        ix[k] = gxv;
        iy[k] = gyv;
        iv[k] = referenceAt(A, u, v);
        sxx += gxv * gxv;
        sxy += gxv * gyv;
        syy += gyv * gyv;
      }
    }
    const det = sxx * syy - sxy * sxy;
    if (det < 1e-6 * n * n) return null;
    let vx = gx, vy = gy;
    for (let it = 0; it < ITERATIONS; it++) {
      let bx = 0, by = 0;
      k = 0;
      for (let dy = -HALF; dy <= HALF; dy++) {
        for (let dx = -HALF; dx <= HALF; dx++, k++) {
          const diff = iv[k]! - referenceAt(Bm, px + dx + vx, py + dy + vy);
          bx += diff * ix[k]!;
          by += diff * iy[k]!;
        }
      }
      const ux = (syy * bx - sxy * by) / det, uy = (sxx * by - sxy * bx) / det;
      vx += ux;
      vy += uy;
      if (ux * ux + uy * uy < 1e-4) break;
    }
    gx = l > 0 ? 2 * vx : vx;
    gy = l > 0 ? 2 * vy : vy;
  }
  const nx = x + gx, ny = y + gy;
  const W = a[0]!.width, H = a[0]!.height;
  return nx >= HALF && ny >= HALF && nx < W - HALF && ny < H - HALF ? [nx, ny] : null;
}

function referenceTracks(a: Image[], b: Image[]): Tracks {
  const c = referenceCorners(a[0]!, 180, 7);
  const t = { x0: [] as number[], y0: [] as number[], x1: [] as number[], y1: [] as number[] };
  c.x.forEach((x, i) => {
    const y = c.y[i]!;
    const f = referenceTrackPoint(a, b, x, y);
    const back = f && referenceTrackPoint(b, a, f[0], f[1]);
    if (!f || !back || (back[0] - x) ** 2 + (back[1] - y) ** 2 > 0.25) return;
    t.x0.push(x + 0.5);
    t.y0.push(y + 0.5);
    t.x1.push(f[0] + 0.5);
    t.y1.push(f[1] + 0.5);
  });
  return { x0: Float64Array.from(t.x0), y0: Float64Array.from(t.y0), x1: Float64Array.from(t.x1), y1: Float64Array.from(t.y1), count: t.x0.length };
}

const W = 160, H = 120;

/** A smooth random scene of grey levels 0-255 (blurred noise), seen at integer offset (ox, oy) plus noise of +-2. */
function scene(seed: number, ox: number, oy: number, noiseSeed: number): Image {
  const rand = mulberry32(seed), noise = mulberry32(noiseSeed);
  const big = 2 * W;
  const base = Float64Array.from({ length: big * big }, () => rand());
  const data = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let s = 0;
      for (let dy = 0; dy < 4; dy++) for (let dx = 0; dx < 4; dx++) s += base[(y + oy + dy + 20) * big + x + ox + dx + 20]!;
      data[y * W + x] = Math.min(255, Math.max(0, Math.round((s / 16) * 255 + (noise() - 0.5) * 4)));
    }
  }
  return { width: W, height: H, data };
}

/** A tiled pattern: every tile's corners score the same, so the order rests on the ties' rule (index order). */
function tiles(): Image {
  const data = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = (x % 20 < 10) !== (y % 20 < 10) ? 200 : 40;
  return { width: W, height: H, data };
}

describe('feature tracks: the same numbers as the plain form', () => {
  it('corners: the same pixels in the same order, ties included', () => {
    for (const img of [tiles(), scene(1, 0, 0, 2), scene(3, 5, 2, 4)]) {
      for (const [max, minDistance] of [[180, 7], [40, 3], [500, 1]]) expect(corners(img, max, minDistance)).toEqual(referenceCorners(img, max, minDistance));
    }
    expect(corners(tiles(), 180, 7).x.length).toBeGreaterThan(20); // the tiled image has corners to order
  });

  it('tracks: every coordinate bit for bit, forward-backward checked, over moves of 0 to 7 px', () => {
    for (const [ox, oy] of [[0, 0], [1, 0], [3, -2], [7, 5]]) {
      const a = pyramid(scene(11, 0, 0, 12)), b = pyramid(scene(11, ox, oy, 13));
      const got = trackFeatures(a, b), want = referenceTracks(a, b);
      expect(got.count).toBe(want.count);
      expect(got.count).toBeGreaterThan(20);
      for (const k of ['x0', 'y0', 'x1', 'y1'] as const) expect(Array.from(got[k].subarray(0, got.count))).toEqual(Array.from(want[k]));
    }
  });
});
