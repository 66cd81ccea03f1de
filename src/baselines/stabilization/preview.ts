/**
 * A stabilization preview: the input clip beside the output a submission's S_t gives, as one
 * animated PNG (every other frame, 15 fps). The output frame t is the input warped by S_t:
 * each output pixel centre p samples the input at S_t^-1 p (bilinear; black outside), so the
 * crop, the zoom and the borders a submission leaves are all visible.
 */
import { invert3 } from '../../evaluators/homography.js';
import { encodeGreyApng } from '../../formats/apng.js';
import type { ClipInputs } from './clip-inputs.js';

const GAP = 4;

export function warpFrame(input: Float32Array, width: number, height: number, s: Float64Array, at: number): Uint8Array {
  const inv = new Float64Array(9);
  invert3(inv, 0, s, at);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = x + 0.5, py = y + 0.5;
      const w = inv[6]! * px + inv[7]! * py + inv[8]!;
      // Continuous coordinates to pixel-index coordinates (centres at integers).
      const u = (inv[0]! * px + inv[1]! * py + inv[2]!) / w - 0.5;
      const v = (inv[3]! * px + inv[4]! * py + inv[5]!) / w - 0.5;
      if (!(u >= -0.5 && v >= -0.5 && u <= width - 0.5 && v <= height - 0.5)) continue;
      const fu = Math.min(width - 2, Math.max(0, Math.floor(u))), fv = Math.min(height - 2, Math.max(0, Math.floor(v)));
      const au = Math.min(1, Math.max(0, u - fu)), av = Math.min(1, Math.max(0, v - fv));
      const i = fv * width + fu;
      const value = (input[i]! * (1 - au) + input[i + 1]! * au) * (1 - av) + (input[i + width]! * (1 - au) + input[i + width + 1]! * au) * av;
      out[y * width + x] = Math.round(value);
    }
  }
  return out;
}

/** Input | output side by side, every `step`-th frame, as an APNG. */
export function previewApng(clip: ClipInputs, path: Float64Array, step = 2): Buffer {
  const { width: W, height: H } = clip.camera;
  const frames: Uint8Array[] = [];
  const wide = 2 * W + GAP;
  for (let t = 0; t < clip.frameNs.length; t += step) {
    const input = clip.frame(t);
    const output = warpFrame(input, W, H, path, 9 * t);
    const both = new Uint8Array(wide * H).fill(255);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        both[y * wide + x] = Math.round(input[y * W + x]!);
        both[y * wide + W + GAP + x] = output[y * W + x]!;
      }
    }
    frames.push(both);
  }
  return encodeGreyApng(wide, H, frames, (1000 * step) / 30);
}
