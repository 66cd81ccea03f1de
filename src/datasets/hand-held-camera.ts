/**
 * A hand-held phone camera for the Motion Photos generator: an intentional pan plus
 * physiological tremor (2.5-10 Hz) and slower sway (0.4-1.5 Hz) in rotation, hand translation
 * (sway and tremor, and a slow walk at close range), and an OIS lens shift that cancels part of
 * the tremor, as a Pixel 2 clip's sensor logs describe it.
 *
 * Pose at time t (seconds from the first frame): world-to-camera rotation
 * R(t) = Rz(roll) Rx(pitch) Ry(yaw), camera centre C(t) in metres, lens shift (ox, oy) in
 * pixels, which moves the principal point: K(t) = [[f, 0, cx + ox], [0, f, cy + oy], [0, 0, 1]].
 * Gyroscope convention: see geometry/rotation.ts.
 */
import { logSo3, mul3, rotX, rotY, rotZ, transpose3, type Mat3 } from '../geometry/rotation.js';
import type { Rng } from './rng.js';

interface Wave {
  amp: number;
  hz: number;
  phase: number;
}
const waveSum = (ws: readonly Wave[], t: number) => ws.reduce((s, w) => s + w.amp * Math.sin(2 * Math.PI * w.hz * t + w.phase), 0);

function waves(rng: Rng, count: number, amp: number, loHz: number, hiHz: number): Wave[] {
  return Array.from({ length: count }, () => ({ amp: (amp * rng.uniform(0.6, 1.2)) / Math.sqrt(count), hz: rng.uniform(loHz, hiHz), phase: rng.uniform(0, 2 * Math.PI) }));
}

export interface HandHeldSettings {
  /** Clip length in seconds. */
  seconds: number;
  focal: number;
  /** Total intentional pan over the clip, radians (yaw, pitch). */
  panYaw: number;
  panPitch: number;
  /** RMS-ish amplitude of the tremor and the sway, radians. */
  tremor: number;
  sway: number;
  /** Hand translation: sway and tremor amplitude in metres, walk speed in m/s (x, z). */
  translationSway: number;
  translationTremor: number;
  walk: [number, number];
  /** OIS: share of the tremor's image motion cancelled, and the lens travel limit in pixels. */
  oisGain: number;
  oisLimit: number;
}

export interface HandHeldCamera {
  rotation(t: number): Mat3;
  centre(t: number): [number, number, number];
  ois(t: number): [number, number];
  /** The angular velocity a perfect gyroscope reads at t (rad/s, camera axes). */
  angularVelocity(t: number): [number, number, number];
}

export function handHeldCamera(rng: Rng, s: HandHeldSettings): HandHeldCamera {
  const tremorYaw = waves(rng, 3, s.tremor, 2.5, 10);
  const tremorPitch = waves(rng, 3, s.tremor, 2.5, 10);
  const tremorRoll = waves(rng, 2, s.tremor * 0.5, 2.5, 8);
  const swayYaw = waves(rng, 2, s.sway, 0.4, 1.5);
  const swayPitch = waves(rng, 2, s.sway, 0.4, 1.5);
  const swayRoll = waves(rng, 2, s.sway * 0.5, 0.4, 1.5);
  const moveX = [...waves(rng, 2, s.translationSway, 0.4, 1.5), ...waves(rng, 3, s.translationTremor, 2.5, 8)];
  const moveY = [...waves(rng, 2, s.translationSway, 0.4, 1.5), ...waves(rng, 3, s.translationTremor, 2.5, 8)];
  const moveZ = waves(rng, 2, s.translationSway * 0.5, 0.4, 1.5);
  // Intentional motion eases in and out: u - sin(2 pi u) / (2 pi) has zero speed at both ends.
  const ease = (t: number) => {
    const u = Math.min(1, Math.max(0, t / s.seconds));
    return u - Math.sin(2 * Math.PI * u) / (2 * Math.PI);
  };
  const rotation = (t: number): Mat3 => {
    const yaw = s.panYaw * ease(t) + waveSum(tremorYaw, t) + waveSum(swayYaw, t);
    const pitch = s.panPitch * ease(t) + waveSum(tremorPitch, t) + waveSum(swayPitch, t);
    const roll = waveSum(tremorRoll, t) + waveSum(swayRoll, t);
    return mul3(rotZ(roll), mul3(rotX(pitch), rotY(yaw)));
  };
  const clampOis = (v: number) => Math.max(-s.oisLimit, Math.min(s.oisLimit, v));
  return {
    rotation,
    centre: (t) => [waveSum(moveX, t) + s.walk[0] * t, waveSum(moveY, t), waveSum(moveZ, t) + s.walk[1] * t],
    // A yaw a moves the image by +f a in x, a pitch b by -f b in y; the lens cancels a share of the tremor's part.
    ois: (t) => [clampOis(-s.oisGain * s.focal * waveSum(tremorYaw, t)), clampOis(s.oisGain * s.focal * waveSum(tremorPitch, t))],
    angularVelocity(t) {
      const h = 1e-4;
      // R(t+h) R(t-h)^T = exp(-[w 2h]x)
      const v = logSo3(mul3(rotation(t + h), transpose3(rotation(t - h))));
      return [-v[0] / (2 * h), -v[1] / (2 * h), -v[2] / (2 * h)];
    },
  };
}
