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

const SIDE = 2 * HALF + 1;
const WINDOW = SIDE * SIDE;

// Per-column and per-row parts of one window's bilinear samples (sampleWindow): the module runs
// one track at a time, so these are reused rather than made for every window.
const columnIndex = new Int32Array(SIDE), columnWeight = new Float64Array(SIDE);

/**
 * Bilinear samples of `img` at continuous pixel-index coordinates ((cx + dx) + ox,
 * (cy + dy) + oy) for dx, dy in [-HALF, HALF], row by row into `out`, each coordinate clamped to
 * [0, size - 1.001]. The arithmetic of every sample is that of one point at a time (the same
 * additions in the same order, the same clamp, floor and weights); only the parts a row or a
 * column shares are computed once for it.
 */
function sampleWindow(img: Image, cx: number, cy: number, ox: number, oy: number, out: Float64Array): void {
  const W = img.width, H = img.height, d = img.data;
  for (let dx = -HALF, c = 0; dx <= HALF; dx++, c++) {
    const x = Math.min(W - 1.001, Math.max(0, cx + dx + ox));
    const fx = Math.floor(x);
    columnIndex[c] = fx;
    columnWeight[c] = x - fx;
  }
  let k = 0;
  for (let dy = -HALF; dy <= HALF; dy++) {
    const y = Math.min(H - 1.001, Math.max(0, cy + dy + oy));
    const fy = Math.floor(y);
    const ay = y - fy;
    const row = fy * W;
    for (let c = 0; c < SIDE; c++, k++) {
      const ax = columnWeight[c]!;
      const i = row + columnIndex[c]!;
      out[k] = (d[i]! * (1 - ax) + d[i + 1]! * ax) * (1 - ay) + (d[i + W]! * (1 - ax) + d[i + W + 1]! * ax) * ay;
    }
  }
}

/**
 * corners()' working arrays, kept for the next frame of the same size: made for every frame,
 * their allocation (and zeroing) cost more than the sums in them. Every value corners() reads
 * from them it has written for this frame first.
 */
interface CornerArrays {
  size: number;
  score: Float32Array;
  /** The gradients' products, then their 5-row column sums. */
  gxx: Float64Array; gxy: Float64Array; gyy: Float64Array;
  cxx: Float64Array; cxy: Float64Array; cyy: Float64Array;
}
let cornerWork: CornerArrays | undefined;

function cornerArrays(size: number): CornerArrays {
  if (cornerWork?.size !== size) {
    const plane = () => new Float64Array(size);
    cornerWork = { size, score: new Float32Array(size), gxx: plane(), gxy: plane(), gyy: plane(), cxx: plane(), cxy: plane(), cyy: plane() };
  }
  return cornerWork;
}

/** Pixel indices packed with their score below 2^53 (index < 2^22, a positive float32's bits < 2^31). */
const INDEX_SPAN = 2 ** 22;

/**
 * The candidates (pixel indices, ascending) by score, strongest first, ties in index order. For
 * frames under 2^22 pixels each is packed into one float64 key (the score's float32 bits, which
 * order positive floats as their values, then the index reversed) and the keys sorted as numbers;
 * larger frames are sorted with a comparator. Both give the one order the comparator defines.
 */
function strongestFirst(candidates: number[], score: Float32Array): number[] {
  if (score.length > INDEX_SPAN) return candidates.sort((a, b) => score[b]! - score[a]! || a - b);
  const bits = new Uint32Array(score.buffer, score.byteOffset, score.length);
  const keys = new Float64Array(candidates.length);
  candidates.forEach((i, k) => (keys[k] = bits[i]! * INDEX_SPAN + (INDEX_SPAN - 1 - i)));
  keys.sort();
  const ordered = new Array<number>(keys.length);
  for (let k = 0; k < keys.length; k++) ordered[k] = INDEX_SPAN - 1 - (keys[keys.length - 1 - k]! % INDEX_SPAN);
  return ordered;
}

/** Shi-Tomasi corners, strongest first, at least minDistance apart, away from the border. */
export function corners(img: Image, max: number, minDistance: number): { x: number[]; y: number[] } {
  const { width: W, height: H, data: d } = img;
  const { score, gxx, gxy, gyy, cxx, cxy, cyy } = cornerArrays(W * H);
  let best = 0;
  const B = HALF + 4;
  // The structure tensor's 5x5 window sums, as sums of five 5-row column sums of the gradients'
  // products (each product made once, not in each of its 25 windows). With integer grey levels
  // (decoded 8- or 16-bit frames, as every frame here) a product is a multiple of 1/4 below 2^32
  // and a window's sum is below 2^37: every partial sum is exact in float64, so the sums, and
  // the scores, are the same numbers as adding the 25 products one by one in any order (for
  // other images they agree to rounding).
  for (let y = B - 2; y < H - B + 2; y++) {
    for (let x = B - 2; x < W - B + 2; x++) {
      const i = y * W + x;
      const gx = (d[i + 1]! - d[i - 1]!) / 2, gy = (d[i + W]! - d[i - W]!) / 2;
      gxx[i] = gx * gx;
      gxy[i] = gx * gy;
      gyy[i] = gy * gy;
    }
  }
  for (let y = B; y < H - B; y++) {
    for (let x = B - 2; x < W - B + 2; x++) {
      const i = y * W + x;
      cxx[i] = gxx[i - 2 * W]! + gxx[i - W]! + gxx[i]! + gxx[i + W]! + gxx[i + 2 * W]!;
      cxy[i] = gxy[i - 2 * W]! + gxy[i - W]! + gxy[i]! + gxy[i + W]! + gxy[i + 2 * W]!;
      cyy[i] = gyy[i - 2 * W]! + gyy[i - W]! + gyy[i]! + gyy[i + W]! + gyy[i + 2 * W]!;
    }
  }
  for (let y = B; y < H - B; y++) {
    for (let x = B; x < W - B; x++) {
      const i = y * W + x;
      const sxx = cxx[i - 2]! + cxx[i - 1]! + cxx[i]! + cxx[i + 1]! + cxx[i + 2]!;
      const sxy = cxy[i - 2]! + cxy[i - 1]! + cxy[i]! + cxy[i + 1]! + cxy[i + 2]!;
      const syy = cyy[i - 2]! + cyy[i - 1]! + cyy[i]! + cyy[i + 1]! + cyy[i + 2]!;
      const tr = (sxx + syy) / 2;
      const s = tr - Math.sqrt(Math.max(0, tr * tr - (sxx * syy - sxy * sxy)));
      score[y * W + x] = s;
      if (s > best) best = s;
    }
  }
  // Only the scored pixels: the border (no score) never passed the threshold.
  const candidates: number[] = [];
  for (let y = B; y < H - B; y++) for (let x = B; x < W - B; x++) if (score[y * W + x]! > 0.02 * best) candidates.push(y * W + x);
  const xs: number[] = [], ys: number[] = [];
  const cell = Math.max(1, minDistance);
  const gw = Math.ceil(W / cell), gh = Math.ceil(H / cell);
  const grid: number[][] = Array.from({ length: gw * gh }, () => []);
  const d2 = minDistance * minDistance;
  for (const i of strongestFirst(candidates, score)) {
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

// trackPoint's window: the template's gradients and values, and the samples of the other frame.
const gradX = new Float64Array(WINDOW), gradY = new Float64Array(WINDOW), template = new Float64Array(WINDOW);
const right = new Float64Array(WINDOW), left = new Float64Array(WINDOW), below = new Float64Array(WINDOW), above = new Float64Array(WINDOW);
const moved = new Float64Array(WINDOW);

/** Follows (x, y) (pixel-index coordinates) from pyramid a into pyramid b; null when it fails. */
function trackPoint(a: Image[], b: Image[], x: number, y: number): [number, number] | null {
  let gx = 0, gy = 0; // guess at the current level, in that level's pixels
  for (let l = LEVELS - 1; l >= 0; l--) {
    const A = a[l]!, Bm = b[l]!;
    const s = 1 / (1 << l);
    const px = x * s, py = y * s;
    sampleWindow(A, px, py, 1, 0, right);
    sampleWindow(A, px, py, -1, 0, left);
    sampleWindow(A, px, py, 0, 1, below);
    sampleWindow(A, px, py, 0, -1, above);
    sampleWindow(A, px, py, 0, 0, template);
    let sxx = 0, sxy = 0, syy = 0;
    for (let k = 0; k < WINDOW; k++) {
      const gxv = (right[k]! - left[k]!) / 2, gyv = (below[k]! - above[k]!) / 2;
      gradX[k] = gxv;
      gradY[k] = gyv;
      sxx += gxv * gxv;
      sxy += gxv * gyv;
      syy += gyv * gyv;
    }
    const det = sxx * syy - sxy * sxy;
    if (det < 1e-6 * WINDOW * WINDOW) return null;
    let vx = gx, vy = gy;
    for (let it = 0; it < ITERATIONS; it++) {
      sampleWindow(Bm, px, py, vx, vy, moved);
      let bx = 0, by = 0;
      for (let k = 0; k < WINDOW; k++) {
        const diff = template[k]! - moved[k]!;
        bx += diff * gradX[k]!;
        by += diff * gradY[k]!;
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
