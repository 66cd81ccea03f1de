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
