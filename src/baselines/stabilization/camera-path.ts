/**
 * From estimated frame-to-frame motions M_t (frame t -> t+1) to the submission's S_t:
 * - each M_t about the frame centre, reduced to a translation (dx, dy), where it moves the
 *   centre, and a rotation atan2(m10, m00), how it turns a row (rolling shutter shears rows
 *   sideways but does not turn them, so the x column is the clean one);
 * - the camera path p_t = sum of the steps, per parameter;
 * - the L1-optimal path b_t within a corridor around p_t (l1-path.ts);
 * - S_t = C^-1 Z R(b_t - p_t) T(b_t - p_t) C: shift and turn frame t onto the smooth path, zoom
 *   by 1 / CROP about the centre (C moves the centre to the origin) so the window stays filled
 *   while the correction stays inside the corridor.
 */
import { mul3 } from '../../geometry/rotation.js';
import { l1SmoothPath } from './l1-path.js';

/** Share of the frame kept: a 10 % crop, Motion Photos-like. */
export const CROP = 0.9;
/** Corridor radii as shares of the crop margin (the rest is left for the rotation), and the angle. */
const TRANSLATION_SHARE = 0.75;
const MAX_ANGLE = 0.02;

export interface Step {
  dx: number;
  dy: number;
  da: number;
}

export function similarityStep(m: readonly number[], width: number, height: number): Step {
  const cx = width / 2, cy = height / 2;
  const h = m.map((v) => v / m[8]!);
  // C M C^-1 with C = translate(-cx, -cy): the translation part moves with the centre.
  const a = h[0]! - cx * h[6]!, c = h[3]! - cy * h[6]!;
  const w = h[6]! * cx + h[7]! * cy + h[8]!;
  const tx = (h[0]! * cx + h[1]! * cy + h[2]! - cx * w) / w;
  const ty = (h[3]! * cx + h[4]! * cy + h[5]! - cy * w) / w;
  // The x column of the Jacobian at the centre: (a - tx h20, c - ty h20) / w.
  return { dx: tx, dy: ty, da: Math.atan2(c - ty * h[6]!, a - tx * h[6]!) };
}

/**
 * S_t for every frame (N x 9, row-major) from N-1 motions. The path is composed as the metric
 * composes it: P_0 = I, P_{t+1} = M'_t P_t with M'_t = C M_t C^-1 (normalised), read as
 * p_t = (P02, P12, atan2(P10 - P01, P00 + P11)); then S'_t = Z Sim(b_t) Sim(p_t)^-1, so the
 * output path is Z Sim(b_t) Sim(p_t)^-1 P_t Z^-1: the smooth path up to P_t's non-similar rest.
 */
export async function stabilizingPath(motions: readonly (readonly number[])[], width: number, height: number, focal: number): Promise<Float64Array> {
  const n = motions.length + 1;
  const cx = width / 2, cy = height / 2;
  const px = new Float64Array(n), py = new Float64Array(n), pa = new Float64Array(n);
  let P = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  motions.forEach((m, t) => {
    const h = m.map((v) => v / m[8]!);
    const c = mul3([1, 0, -cx, 0, 1, -cy, 0, 0, 1], mul3(h, [1, 0, cx, 0, 1, cy, 0, 0, 1]));
    P = mul3(c, P);
    P = P.map((v) => v / P[8]!);
    px[t + 1] = P[2]!;
    py[t + 1] = P[5]!;
    pa[t + 1] = Math.atan2(P[3]! - P[1]!, P[0]! + P[4]!);
  });
  // The angle may wind past pi over a long pan: keep it continuous.
  for (let t = 1; t < n; t++) pa[t] = pa[t - 1]! + Math.atan2(Math.sin(pa[t]! - pa[t - 1]!), Math.cos(pa[t]! - pa[t - 1]!));
  const marginX = (width / 2) * (1 - CROP), marginY = (height / 2) * (1 - CROP);
  // The angle is solved in pixels at the focal length, so the three programs are alike in scale.
  const [bx, by, baScaled] = await Promise.all([
    l1SmoothPath(px, TRANSLATION_SHARE * marginX),
    l1SmoothPath(py, TRANSLATION_SHARE * marginY),
    l1SmoothPath(pa.map((v) => v * focal), MAX_ANGLE * focal),
  ]);
  const out = new Float64Array(9 * n);
  const z = 1 / CROP;
  const sim = (x: number, y: number, a: number) => [Math.cos(a), -Math.sin(a), x, Math.sin(a), Math.cos(a), y, 0, 0, 1];
  const simInverse = (x: number, y: number, a: number) => {
    const c = Math.cos(a), s = Math.sin(a);
    return [c, s, -(c * x + s * y), -s, c, -(-s * x + c * y), 0, 0, 1];
  };
  for (let t = 0; t < n; t++) {
    const centred = mul3([z, 0, 0, 0, z, 0, 0, 0, 1], mul3(sim(bx[t]!, by[t]!, baScaled[t]! / focal), simInverse(px[t]!, py[t]!, pa[t]!)));
    out.set(mul3([1, 0, cx, 0, 1, cy, 0, 0, 1], mul3(centred, [1, 0, -cx, 0, 1, -cy, 0, 0, 1])), 9 * t);
  }
  return out;
}
