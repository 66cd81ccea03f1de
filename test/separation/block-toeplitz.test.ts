import { describe, expect, it } from 'vitest';
import { quadraticForms, solveBlockToeplitz, type BlockToeplitz } from '../../src/evaluators/block-toeplitz.js';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** Gram matrix blocks of p random signals and their delays: a positive definite block Toeplitz. */
function gram(p: number, n: number, length: number, seed: number): BlockToeplitz {
  const rand = lcg(seed);
  const x = Array.from({ length: p }, () => Float64Array.from({ length }, rand));
  const blocks = new Float64Array(n * p * p);
  for (let m = 0; m < n; m++) {
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        let s = 0;
        for (let t = 0; t + m < length; t++) s += x[i]![t + m]! * x[j]![t]!;
        blocks[m * p * p + i * p + j] = s;
      }
    }
  }
  return { p, n, blocks };
}

/** The dense matrix M[(a,i),(b,j)] = T(b-a)[i][j], T(-m) = T(m)^T. */
function dense(m: BlockToeplitz): number[][] {
  const { p, n, blocks } = m;
  const size = n * p;
  const out = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < p; j++) {
          out[a * p + i]![b * p + j] = b >= a ? blocks[(b - a) * p * p + i * p + j]! : blocks[(a - b) * p * p + j * p + i]!;
        }
      }
    }
  }
  return out;
}

/** Gaussian elimination with partial pivoting (the dense oracle). */
function denseSolve(a: number[][], y: ArrayLike<number>): number[] {
  const n = a.length;
  const m = a.map((row, i) => [...row, y[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

describe('block Levinson', () => {
  for (const p of [1, 2, 3]) {
    it(`solves p = ${p} systems and their quadratic forms like a dense solver`, () => {
      const m = gram(p, 24, 200, 7 + p);
      const rand = lcg(99);
      const rhs = [0, 1, 2].map(() => Float64Array.from({ length: m.n * p }, rand));
      const solved = solveBlockToeplitz(m, rhs);
      const forms = quadraticForms(m, rhs);
      expect(solved.ok && forms.ok).toBe(true);
      if (!solved.ok || !forms.ok) return;
      const a = dense(m);
      rhs.forEach((y, r) => {
        const x = denseSolve(a, y);
        const scale = Math.max(...x.map(Math.abs));
        x.forEach((v, i) => expect(Math.abs(solved.solutions[r]![i]! - v)).toBeLessThan(1e-10 * scale));
        const q = x.reduce((s, v, i) => s + v * y[i]!, 0);
        expect(Math.abs(forms.values[r]! - q)).toBeLessThan(1e-11 * Math.abs(q));
      });
    });
  }

  it('reports a singular system instead of returning noise', () => {
    // Two identical references: the block Gram matrix is exactly singular.
    const one = gram(1, 16, 100, 3);
    const blocks = new Float64Array(16 * 4);
    for (let m = 0; m < 16; m++) blocks.fill(one.blocks[m]!, 4 * m, 4 * m + 4);
    const y = [new Float64Array(32).fill(1)];
    expect(quadraticForms({ p: 2, n: 16, blocks }, y)).toMatchObject({ ok: false, order: 1 });
    expect(solveBlockToeplitz({ p: 2, n: 16, blocks }, y)).toMatchObject({ ok: false });
    // A zero scalar system.
    expect(quadraticForms({ p: 1, n: 4, blocks: new Float64Array(4) }, [new Float64Array(4)])).toMatchObject({ ok: false, order: 1 });
  });
});
