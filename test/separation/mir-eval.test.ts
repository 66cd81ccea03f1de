import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bssEvalSources } from '../../src/evaluators/bss-eval.js';
import { PYTHON, pythonOracle, skipWithout } from '../helpers/oracle.js';

// Oracle: Debian's python3-mir-eval under /usr/bin/python3 (installed by .ci/run), run on
// signals generated here. Skipped, saying so, where it is not importable; a failure in CI.
const oracle = pythonOracle('mir_eval', ['mir_eval', 'numpy'], 'mir_eval.__version__');
const skip = skipWithout(oracle);
const why = oracle.version ? `mir_eval ${oracle.version}` : `mir_eval (${oracle.reason})`;

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** Coloured noise bursts (speech-like spectra and silences), estimates that leak and filter. */
function scenario(p: number, length: number, seed: number) {
  const rand = lcg(seed);
  const refs = Array.from({ length: p }, (_, k) => {
    const x = new Float64Array(length);
    let y1 = 0, y2 = 0;
    const a1 = 1.2 + 0.2 * k, a2 = -0.6;
    for (let i = 0; i < length; i++) {
      const y = rand() + a1 * y1 + a2 * y2;
      y2 = y1;
      y1 = y;
      x[i] = y * (0.3 + Math.abs(Math.sin((i + 500 * k) / (300 + 40 * k))));
    }
    return x;
  });
  // estimate k is a filtered version of reference order[k] plus leakage and noise
  const order = Array.from({ length: p }, (_, k) => (k + seed) % p);
  const ests = order.map((src, k) => {
    const e = new Float64Array(length);
    for (let i = 0; i < length; i++) {
      const r = refs[src]!;
      e[i] = 0.9 * r[i]! + 0.3 * (i >= 3 ? r[i - 3]! : 0) + 0.2 * refs[(src + 1) % p]![i]! + 0.05 * rand() + 0.01 * k;
    }
    return e;
  });
  return { refs, ests };
}

function mirEval(refs: Float64Array[], ests: Float64Array[]) {
  const script = `
import json, sys, numpy as np, mir_eval
d = json.load(sys.stdin)
r = np.array(d['refs']); e = np.array(d['ests'])
sdr, sir, sar, perm = mir_eval.separation.bss_eval_sources(r, e)
print(json.dumps({'sdr': sdr.tolist(), 'sir': sir.tolist(), 'sar': sar.tolist(), 'perm': perm.tolist()}))
`;
  const input = JSON.stringify({ refs: refs.map((x) => Array.from(x)), ests: ests.map((x) => Array.from(x)) });
  const out = spawnSync(PYTHON, ['-c', script], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as { sdr: number[]; sir: number[]; sar: number[]; perm: number[] };
}

describe(`BSS Eval against ${why}`, () => {
  const cases = [
    { p: 2, length: 3000, seed: 1 },
    { p: 2, length: 4100, seed: 2 },
    { p: 3, length: 2222, seed: 5 }, // estimates in order 2, 0, 1
  ];
  for (const c of cases) {
    it.skipIf(skip)(`${c.p} sources, ${c.length} samples, seed ${c.seed}`, () => {
      const { refs, ests } = scenario(c.p, c.length, c.seed);
      const want = mirEval(refs, ests);
      const got = bssEvalSources(refs, ests);
      expect(got.ok).toBe(true);
      if (!got.ok) return;
      expect(got.perm).toEqual(want.perm);
      for (const key of ['sdr', 'sir', 'sar'] as const) {
        want[key].forEach((v, j) => expect(Math.abs(got[key][j]! - v), `${key}[${j}]`).toBeLessThan(1e-6));
      }
    });
  }

  it.skipIf(skip)('pure tones: a numerically rank-deficient Gram matrix still agrees', () => {
    // Each reference's 512 delays span a 2-dimensional space: G is singular but for rounding.
    const rand = lcg(3);
    const n = 4000;
    const r1 = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.05));
    const r2 = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.13 + 1));
    const e1 = r1.map((v, i) => v + 0.1 * r2[i]! + 0.01 * rand());
    const e2 = r2.map((v, i) => v + 0.2 * r1[i]! + 0.01 * rand());
    const want = mirEval([r1, r2], [e1, e2]);
    const got = bssEvalSources([r1, r2], [e1, e2]);
    expect(got.ok).toBe(true);
    if (!got.ok) return;
    expect(got.perm).toEqual(want.perm);
    for (const key of ['sdr', 'sir', 'sar'] as const) {
      want[key].forEach((v, j) => expect(Math.abs(got[key][j]! - v), `${key}[${j}]`).toBeLessThan(1e-6));
    }
  });
});
