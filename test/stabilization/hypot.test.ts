/**
 * hypot2/hypot3 replace Math.hypot on the stabilization hot path to avoid its per-call argument
 * array; the scores must not move by a bit, so they are checked against Math.hypot itself (this
 * also fails if a future V8 changes its algorithm).
 */
import { describe, expect, it } from 'vitest';
import { hypot2, hypot3 } from '../../src/evaluators/hypot.js';
import { mulberry32 } from '../../src/random.js';

const EXTREMES = [0, -0, 1, -1, 0.5, 3, 4, Number.MIN_VALUE, 2.2250738585072014e-308, 1e-300, 1e300, Number.MAX_VALUE, Infinity, -Infinity, NaN, 1 + 2 ** -52, 2 ** 53];

describe('hypot2 and hypot3', () => {
  it('equal Math.hypot bit for bit on extremes', () => {
    for (const x of EXTREMES) {
      for (const y of EXTREMES) {
        expect(Object.is(hypot2(x, y), Math.hypot(x, y)), `${x}, ${y}`).toBe(true);
        for (const z of EXTREMES) expect(Object.is(hypot3(x, y, z), Math.hypot(x, y, z)), `${x}, ${y}, ${z}`).toBe(true);
      }
    }
  });

  it('equal Math.hypot bit for bit on 1,000,000 random triples over many scales', () => {
    const rand = mulberry32(2013);
    const value = () => (rand() - 0.5) * 10 ** (Math.floor(rand() * 40) - 20);
    for (let k = 0; k < 1_000_000; k++) {
      const x = value(), y = rand() < 0.1 ? x : value(), z = value();
      if (!Object.is(hypot2(x, y), Math.hypot(x, y)) || !Object.is(hypot3(x, y, z), Math.hypot(x, y, z))) {
        expect({ x, y, z, two: hypot2(x, y), three: hypot3(x, y, z) }).toEqual({ x, y, z, two: Math.hypot(x, y), three: Math.hypot(x, y, z) });
      }
    }
  });
});
