/**
 * L1-optimal camera paths (Grundmann, Kwatra & Essa, CVPR 2011), one parameter at a time:
 * minimise w1 |D b|_1 + w2 |D^2 b|_1 + w3 |D^3 b|_1 over the smooth path b, subject to the
 * crop-window corridor |b_t - p_t| <= r (the crop window stays inside the frame), as a linear
 * program with slack variables e >= |D^k b|, solved by HiGHS (the `highs` package: HiGHS
 * compiled to WebAssembly). The paper's weights: w1 = 10, w2 = 1, w3 = 100.
 */
import highsModule from 'highs';
import type { Highs } from 'highs';

// The package's types describe a CommonJS module; under ESM its default export is the loader.
const loadHighs = ((highsModule as unknown as { default?: unknown }).default ?? highsModule) as unknown as () => Promise<Highs>;
let highs: Promise<Highs> | undefined;

export const PATH_WEIGHTS = [10, 1, 100] as const;

const num = (v: number) => (Object.is(v, -0) ? '0' : v.toPrecision(15));

/** The CPLEX-LP text of the problem for path p and corridor radius r. */
export function pathProgram(p: ArrayLike<number>, radius: number): string {
  const n = p.length;
  const objective: string[] = [];
  const rows: string[] = [];
  // D^k b as coefficient lists: first, second and third differences.
  const stencils = [[-1, 1], [1, -2, 1], [-1, 3, -3, 1]];
  stencils.forEach((s, k) => {
    for (let t = 0; t + s.length - 1 < n; t++) {
      const e = `e${k + 1}_${t}`;
      objective.push(`${PATH_WEIGHTS[k]} ${e}`);
      const terms = s.map((c, j) => `${c >= 0 ? '+' : '-'} ${Math.abs(c)} b${t + j}`).join(' ');
      rows.push(` u${k + 1}_${t}: ${terms} - ${e} <= 0`);
      rows.push(` l${k + 1}_${t}: ${terms} + ${e} >= 0`);
    }
  });
  const bounds: string[] = [];
  for (let t = 0; t < n; t++) bounds.push(` ${num(p[t]! - radius)} <= b${t} <= ${num(p[t]! + radius)}`);
  return `Minimize\n obj: ${objective.join(' + ')}\nSubject To\n${rows.join('\n')}\nBounds\n${bounds.join('\n')}\nEnd\n`;
}

/** The L1-optimal path within `radius` of p. */
export async function l1SmoothPath(p: ArrayLike<number>, radius: number): Promise<Float64Array> {
  highs ??= loadHighs();
  const solver = await highs;
  const result = solver.solve(pathProgram(p, radius), { output_flag: false });
  if (result.Status !== 'Optimal') throw new Error(`camera path LP: ${result.Status}`);
  const cols = result.Columns as Record<string, { Primal: number }>;
  return Float64Array.from({ length: p.length }, (_, t) => cols[`b${t}`]!.Primal);
}
