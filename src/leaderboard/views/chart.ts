/**
 * The score-over-time chart as inline SVG (no script, no outside asset): one dot per scored
 * submission (public score), baselines as hollow dots, and a step line of the best score so
 * far. Dots are thinned to a fixed budget so a 10,000-submission challenge stays light.
 */
import type { HistoryPoint } from '../board.js';
import { esc, formatScore, raw, type Html } from './html.js';

const W = 720;
const H = 260;
const PAD = { left: 56, right: 16, top: 14, bottom: 30 };
const MAX_DOTS = 800;

export function scoreChart(points: HistoryPoint[], higherIsBetter: boolean, metric: string): Html {
  if (points.length === 0) return raw('<p class="muted">No scored submissions yet.</p>');
  const t0 = points[0]!.t;
  const t1 = Math.max(points[points.length - 1]!.t, t0 + 1);
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    lo = Math.min(lo, p.score);
    hi = Math.max(hi, p.score);
  }
  if (hi === lo) {
    hi += 0.5;
    lo -= 0.5;
  }
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  // Better scores are drawn higher, whatever the metric's direction.
  const y = (v: number) => {
    const f = (v - lo) / (hi - lo);
    return PAD.top + (higherIsBetter ? 1 - f : f) * (H - PAD.top - PAD.bottom);
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
    dots.push(`<circle cx="${r(x(p.t))}" cy="${r(y(p.score))}" r="2.6" class="${p.baseline ? 'b' : 'd'}"><title>${esc(p.team)}: ${esc(formatScore(p.score))}</title></circle>`);
  }
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const top = higherIsBetter ? hi : lo;
  const bottom = higherIsBetter ? lo : hi;
  return raw(`<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(metric)} over time">
<style>.d{fill:#2451b3;opacity:.45}.b{fill:none;stroke:#8a5a00;stroke-width:1.4}.best{fill:none;stroke:#1e7b34;stroke-width:2}.axis{stroke:#b8c0cc}</style>
<line class="axis" x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}"/>
<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}"/>
<text x="${PAD.left - 6}" y="${PAD.top + 8}" text-anchor="end">${esc(formatScore(top))}</text>
<text x="${PAD.left - 6}" y="${H - PAD.bottom}" text-anchor="end">${esc(formatScore(bottom))}</text>
<text x="${PAD.left}" y="${H - 10}">${day(t0)}</text>
<text x="${W - PAD.right}" y="${H - 10}" text-anchor="end">${day(t1)}</text>
<text x="${(W + PAD.left) / 2}" y="${H - 10}" text-anchor="middle">${esc(metric)} (${higherIsBetter ? 'higher' : 'lower'} is better; line: best so far)</text>
${path ? `<path class="best" d="${path}"/>` : ''}
${dots.join('\n')}
</svg>`);
}
