/**
 * Fast Fourier transforms for float64 signals, written for the separation metrics.
 *
 * - Complex FFT of a power-of-two size n on split real/imaginary arrays: iterative
 *   decimation in time, bit-reversal permutation then radix-4 stages (two radix-2 stages
 *   merged, one radix-2 stage first when log2 n is odd), twiddles precomputed per stage so the
 *   inner loops read them contiguously. The inverse reuses the forward pass with real and
 *   imaginary parts swapped: ifft(x) = swap(fft(swap(x))) / n.
 * - Real FFT of size 2n through one complex FFT of size n on the even/odd samples, then the
 *   usual split (Cooley, Lewis & Welch 1970; Numerical Recipes 12.3).
 *
 * Twiddles come from Math.cos/Math.sin of exact multiples of 2*pi/n, not from recurrences, so
 * rounding stays at the level of numpy's pocketfft.
 */

/** A complex FFT of one power-of-two size with its tables; reuse it for every transform of that size. */
export interface ComplexFft {
  readonly size: number;
  /** In-place forward transform, X[k] = sum_m x[m] e^{-2 pi i k m / n}. */
  forward(re: Float64Array, im: Float64Array): void;
  /** In-place inverse transform, including the 1/n factor. */
  inverse(re: Float64Array, im: Float64Array): void;
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** Smallest power of two >= n (as numpy's `2**ceil(log2(n))`, for n >= 1). */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

interface Stage {
  /** Quarter size of the radix-4 butterfly group (group size 4h). */
  h: number;
  /** w^k, w^2k, w^3k for k < h, w = e^{-2 pi i / 4h}, interleaved (cos, sin) triples. */
  twiddles: Float64Array;
}

export function createComplexFft(n: number): ComplexFft {
  if (!isPowerOfTwo(n)) throw new RangeError(`FFT size must be a power of two, got ${n}`);
  const bits = Math.round(Math.log2(n));
  const reversed = bitReversalPairs(n, bits);
  const firstRadix2 = bits % 2 === 1;
  const stages: Stage[] = [];
  for (let h = firstRadix2 ? 2 : 1; 4 * h <= n; h *= 4) {
    const twiddles = new Float64Array(6 * h);
    for (let k = 0; k < h; k++) {
      for (let m = 1; m <= 3; m++) {
        const angle = (-2 * Math.PI * m * k) / (4 * h);
        twiddles[6 * k + 2 * (m - 1)] = Math.cos(angle);
        twiddles[6 * k + 2 * (m - 1) + 1] = Math.sin(angle);
      }
    }
    stages.push({ h, twiddles });
  }

  function transform(re: Float64Array, im: Float64Array): void {
    if (re.length < n || im.length < n) throw new RangeError(`FFT of size ${n} needs arrays of at least ${n}`);
    for (let p = 0; p < reversed.length; p += 2) {
      const i = reversed[p]!;
      const j = reversed[p + 1]!;
      let t = re[i]!;
      re[i] = re[j]!;
      re[j] = t;
      t = im[i]!;
      im[i] = im[j]!;
      im[j] = t;
    }
    if (firstRadix2) {
      for (let i = 0; i < n; i += 2) {
        const ar = re[i]!, ai = im[i]!, br = re[i + 1]!, bi = im[i + 1]!;
        re[i] = ar + br;
        im[i] = ai + bi;
        re[i + 1] = ar - br;
        im[i + 1] = ai - bi;
      }
    }
    for (const { h, twiddles: w } of stages) {
      const group = 4 * h;
      for (let base = 0; base < n; base += group) {
        // k = 0: all twiddles are 1.
        {
          const i0 = base, i1 = base + h, i2 = base + 2 * h, i3 = base + 3 * h;
          const ar = re[i0]!, ai = im[i0]!;
          const br = re[i1]!, bi = im[i1]!;
          const cr = re[i2]!, ci = im[i2]!;
          const dr = re[i3]!, di = im[i3]!;
          const s0r = ar + br, s0i = ai + bi, d0r = ar - br, d0i = ai - bi;
          const s1r = cr + dr, s1i = ci + di, d1r = cr - dr, d1i = ci - di;
          re[i0] = s0r + s1r;
          im[i0] = s0i + s1i;
          re[i2] = s0r - s1r;
          im[i2] = s0i - s1i;
          // (a-b) -/+ i(c-d)
          re[i1] = d0r + d1i;
          im[i1] = d0i - d1r;
          re[i3] = d0r - d1i;
          im[i3] = d0i + d1r;
        }
        for (let k = 1; k < h; k++) {
          const t = 6 * k;
          const w1r = w[t]!, w1i = w[t + 1]!, w2r = w[t + 2]!, w2i = w[t + 3]!, w3r = w[t + 4]!, w3i = w[t + 5]!;
          const i0 = base + k, i1 = i0 + h, i2 = i1 + h, i3 = i2 + h;
          const ar = re[i0]!, ai = im[i0]!;
          // b = w^2k P1, c = w^k P2, d = w^3k P3 (P1 sits at i1, P2 at i2: bit-reversed order)
          const x1r = re[i1]!, x1i = im[i1]!;
          const br = x1r * w2r - x1i * w2i, bi = x1r * w2i + x1i * w2r;
          const x2r = re[i2]!, x2i = im[i2]!;
          const cr = x2r * w1r - x2i * w1i, ci = x2r * w1i + x2i * w1r;
          const x3r = re[i3]!, x3i = im[i3]!;
          const dr = x3r * w3r - x3i * w3i, di = x3r * w3i + x3i * w3r;
          const s0r = ar + br, s0i = ai + bi, d0r = ar - br, d0i = ai - bi;
          const s1r = cr + dr, s1i = ci + di, d1r = cr - dr, d1i = ci - di;
          re[i0] = s0r + s1r;
          im[i0] = s0i + s1i;
          re[i2] = s0r - s1r;
          im[i2] = s0i - s1i;
          re[i1] = d0r + d1i;
          im[i1] = d0i - d1r;
          re[i3] = d0r - d1i;
          im[i3] = d0i + d1r;
        }
      }
    }
  }

  return {
    size: n,
    forward: transform,
    inverse(re, im) {
      transform(im, re);
      const scale = 1 / n;
      for (let i = 0; i < n; i++) {
        re[i]! *= scale;
        im[i]! *= scale;
      }
    },
  };
}

/** Index pairs (i, j), i < j, that bit reversal swaps. */
function bitReversalPairs(n: number, bits: number): Uint32Array {
  const pairs: number[] = [];
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let b = 0, v = i; b < bits; b++, v >>= 1) j = (j << 1) | (v & 1);
    if (i < j) pairs.push(i, j);
  }
  return Uint32Array.from(pairs);
}

/**
 * A real FFT of one even power-of-two size m with reusable buffers. The spectrum is the half
 * spectrum X[0..m/2] (m/2 + 1 bins); the rest is its conjugate mirror.
 */
export interface RealFft {
  readonly size: number;
  /** Number of bins of the half spectrum, m/2 + 1. */
  readonly bins: number;
  /**
   * Transforms `input` zero-padded (or cut) to the FFT size; writes m/2+1 bins into re, im.
   * `input` may be shorter than the size (zero padding, as numpy's `fft(x, n)`).
   */
  forward(input: ArrayLike<number>, re: Float64Array, im: Float64Array): void;
  /** Inverse of `forward`: from m/2+1 bins to m real samples (1/m included). */
  inverse(re: Float64Array, im: Float64Array, output: Float64Array): void;
}

export function createRealFft(m: number): RealFft {
  if (!isPowerOfTwo(m) || m < 4) throw new RangeError(`real FFT size must be a power of two >= 4, got ${m}`);
  const n = m / 2;
  const complex = createComplexFft(n);
  const zr = new Float64Array(n);
  const zi = new Float64Array(n);
  // e^{-2 pi i k / m} for k <= n/2 (the split only needs half of them; symmetry gives the rest).
  const half = n / 2;
  const wr = new Float64Array(half + 1);
  const wi = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++) {
    wr[k] = Math.cos((-2 * Math.PI * k) / m);
    wi[k] = Math.sin((-2 * Math.PI * k) / m);
  }

  return {
    size: m,
    bins: n + 1,
    forward(input, re, im) {
      const len = Math.min(input.length, m);
      let i = 0;
      for (; 2 * i + 1 < len; i++) {
        zr[i] = input[2 * i]!;
        zi[i] = input[2 * i + 1]!;
      }
      if (2 * i < len) {
        zr[i] = input[2 * i]!;
        zi[i] = 0;
        i++;
      }
      for (; i < n; i++) {
        zr[i] = 0;
        zi[i] = 0;
      }
      complex.forward(zr, zi);
      // X[k] = E[k] + w^k O[k], E[k] = (Z[k] + conj Z[n-k]) / 2, O[k] = (Z[k] - conj Z[n-k]) / 2i
      re[0] = zr[0]! + zi[0]!;
      im[0] = 0;
      re[n] = zr[0]! - zi[0]!;
      im[n] = 0;
      for (let k = 1; k <= half; k++) {
        const j = n - k;
        const ar = zr[k]!, ai = zi[k]!, br = zr[j]!, bi = zi[j]!;
        const er = 0.5 * (ar + br), ei = 0.5 * (ai - bi);
        const or = 0.5 * (ai + bi), oi = -0.5 * (ar - br);
        // twiddle for k is w[k]; for j = n - k it is -conj(w[k])
        const c = wr[k]!, s = wi[k]!;
        const tr = or * c - oi * s, ti = or * s + oi * c;
        re[k] = er + tr;
        im[k] = ei + ti;
        if (j !== k) {
          // E[j] = conj E[k], O[j] = conj O[k], w^j = -conj w^k
          re[j] = er - tr;
          im[j] = -ei + ti;
        }
      }
    },
    inverse(re, im, output) {
      // Z[k] = E[k] + i O[k] with E[k] = (X[k] + conj X[n-k]) / 2, O[k] = (X[k] - conj X[n-k]) / (2 w^k)
      zr[0] = 0.5 * (re[0]! + re[n]!);
      zi[0] = 0.5 * (re[0]! - re[n]!);
      for (let k = 1; k <= half; k++) {
        const j = n - k;
        const ar = re[k]!, ai = im[k]!, br = re[j]!, bi = im[j]!;
        const er = 0.5 * (ar + br), ei = 0.5 * (ai - bi);
        const dr = 0.5 * (ar - br), di = 0.5 * (ai + bi);
        // O[k] = d * conj(w^k)
        const c = wr[k]!, s = wi[k]!;
        const or = dr * c + di * s, oi = di * c - dr * s;
        zr[k] = er - oi;
        zi[k] = ei + or;
        if (j !== k) {
          // E[j] = conj E[k]; O[j] = conj O[k] (d at j is -conj d at k, w^j = -conj w^k)
          zr[j] = er + oi;
          zi[j] = -ei + or;
        }
      }
      complex.inverse(zr, zi);
      for (let i = 0; i < n; i++) {
        output[2 * i] = zr[i]!;
        output[2 * i + 1] = zi[i]!;
      }
    },
  };
}
