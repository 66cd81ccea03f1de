/**
 * Feature tracks between two grey frames: Shi-Tomasi corners (the smaller eigenvalue of the
 * 5x5 structure tensor, Shi & Tomasi 1994) kept at least `minDistance` apart, followed into the
 * next frame by pyramidal Lucas-Kanade (Bouguet 2000: 3 levels, 9x9 window, up to 12 Gauss-Newton
 * steps a level) and kept when tracking back lands within 0.5 px of the start. Coordinates are
 * continuous pixel coordinates: pixel (i, j) has its centre at (i + 0.5, j + 0.5).
 */

export interface Image {
  width: number;
  height: number;
  data: Float32Array;
}

export interface Tracks {
  /** x, y in the first frame and in the second, one entry a track. */
  x0: Float64Array;
  y0: Float64Array;
  x1: Float64Array;
  y1: Float64Array;
  count: number;
}

const LEVELS = 3;
const HALF = 4; // 9x9 window
const ITERATIONS = 12;

function downsample(img: Image): Image {
  const w = img.width >> 1, h = img.height >> 1;
  const out = new Float32Array(w * h);
  const d = img.data, W = img.width;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 2 * y * W + 2 * x;
      out[y * w + x] = (d[i]! + d[i + 1]! + d[i + W]! + d[i + W + 1]!) / 4;
    }
  }
  return { width: w, height: h, data: out };
}

export function pyramid(img: Image): Image[] {
  const levels = [img];
  for (let l = 1; l < LEVELS; l++) levels.push(downsample(levels[l - 1]!));
  return levels;
}

/** Bilinear sample at continuous pixel-index coordinates (clamped to the border). */
function at(img: Image, x: number, y: number): number {
  const W = img.width, H = img.height;
  x = Math.min(W - 1.001, Math.max(0, x));
  y = Math.min(H - 1.001, Math.max(0, y));
  const fx = Math.floor(x), fy = Math.floor(y);
  const ax = x - fx, ay = y - fy;
  const i = fy * W + fx;
  const d = img.data;
  return (d[i]! * (1 - ax) + d[i + 1]! * ax) * (1 - ay) + (d[i + W]! * (1 - ax) + d[i + W + 1]! * ax) * ay;
}

/** Shi-Tomasi corners, strongest first, at least minDistance apart, away from the border. */
export function corners(img: Image, max: number, minDistance: number): { x: number[]; y: number[] } {
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
  const cell = Math.max(1, minDistance);
  const gw = Math.ceil(W / cell), gh = Math.ceil(H / cell);
  const grid: number[][] = Array.from({ length: gw * gh }, () => []);
  const d2 = minDistance * minDistance;
  for (const i of candidates) {
    if (xs.length >= max) break;
    const x = i % W, y = (i / W) | 0;
    const gx = Math.floor(x / cell), gy = Math.floor(y / cell);
    let free = true;
    for (let yy = Math.max(0, gy - 1); yy <= Math.min(gh - 1, gy + 1) && free; yy++) {
      for (let xx = Math.max(0, gx - 1); xx <= Math.min(gw - 1, gx + 1) && free; xx++) {
        for (const k of grid[yy * gw + xx]!) if ((xs[k]! - x) ** 2 + (ys[k]! - y) ** 2 < d2) { free = false; break; }
      }
    }
    if (!free) continue;
    grid[gy * gw + gx]!.push(xs.length);
    xs.push(x);
    ys.push(y);
  }
  return { x: xs, y: ys };
}

/** Follows (x, y) (pixel-index coordinates) from pyramid a into pyramid b; null when it fails. */
function trackPoint(a: Image[], b: Image[], x: number, y: number): [number, number] | null {
  let gx = 0, gy = 0; // guess at the current level, in that level's pixels
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
        const gxv = (at(A, u + 1, v) - at(A, u - 1, v)) / 2, gyv = (at(A, u, v + 1) - at(A, u, v - 1)) / 2;
        ix[k] = gxv;
        iy[k] = gyv;
        iv[k] = at(A, u, v);
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
          const diff = iv[k]! - at(Bm, px + dx + vx, py + dy + vy);
          bx += diff * ix[k]!;
          by += diff * iy[k]!;
        }
      }
      const ux = (syy * bx - sxy * by) / det, uy = (sxx * by - sxy * bx) / det;
      vx += ux;
      vy += uy;
      if (ux * ux + uy * uy < 1e-4) break;
    }
    if (l > 0) {
      gx = 2 * vx;
      gy = 2 * vy;
    } else {
      gx = vx;
      gy = vy;
    }
  }
  const nx = x + gx, ny = y + gy;
  const W = a[0]!.width, H = a[0]!.height;
  if (!(nx >= HALF && ny >= HALF && nx < W - HALF && ny < H - HALF)) return null;
  return [nx, ny];
}

/** Tracks from frame a to frame b (pyramids), forward-backward checked. */
export function trackFeatures(a: Image[], b: Image[], maxCorners = 180, minDistance = 7): Tracks {
  const c = corners(a[0]!, maxCorners, minDistance);
  const out: Tracks = { x0: new Float64Array(c.x.length), y0: new Float64Array(c.x.length), x1: new Float64Array(c.x.length), y1: new Float64Array(c.x.length), count: 0 };
  for (let i = 0; i < c.x.length; i++) {
    const f = trackPoint(a, b, c.x[i]!, c.y[i]!);
    if (!f) continue;
    const back = trackPoint(b, a, f[0], f[1]);
    if (!back || (back[0] - c.x[i]!) ** 2 + (back[1] - c.y[i]!) ** 2 > 0.25) continue;
    const k = out.count++;
    out.x0[k] = c.x[i]! + 0.5;
    out.y0[k] = c.y[i]! + 0.5;
    out.x1[k] = f[0] + 0.5;
    out.y1[k] = f[1] + 0.5;
  }
  return out;
}
