/**
 * Short-time Fourier transform and its inverse for the separation baselines: periodic Hann
 * window, frame length 256 (32 ms at 8 kHz), hop 128 (50% overlap), frames centred by
 * zero-padding half a frame at both ends (librosa's center=True with zero padding).
 * The inverse is the least-squares overlap-add (Griffin & Lim 1984): the sum of windowed
 * frames divided by the sum of squared windows, so istft(stft(x)) == x.
 */
export const FRAME = 256;
export const HOP = 128;
export const BINS = FRAME / 2 + 1;

export const WINDOW = Float64Array.from({ length: FRAME }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / FRAME));

export interface Spectrogram {
  frames: number;
  /** frames x BINS, real and imaginary parts. */
  re: Float32Array;
  im: Float32Array;
}

export function frameCount(samples: number): number {
  return Math.floor(samples / HOP) + 1;
}

/**
 * The FFT's twiddle factors, cos and sin of (-2 pi / len) k for every stage length len and
 * k < len / 2, at [len / 2 - 1 + k]: the very values the butterflies used to compute with
 * Math.cos / Math.sin in their inner loop (same expression, same process), looked up instead.
 */
const TWIDDLE_RE = new Float64Array(FRAME - 1);
const TWIDDLE_IM = new Float64Array(FRAME - 1);
for (let len = 2; len <= FRAME; len <<= 1) {
  const angle = (-2 * Math.PI) / len;
  for (let k = 0; k < len / 2; k++) {
    TWIDDLE_RE[len / 2 - 1 + k] = Math.cos(angle * k);
    TWIDDLE_IM[len / 2 - 1 + k] = Math.sin(angle * k);
  }
}

/** In-place radix-2 FFT of length FRAME. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (n !== FRAME) throw new Error(`fft: length ${n}, expected ${FRAME}`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const r = re[i], m = im[i];
      re[i] = re[j];
      im[i] = im[j];
      re[j] = r;
      im[j] = m;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len / 2;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < half; k++) {
        const wr = TWIDDLE_RE[half - 1 + k];
        const wi = TWIDDLE_IM[half - 1 + k];
        const a = i + k;
        const b = a + half;
        const tr = re[b] * wr - im[b] * wi;
        const ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

export function stft(signal: ArrayLike<number>): Spectrogram {
  const frames = frameCount(signal.length);
  const re = new Float32Array(frames * BINS);
  const im = new Float32Array(frames * BINS);
  const bufRe = new Float64Array(FRAME);
  const bufIm = new Float64Array(FRAME);
  for (let f = 0; f < frames; f++) {
    const start = f * HOP - FRAME / 2;
    for (let i = 0; i < FRAME; i++) {
      const t = start + i;
      bufRe[i] = t >= 0 && t < signal.length ? signal[t] * WINDOW[i] : 0;
      bufIm[i] = 0;
    }
    fft(bufRe, bufIm);
    for (let k = 0; k < BINS; k++) {
      re[f * BINS + k] = bufRe[k];
      im[f * BINS + k] = bufIm[k];
    }
  }
  return { frames, re, im };
}

export function istft(spec: Spectrogram, samples: number): Float64Array {
  const out = new Float64Array(samples);
  const norm = new Float64Array(samples);
  const bufRe = new Float64Array(FRAME);
  const bufIm = new Float64Array(FRAME);
  for (let f = 0; f < spec.frames; f++) {
    // Hermitian spectrum; the inverse FFT as conj(FFT(conj(X))) / N.
    for (let k = 0; k < BINS; k++) {
      bufRe[k] = spec.re[f * BINS + k];
      bufIm[k] = -spec.im[f * BINS + k];
    }
    for (let k = BINS; k < FRAME; k++) {
      bufRe[k] = spec.re[f * BINS + FRAME - k];
      bufIm[k] = spec.im[f * BINS + FRAME - k];
    }
    fft(bufRe, bufIm);
    const start = f * HOP - FRAME / 2;
    for (let i = 0; i < FRAME; i++) {
      const t = start + i;
      if (t < 0 || t >= samples) continue;
      out[t] += (bufRe[i] / FRAME) * WINDOW[i];
      norm[t] += WINDOW[i] * WINDOW[i];
    }
  }
  for (let t = 0; t < samples; t++) if (norm[t] > 1e-8) out[t] /= norm[t];
  return out;
}

export function magnitude(spec: Spectrogram): Float32Array {
  const m = new Float32Array(spec.re.length);
  for (let i = 0; i < m.length; i++) m[i] = Math.hypot(spec.re[i], spec.im[i]);
  return m;
}

/** The mixture's spectrogram with a real mask (frames x BINS) applied: the mixture's phase is kept. */
export function applyMask(spec: Spectrogram, mask: ArrayLike<number>): Spectrogram {
  const re = new Float32Array(spec.re.length);
  const im = new Float32Array(spec.im.length);
  for (let i = 0; i < re.length; i++) {
    re[i] = spec.re[i] * mask[i];
    im[i] = spec.im[i] * mask[i];
  }
  return { frames: spec.frames, re, im };
}
