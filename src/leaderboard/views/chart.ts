/**
 * The score-over-time chart as inline SVG (no script, no outside asset): one dot per scored
 * submission (public score), baselines in brown, and a step line of the best score so
 * far. Dots are thinned to a fixed budget so a 10,000-submission challenge stays light.
 *
 * It resizes with the page: the plot stretches to the container's width
 * (preserveAspectRatio="none"), strokes keep their width (vector-effect: non-scaling-stroke)
 * and dots are zero-length round-capped lines, so they stay round at any width; the axis
 * labels are HTML around the plot, so their text keeps its size on a phone.
 */
import type { HistoryPoint } from '../board.js';
import { esc, raw, type Html } from './html.js';
import { axisLabels, scoreFormat } from './numbers.js';

const W = 1000;
const H = 300;
const PAD = 8;
const MAX_DOTS = 800;

/**
 * The labels at the ends of the time axis, to the coarsest precision at which they differ:
 * dates ("2026-12-03"), else minutes, else seconds ("2026-12-03 06:02:10 UTC"); not the same
 * text at both ends unless the whole history is within one second.
 */
function axisEnds(t0: number, t1: number): [string, string] {
  const [a, b] = [new Date(t0).toISOString(), new Date(t1).toISOString()];
  const upTo = a.slice(0, 10) !== b.slice(0, 10) ? 10 : a.slice(0, 16) !== b.slice(0, 16) ? 16 : 19;
  const label = (iso: string) => (upTo === 10 ? iso.slice(0, 10) : `${iso.slice(0, upTo).replace('T', ' ')} UTC`);
  return [label(a), label(b)];
}

/**
 * The score axis of a chart: from the lowest score to the highest, or, when every score is the
 * same, a band of 10 % around it (0.5 around 0), not +-0.5, which put AP on an axis from -0.44
 * to 0.56.
 */
export function scoreRange(scores: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of scores) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (hi > lo) return [lo, hi];
  const pad = Math.abs(hi) * 0.1 || 0.5;
  return [lo - pad, hi + pad];
}

export function scoreChart(points: HistoryPoint[], higherIsBetter: boolean, metric: string): Html {
  if (points.length === 0) return raw('<p class="muted">No scored submissions yet.</p>');
  const t0 = points[0]!.t;
  const t1 = Math.max(points[points.length - 1]!.t, t0 + 1);
  const [lo, hi] = scoreRange(points.map((p) => p.score));
  const format = scoreFormat([lo, hi]);
  const x = (t: number) => PAD + ((t - t0) / (t1 - t0)) * (W - 2 * PAD);
  // Better scores are drawn higher, whatever the metric's direction.
  const y = (v: number) => {
    const f = (v - lo) / (hi - lo);
    return PAD + (higherIsBetter ? 1 - f : f) * (H - 2 * PAD);
  };
  const r = (n: number) => n.toFixed(1);

  let best: number | undefined;
  let path = '';
  for (const p of points) {
    if (p.baseline) continue;
    if (best === undefined || (higherIsBetter ? p.score > best : p.score < best)) {
      path += best === undefined ? `M${r(x(p.t))},${r(y(p.score))}` : `H${r(x(p.t))}V${r(y(p.score))}`;
      best = p.score;
    }
  }
  if (best !== undefined) path += `H${r(x(t1))}`;

  const step = Math.max(1, Math.ceil(points.length / MAX_DOTS));
  const dots: string[] = [];
  for (let i = 0; i < points.length; i += step) {
    const p = points[i]!;
    const at = `M${r(x(p.t))},${r(y(p.score))}h0`;
    dots.push(`<path d="${at}" class="${p.baseline ? 'b' : 'd'}"><title>${esc(p.team)}: ${esc(format(p.score))}</title></path>`);
  }
  const [start, end] = axisEnds(t0, t1);
  const top = higherIsBetter ? hi : lo;
  const bottom = higherIsBetter ? lo : hi;
  const [topLabel, bottomLabel] = axisLabels(top, bottom);
  const label = `${metric} over time (${higherIsBetter ? 'higher' : 'lower'} is better; line: best so far)`;
  return raw(`<figure class="chart">
<div class="chart-y"><span>${esc(topLabel)}</span><span>${esc(bottomLabel)}</span></div>
<svg class="chart" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${esc(label)}">
<style>path,line{vector-effect:non-scaling-stroke}.d{stroke:#2451b3;stroke-opacity:.55;stroke-width:7;stroke-linecap:round}.b{stroke:#8a5a00;stroke-width:7;stroke-linecap:round}.best{fill:none;stroke:#1e7b34;stroke-width:2}.axis{stroke:#b8c0cc;stroke-width:1}</style>
<line class="axis" x1="0" y1="${H}" x2="${W}" y2="${H}"/>
<line class="axis" x1="0" y1="0" x2="0" y2="${H}"/>
${path ? `<path class="best" d="${path}"/>` : ''}
${dots.join('\n')}
</svg>
<div class="chart-x"><span>${start}</span><span>${end}</span></div>
<figcaption>${esc(label)}; brown dots: baselines</figcaption>
</figure>`);
}
