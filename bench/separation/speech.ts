/**
 * Speech-like test signals for the separation bench: syllables of a glottal pulse train
 * (jittered pitch) through three formant resonators, fricative noise bursts, pauses. Not
 * intelligible, but with speech's spectral tilt, formants, pauses and dynamics, which is what
 * matters to BSS Eval's conditioning and cost.
 */

export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Two-pole resonator coefficients for a formant at `freq` Hz with bandwidth `bw` Hz. */
function resonator(freq: number, bw: number, rate: number): [number, number, number] {
  const r = Math.exp((-Math.PI * bw) / rate);
  const a1 = 2 * r * Math.cos((2 * Math.PI * freq) / rate);
  const a2 = -r * r;
  return [1 - r, a1, a2];
}

export function speech(length: number, rate: number, seed: number): Float64Array {
  const rand = lcg(seed);
  const out = new Float64Array(length);
  const basePitch = 90 + 140 * rand();
  let i = Math.floor(rand() * 0.3 * rate);
  let phase = 0;
  const state = new Float64Array(6);
  while (i < length) {
    const syllable = Math.floor((0.08 + 0.2 * rand()) * rate);
    const voiced = rand() < 0.8;
    const formants = [300 + 600 * rand(), 900 + 1500 * rand(), 2200 + 1000 * rand()];
    const coefs = formants.map((f, k) => resonator(Math.min(f, rate * 0.45), 60 + 40 * k, rate));
    const pitch = basePitch * (0.85 + 0.3 * rand());
    const gain = 0.3 + 0.7 * rand();
    for (let n = 0; n < syllable && i < length; n++, i++) {
      const env = Math.sin((Math.PI * n) / syllable) ** 2 * gain;
      let excitation: number;
      if (voiced) {
        phase += (pitch * (1 + 0.02 * Math.sin(i / 900))) / rate;
        excitation = phase >= 1 ? ((phase -= 1), 1) : 0;
        excitation += 0.02 * (rand() - 0.5);
      } else {
        excitation = 0.3 * (rand() - 0.5);
      }
      let y = 0;
      for (let k = 0; k < 3; k++) {
        const [g, a1, a2] = coefs[k]!;
        const v = g * excitation + a1 * state[2 * k]! + a2 * state[2 * k + 1]!;
        state[2 * k + 1] = state[2 * k]!;
        state[2 * k] = v;
        y += v / (k + 1);
      }
      out[i] = env * y;
    }
    i += Math.floor((0.02 + (rand() < 0.15 ? 0.4 : 0.08) * rand()) * rate); // pause
  }
  let peak = 0;
  for (let n = 0; n < length; n++) peak = Math.max(peak, Math.abs(out[n]!));
  const scale = peak > 0 ? 0.45 / peak : 1;
  for (let n = 0; n < length; n++) out[n]! *= scale;
  return out;
}

/**
 * A separated estimate of `target`: a short FIR colouring, leakage of `other`, and white
 * noise, as a real separator's output has all three.
 */
export function estimate(target: Float64Array, other: Float64Array, seed: number): Float64Array {
  const rand = lcg(seed);
  const leak = 0.05 + 0.35 * rand();
  const taps = [1, 0.3 * (rand() - 0.5), 0.2 * (rand() - 0.5)];
  const noise = 0.002 + 0.01 * rand();
  const out = new Float64Array(target.length);
  for (let n = 0; n < target.length; n++) {
    let y = 0;
    for (let k = 0; k < taps.length && k <= n; k++) y += taps[k]! * target[n - k]!;
    out[n] = y + leak * other[n]! + noise * (rand() - 0.5);
  }
  return out;
}
