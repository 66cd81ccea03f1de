/**
 * A speaker's face track as Looking to Listen pairs audio with video: one value a video frame
 * (25 fps) saying how open the mouth is. Here it follows the speaker's own loudness: frame RMS in
 * dB mapped from [-50, -15] dBFS to [0, 1], with a fast opening and a slower closing (a mouth
 * does not snap shut), rounded to 3 decimals. Computed from the speaker's clip before the mixing
 * gain, since a face does not know how loud it was mixed.
 */
export const FACE_FPS = 25;

const FLOOR_DB = -50;
const CEILING_DB = -15;
const CLOSE_RATE = 0.5;

export function mouthOpenness(samples: Float64Array, sampleRate: number, fps = FACE_FPS): number[] {
  const hop = sampleRate / fps;
  const frames = Math.floor(samples.length / hop);
  const out: number[] = [];
  let prev = 0;
  for (let f = 0; f < frames; f++) {
    const a = Math.round(f * hop);
    const b = Math.round((f + 1) * hop);
    let energy = 0;
    for (let i = a; i < b; i++) energy += samples[i]! * samples[i]!;
    const db = 10 * Math.log10(energy / Math.max(1, b - a) + 1e-12);
    const target = Math.min(1, Math.max(0, (db - FLOOR_DB) / (CEILING_DB - FLOOR_DB)));
    const value = target >= prev ? target : prev + (target - prev) * CLOSE_RATE;
    prev = value;
    out.push(Math.round(value * 1000) / 1000);
  }
  return out;
}
