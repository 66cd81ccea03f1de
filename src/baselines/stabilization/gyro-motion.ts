/**
 * Frame-to-frame motion from the phone's sensors: integrate the gyroscope between the middle
 * of two frames' readouts into the rotation R_ab = R(b) R(a)^T (R(t + dt) = exp(-[w dt]x) R(t),
 * w linear between samples), then H = K_b R_ab K_a^-1 with each K's principal point moved by
 * the OIS lens shift at that instant. Right for the scene at infinity; blind to translation
 * and to objects that move on their own. The gyro bias is not known, so it is not removed.
 */
import { expSo3, intrinsics, inverseIntrinsics, mul3 } from '../../geometry/rotation.js';
import { midReadoutNs, type ClipInputs } from './clip-inputs.js';

/** Linear interpolation of `columns`-wide samples at time t (clamped at the ends). */
function interpolate(ts: Float64Array, v: Float64Array, columns: number, t: number, out: number[]): number[] {
  let hi = 1;
  let lo = 0, top = ts.length - 1;
  if (t <= ts[0]!) hi = 1;
  else if (t >= ts[top]!) hi = top;
  else {
    while (top - lo > 1) {
      const mid = (lo + top) >> 1;
      if (ts[mid]! <= t) lo = mid;
      else top = mid;
    }
    hi = top;
  }
  const a = ts[hi - 1]!, b = ts[hi]!;
  const s = Math.min(1, Math.max(0, (t - a) / (b - a)));
  for (let c = 0; c < columns; c++) out[c] = v[(hi - 1) * columns + c]! * (1 - s) + v[hi * columns + c]! * s;
  return out;
}

/** R(b) R(a)^T from the gyroscope, in steps of at most 1 ms. */
export function gyroRotation(clip: ClipInputs, aNs: number, bNs: number): number[] {
  let r = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const steps = Math.max(1, Math.ceil((bNs - aNs) / 1e6));
  const dt = (bNs - aNs) / steps;
  const w = [0, 0, 0];
  for (let k = 0; k < steps; k++) {
    interpolate(clip.gyroNs, clip.gyro, 3, aNs + (k + 0.5) * dt, w);
    const s = dt / 1e9;
    r = mul3(expSo3(-w[0]! * s, -w[1]! * s, -w[2]! * s), r);
  }
  return r;
}

function cameraAt(clip: ClipInputs, ns: number, inverse: boolean): number[] {
  const [ox, oy] = interpolate(clip.oisNs, clip.ois, 2, ns, [0, 0]);
  const { fx, cx, cy } = clip.camera;
  return inverse ? inverseIntrinsics(fx, cx + ox!, cy + oy!) : intrinsics(fx, cx + ox!, cy + oy!);
}

/** The gyro-predicted homography from frame t to frame t+1, normalised. */
export function gyroHomography(clip: ClipInputs, t: number): number[] {
  const a = midReadoutNs(clip, t), b = midReadoutNs(clip, t + 1);
  const h = mul3(cameraAt(clip, b, false), mul3(gyroRotation(clip, a, b), cameraAt(clip, a, true)));
  return h.map((v) => v / h[8]!);
}

/**
 * Undoes frame t's rolling shutter with the gyroscope: a point seen on row y (read out at
 * ts + readout y / H) is moved to where the camera at the middle of the readout would have
 * seen it, x' = K_mid R(mid) R(y)^T K_y^-1 x (rotation only, as for the scene at infinity).
 * Rotations are integrated once per row.
 */
export function rollingShutterCorrector(clip: ClipInputs, t: number): (x: number, y: number) => [number, number] {
  const { height: H, readout_ns } = clip.camera;
  const start = clip.frameNs[t]!;
  const mid = midReadoutNs(clip, t);
  const kMid = cameraAt(clip, mid, false);
  const rows: number[][] = [];
  for (let r = 0; r <= H; r++) {
    const ns = start + (readout_ns * r) / H;
    rows.push(mul3(kMid, mul3(gyroRotation(clip, ns, mid), cameraAt(clip, ns, true))));
  }
  return (x, y) => {
    const r = Math.min(H, Math.max(0, Math.round(y)));
    const m = rows[r]!;
    const w = m[6]! * x + m[7]! * y + m[8]!;
    return [(m[0]! * x + m[1]! * y + m[2]!) / w, (m[3]! * x + m[4]! * y + m[5]!) / w];
  };
}
