/**
 * Band-limited resampling by windowed-sinc interpolation (Smith, "Digital Audio Resampling"):
 * each output sample is sum_k x[k] * h(t - k) with h a Hann-windowed sinc whose cutoff is the
 * lower of the two Nyquist frequencies (times `rolloff`), so 22,050 Hz speech comes down to
 * 8 kHz without aliasing. For a rational rate ratio L/M (22050 -> 8000 is 160/441) the output
 * positions repeat every L samples, so the filter taps are computed once per phase.
 */
export function resample(x: Float64Array, fromRate: number, toRate: number, halfTaps = 10, rolloff = 0.9): Float64Array {
  if (fromRate === toRate) return x.slice();
  const g = gcd(fromRate, toRate);
  const up = toRate / g; // L: output samples per period
  const down = fromRate / g; // M: input samples per period
  const n = Math.floor((x.length * up) / down);
  const out = new Float64Array(n);
  const cutoff = Math.min(1, up / down) * rolloff; // in units of the input Nyquist
  const width = Math.ceil(halfTaps / Math.min(1, up / down)); // input samples on each side
  const taps = 2 * width + 1;
  if (up > 4096) throw new RangeError(`resample: ratio ${toRate}/${fromRate} has too many phases`);
  // phase p: output i with (i * M) mod L = p sits p / L after input floor(i * M / L).
  const table = new Float64Array(up * taps);
  for (let p = 0; p < up; p++) {
    const frac = p / up;
    for (let j = 0; j < taps; j++) {
      const d = frac - (j - width); // t - k
      const arg = Math.PI * d * cutoff;
      const sinc = d === 0 ? 1 : Math.sin(arg) / arg;
      const w = Math.abs(d) >= width + 1 ? 0 : 0.5 + 0.5 * Math.cos((Math.PI * d) / (width + 1));
      table[p * taps + j] = sinc * w * cutoff;
    }
  }
  for (let i = 0; i < n; i++) {
    const num = i * down;
    const base = Math.floor(num / up);
    const p = num - base * up;
    const row = p * taps;
    let acc = 0;
    const k0 = base - width;
    if (k0 >= 0 && k0 + taps <= x.length) {
      for (let j = 0; j < taps; j++) acc += x[k0 + j]! * table[row + j]!;
    } else {
      for (let j = 0; j < taps; j++) {
        const k = k0 + j;
        if (k >= 0 && k < x.length) acc += x[k]! * table[row + j]!;
      }
    }
    out[i] = acc;
  }
  return out;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
