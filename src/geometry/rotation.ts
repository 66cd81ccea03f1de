/**
 * Small 3x3 rotation helpers (row-major number arrays) for camera motion: the Motion Photos
 * generator and the gyro baselines share them.
 *
 * Convention: R is the world-to-camera rotation (X_cam = R (X - C)); camera axes x right,
 * y down, z forward. A gyroscope reports the camera's angular velocity w in its own axes, and
 * R(t + dt) = exp(-[w dt]x) R(t) (points seen by the camera turn the other way).
 */
export type Mat3 = number[];

export function mul3(a: readonly number[], b: readonly number[]): Mat3 {
  const o = new Array<number>(9);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) o[3 * r + c] = a[3 * r]! * b[c]! + a[3 * r + 1]! * b[3 + c]! + a[3 * r + 2]! * b[6 + c]!;
  }
  return o;
}

export function transpose3(a: readonly number[]): Mat3 {
  return [a[0]!, a[3]!, a[6]!, a[1]!, a[4]!, a[7]!, a[2]!, a[5]!, a[8]!];
}

export function apply3(a: readonly number[], v: readonly number[]): [number, number, number] {
  return [
    a[0]! * v[0]! + a[1]! * v[1]! + a[2]! * v[2]!,
    a[3]! * v[0]! + a[4]! * v[1]! + a[5]! * v[2]!,
    a[6]! * v[0]! + a[7]! * v[1]! + a[8]! * v[2]!,
  ];
}

export const rotX = (a: number): Mat3 => [1, 0, 0, 0, Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a)];
export const rotY = (a: number): Mat3 => [Math.cos(a), 0, Math.sin(a), 0, 1, 0, -Math.sin(a), 0, Math.cos(a)];
export const rotZ = (a: number): Mat3 => [Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a), 0, 0, 0, 1];

/** exp([v]x), Rodrigues' formula. */
export function expSo3(vx: number, vy: number, vz: number): Mat3 {
  const th = Math.hypot(vx, vy, vz);
  if (th < 1e-12) return [1, -vz, vy, vz, 1, -vx, -vy, vx, 1];
  const kx = vx / th, ky = vy / th, kz = vz / th;
  const s = Math.sin(th), c = 1 - Math.cos(th);
  return [
    1 - c * (ky * ky + kz * kz), -s * kz + c * kx * ky, s * ky + c * kx * kz,
    s * kz + c * kx * ky, 1 - c * (kx * kx + kz * kz), -s * kx + c * ky * kz,
    -s * ky + c * kx * kz, s * kx + c * ky * kz, 1 - c * (kx * kx + ky * ky),
  ];
}

/** The rotation vector v with exp([v]x) = R (angle below pi). */
export function logSo3(r: readonly number[]): [number, number, number] {
  const cos = Math.min(1, Math.max(-1, (r[0]! + r[4]! + r[8]! - 1) / 2));
  const th = Math.acos(cos);
  const wx = (r[7]! - r[5]!) / 2, wy = (r[2]! - r[6]!) / 2, wz = (r[3]! - r[1]!) / 2;
  const s = Math.sin(th);
  const f = s < 1e-12 ? 1 : th / s;
  return [wx * f, wy * f, wz * f];
}

/** Intrinsics K with focal f and principal point (cx, cy). */
export const intrinsics = (f: number, cx: number, cy: number): Mat3 => [f, 0, cx, 0, f, cy, 0, 0, 1];
export const inverseIntrinsics = (f: number, cx: number, cy: number): Mat3 => [1 / f, 0, -cx / f, 0, 1 / f, -cy / f, 0, 0, 1];
