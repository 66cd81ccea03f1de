/**
 * A scene of textured planes facing the camera at fixed depths (world Z = depth), rendered by a
 * rolling-shutter pinhole camera: row y of a frame is read out at ts + readout (y + 0.5) / H,
 * with the pose and lens shift of that instant. Each pixel casts a ray and takes the nearest
 * plane it hits inside that plane's outline; the farthest plane (the background) has no
 * outline. Objects are planes whose outline moves in their plane over time.
 *
 * The background plane's motion between two instants is the exact plane-induced homography
 * H = K_b (R_b R_a^T + R_b (C_a - C_b) n_a^T / d_a) K_a^-1, n_a = R_a (0, 0, 1),
 * d_a = depth - C_a.z (Hartley & Zisserman 13.1): `backgroundHomography`.
 */
import { apply3, intrinsics, inverseIntrinsics, mul3, transpose3 } from '../geometry/rotation.js';
import type { HandHeldCamera } from './hand-held-camera.js';
import type { Rng } from './rng.js';

export const TEXTURE_SIZE = 256;
const MASK = TEXTURE_SIZE - 1;

export interface Plane {
  depth: number;
  /** Grey levels, TEXTURE_SIZE^2, tiled. */
  texture: Float32Array;
  /** Metres a texel. */
  texel: number;
  /** Outline in world metres at t = 0 (none: the background, unbounded). */
  outline?: { shape: 'rect' | 'ellipse'; x0: number; y0: number; x1: number; y1: number };
  /** Offset of the outline (and texture) at time t, metres. */
  motion?: (t: number) => [number, number];
}

export interface CameraModel {
  width: number;
  height: number;
  focal: number;
  cx: number;
  cy: number;
  /** Rolling-shutter readout of the whole frame, seconds. */
  readout: number;
}

/** A tileable grey texture: random rectangles and ellipses over two octaves of value noise, blurred once. */
export function makeTexture(rng: Rng, base: number, contrast: number): Float32Array {
  const n = TEXTURE_SIZE;
  const tex = new Float32Array(n * n);
  for (const [cell, amp] of [[32, 0.5], [8, 0.25]] as const) {
    const g = n / cell;
    const grid = Float32Array.from({ length: g * g }, () => rng.uniform(-1, 1));
    for (let y = 0; y < n; y++) {
      const gy = y / cell, y0 = Math.floor(gy), fy = gy - y0;
      for (let x = 0; x < n; x++) {
        const gx = x / cell, x0 = Math.floor(gx), fx = gx - x0;
        const a = grid[(y0 % g) * g + (x0 % g)]!, b = grid[(y0 % g) * g + ((x0 + 1) % g)]!;
        const c = grid[((y0 + 1) % g) * g + (x0 % g)]!, d = grid[((y0 + 1) % g) * g + ((x0 + 1) % g)]!;
        tex[y * n + x] += amp * contrast * ((a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy);
      }
    }
  }
  for (let k = 0; k < 70; k++) {
    const cx = rng.uniform(0, n), cy = rng.uniform(0, n);
    const rx = rng.uniform(3, 16), ry = rng.uniform(3, 16);
    const value = rng.uniform(-1.2, 1.2) * contrast;
    const ellipse = rng.chance(0.5);
    for (let y = Math.floor(cy - ry); y <= cy + ry; y++) {
      for (let x = Math.floor(cx - rx); x <= cx + rx; x++) {
        const u = (x + 0.5 - cx) / rx, v = (y + 0.5 - cy) / ry;
        if (ellipse ? u * u + v * v <= 1 : Math.abs(u) <= 1 && Math.abs(v) <= 1) tex[(y & MASK) * n + (x & MASK)] = value;
      }
    }
  }
  const out = new Float32Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += tex[((y + dy) & MASK) * n + ((x + dx) & MASK)]!;
      out[y * n + x] = base + s / 9;
    }
  }
  return out;
}

function sample(tex: Float32Array, u: number, v: number): number {
  const fu = Math.floor(u), fv = Math.floor(v);
  const au = u - fu, av = v - fv;
  const x0 = fu & MASK, x1 = (fu + 1) & MASK, y0 = (fv & MASK) * TEXTURE_SIZE, y1 = ((fv + 1) & MASK) * TEXTURE_SIZE;
  const top = tex[y0 + x0]! * (1 - au) + tex[y0 + x1]! * au;
  const bottom = tex[y1 + x0]! * (1 - au) + tex[y1 + x1]! * au;
  return top * (1 - av) + bottom * av;
}

/** Planes sorted nearest first; the last one must be the background (no outline). */
export function renderFrame(planes: readonly Plane[], cam: CameraModel, camera: HandHeldCamera, ts: number, rng: Rng, noise: number): Uint8Array {
  const { width: W, height: H, focal: f } = cam;
  const out = new Uint8Array(W * H);
  const n = planes.length;
  // Flat per-plane numbers for the pixel loop: depth, 1/texel, outline kind (0 none, 1 rect, 2 ellipse) and box.
  const depth = Float64Array.from(planes, (p) => p.depth);
  const scale = Float64Array.from(planes, (p) => 1 / p.texel);
  const kind = Uint8Array.from(planes, (p) => (p.outline ? (p.outline.shape === 'rect' ? 1 : 2) : 0));
  const box = new Float64Array(4 * n);
  planes.forEach((p, i) => p.outline && box.set([p.outline.x0, p.outline.y0, p.outline.x1, p.outline.y1], 4 * i));
  const offsets = new Float64Array(2 * n);
  for (let y = 0; y < H; y++) {
    const t = ts + (cam.readout * (y + 0.5)) / H;
    const rt = transpose3(camera.rotation(t));
    const [cx, cy, cz] = camera.centre(t);
    const [ox, oy] = camera.ois(t);
    // Ray direction in world axes: d = R^T K^-1 (x, y, 1) = d0 + x dd.
    const m = mul3(rt, inverseIntrinsics(f, cam.cx + ox, cam.cy + oy));
    const ddx = m[0]!, ddy = m[3]!, ddz = m[6]!;
    const d0x = m[1]! * (y + 0.5) + m[2]!, d0y = m[4]! * (y + 0.5) + m[5]!, d0z = m[7]! * (y + 0.5) + m[8]!;
    for (let i = 0; i < n; i++) {
      const motion = planes[i]!.motion;
      const [mx, my] = motion ? motion(t) : [0, 0];
      offsets[2 * i] = mx;
      offsets[2 * i + 1] = my;
    }
    for (let x = 0; x < W; x++) {
      const xc = x + 0.5;
      const dx = d0x + xc * ddx, dy = d0y + xc * ddy, dz = d0z + xc * ddz;
      let i = 0;
      let u = 0, v = 0;
      for (; i < n; i++) {
        const lambda = (depth[i]! - cz) / dz;
        u = cx + lambda * dx - offsets[2 * i]!;
        v = cy + lambda * dy - offsets[2 * i + 1]!;
        const k = kind[i]!;
        if (k === 0) break;
        if (lambda <= 0) continue;
        const x0 = box[4 * i]!, y0 = box[4 * i + 1]!, x1 = box[4 * i + 2]!, y1 = box[4 * i + 3]!;
        if (k === 1) {
          if (u >= x0 && u <= x1 && v >= y0 && v <= y1) break;
        } else {
          const a = (2 * u - x0 - x1) / (x1 - x0), b = (2 * v - y0 - y1) / (y1 - y0);
          if (a * a + b * b <= 1) break;
        }
      }
      if (i === n) i = n - 1;
      let value = sample(planes[i]!.texture, u * scale[i]!, v * scale[i]!);
      value += noise * (rng.next() + rng.next() - 1);
      out[y * W + x] = value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
    }
  }
  return out;
}

/** The camera's K at time t, lens shift included. */
export function cameraMatrix(cam: CameraModel, camera: HandHeldCamera, t: number): number[] {
  const [ox, oy] = camera.ois(t);
  return intrinsics(cam.focal, cam.cx + ox, cam.cy + oy);
}

/** Exact motion of the background plane (world Z = depth) from instant a to instant b, normalised. */
export function backgroundHomography(cam: CameraModel, camera: HandHeldCamera, depth: number, a: number, b: number): number[] {
  const ra = camera.rotation(a), rb = camera.rotation(b);
  const ca = camera.centre(a), cb = camera.centre(b);
  const na = apply3(ra, [0, 0, 1]);
  const da = depth - ca[2];
  const shift = apply3(rb, [ca[0] - cb[0], ca[1] - cb[1], ca[2] - cb[2]]);
  const rel = mul3(rb, transpose3(ra));
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) rel[3 * r + c] = rel[3 * r + c]! + (shift[r]! * na[c]!) / da;
  const [oxa, oya] = camera.ois(a);
  const h = mul3(cameraMatrix(cam, camera, b), mul3(rel, inverseIntrinsics(cam.focal, cam.cx + oxa, cam.cy + oya)));
  return h.map((v) => v / h[8]!);
}
