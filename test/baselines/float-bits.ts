/**
 * Test inputs for the bit-exact kernel tests: float32 words from a linear congruential generator
 * (Numerical Recipes' constants), sign bit kept and the top exponent bit cleared so that the
 * values are finite and all different; each test then places the special words it needs.
 */
export function seededWords(n: number, seed: number): Uint32Array {
  const words = new Uint32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    words[i] = (s & 0x3fffffff) ^ (s & 0x80000000);
  }
  return words;
}

/** Float32 values whose bits are all different, with -0, two NaN payloads and ±∞ at the end. */
export function seededSpecialBits(n: number, seed: number): Float32Array {
  const words = seededWords(n, seed);
  const special = [0x80000000, 0x7fc00001, 0xffc12345, 0x7f800000, 0xff800000]; // -0, NaNs, +∞, -∞
  special.forEach((w, k) => {
    if (k < n) words[n - 1 - k] = w;
  });
  return new Float32Array(words.buffer);
}

/** A tensor's data as bytes (the bit patterns, whatever the dtype). */
export async function bytesOf(t: { data(): Promise<ArrayLike<unknown>> }): Promise<number[]> {
  const data = (await t.data()) as Float32Array | Int32Array | Uint8Array;
  return Array.from(new Uint8Array(data.slice().buffer));
}

/** Values over 2^-140 .. 2^40 with specials (-0, +0, NaN payloads, ±∞, subnormals) spread through. */
export function seededWideValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  const words = new Uint32Array(out.buffer);
  const specials = [0x80000000, 0x00000000, 0x7fc00001, 0xffc12345, 0x7f800001, 0x7f800000, 0xff800000, 0x00000003, 0x80000005];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 ** ((s % 181) - 140);
    if (s % 5 === 0) words[i] = specials[(s >>> 8) % specials.length]!;
  }
  return out;
}
