/**
 * The model track's board: the ranking rule in words, each model entry's accuracy, latency
 * (SingleStream p90, and relative to the reference timed in the same job), cost, and the
 * machine and runtime it was measured on; and an accuracy-vs-latency chart (log latency) with
 * the Pareto front, server-rendered SVG laid out as the score chart (chart.ts), so it resizes
 * with the page and its labels keep their size.
 */
import type { Board, BoardEntry } from '../board.js';
import type { ChallengeRecord } from '../store.js';
import type { ModelTrack } from '../../challenges/model-track.js';
import { describeRule, rankEntries, type Ranked } from '../../models/ranking.js';
import { paretoFront } from '../../models/pareto.js';
import { esc, formatScore, html, raw, type Html } from './html.js';
import { countFormat, measureFormat, scoreFormat } from './numbers.js';
import { latencyHeader } from './pages.js';
import { describeSteadyRule, warmupHow, WARMUP_STOPS, type WarmupStop } from '../../evaluators/steady-warmup.js';

const W = 1000;
const H = 300;
const PAD = 12;

interface Row {
  e: BoardEntry;
  latency: number | null;
  relative: number | null;
  ranked?: Ranked;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function modelRows(board: Board, track: ModelTrack, higherIsBetter: boolean): { rows: Row[]; reference?: BoardEntry } {
  const timed = board.entries.filter((e) => num(e.latency?.p90_ms) !== null);
  const reference = timed.find((e) => e.baseline);
  const rows: Row[] = timed.map((e) => ({ e, latency: num(e.latency?.p90_ms), relative: num(e.latency?.relative) }));
  const ranked = rankEntries(track.ranking, rows.filter((r) => !r.e.baseline).map((r) => ({
    id: r.e.submission_id, accuracy: r.e.score, latency_ms: r.latency, relative: r.relative,
    params: num(r.e.latency?.params) ?? undefined, madds: num(r.e.latency?.madds) ?? undefined,
  })), { accuracy: reference?.score ?? null, latency_ms: num(reference?.latency?.p90_ms) }, higherIsBetter);
  const byId = new Map(ranked.map((r) => [r.id, r]));
  for (const r of rows) r.ranked = byId.get(r.e.submission_id);
  const order = new Map(ranked.map((r, i) => [r.id, i]));
  rows.sort((a, b) => (order.get(a.e.submission_id) ?? -1) - (order.get(b.e.submission_id) ?? -1));
  return { rows, reference };
}

export function paretoChart(rows: Row[], higherIsBetter: boolean, metric: string): Html {
  const pts = rows.filter((r) => r.latency !== null && r.latency > 0);
  if (pts.length === 0) return raw('<p class="muted">No timed model entries yet.</p>');
  const lx = pts.map((r) => Math.log10(r.latency!));
  let [x0, x1] = [Math.min(...lx), Math.max(...lx)];
  if (x1 - x0 < 0.3) [x0, x1] = [x0 - 0.15, x1 + 0.15];
  let [lo, hi] = [Math.min(...pts.map((r) => r.e.score)), Math.max(...pts.map((r) => r.e.score))];
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  const x = (ms: number) => PAD + ((Math.log10(ms) - x0) / (x1 - x0)) * (W - 2 * PAD);
  const y = (v: number) => PAD + (higherIsBetter ? (hi - v) / (hi - lo) : (v - lo) / (hi - lo)) * (H - 2 * PAD);
  const f = (n: number) => n.toFixed(1);
  const front = paretoFront(pts.map((r) => ({ latency: r.latency!, accuracy: r.e.score })), higherIsBetter);
  const path = front.map((i, k) => `${k === 0 ? 'M' : 'L'}${f(x(pts[i].latency!))},${f(y(pts[i].e.score))}`).join('');
  const onFront = new Set(front);
  // Dots are zero-length round-capped lines, so they stay round in the stretched plot.
  const dots = pts.map((r, i) => `<path d="M${f(x(r.latency!))},${f(y(r.e.score))}h0" class="${r.e.baseline ? 'b' : onFront.has(i) ? 'p' : 'd'}"><title>${esc(r.e.team)}: ${esc(formatScore(r.e.score))} at ${esc(formatScore(r.latency!))} ms${r.relative !== null ? ` (${esc(formatScore(r.relative))} x reference)` : ''}</title></path>`);
  const top = higherIsBetter ? hi : lo;
  const bottom = higherIsBetter ? lo : hi;
  const label = `${metric} (${higherIsBetter ? 'higher' : 'lower'} is better) against p90 latency (log scale); line: Pareto front`;
  // The score chart's layout (chart.ts): the plot stretches to the width, labels are HTML.
  return raw(`<figure class="chart">
<div class="chart-y"><span>${esc(formatScore(top))}</span><span>${esc(formatScore(bottom))}</span></div>
<svg class="chart" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${esc(label)}">
<style>path,line{vector-effect:non-scaling-stroke}.d{stroke:#2451b3;stroke-opacity:.55;stroke-width:7;stroke-linecap:round}.p{stroke:#1e7b34;stroke-width:9;stroke-linecap:round}.b{stroke:#8a5a00;stroke-width:9;stroke-linecap:round}.front{fill:none;stroke:#1e7b34;stroke-width:2}.axis{stroke:#b8c0cc;stroke-width:1}</style>
<line class="axis" x1="0" y1="${H}" x2="${W}" y2="${H}"/>
<line class="axis" x1="0" y1="0" x2="0" y2="${H}"/>
${path ? `<path class="front" d="${path}"/>` : ''}
${dots.join('\n')}
</svg>
<div class="chart-x"><span>${esc(formatScore(10 ** x0))} ms</span><span>${esc(formatScore(10 ** x1))} ms</span></div>
<figcaption>${esc(label)}; green: on the front, brown: the reference</figcaption>
</figure>`);
}

/** "417 (until steady, 1.8 s)": the warm-up a figure's record says was run (a bare count from records that kept no more). */
function warmupCell(latency: Record<string, unknown> | null | undefined): string {
  const queries = num(latency?.warmup);
  if (queries === null) return '';
  const stop = latency?.warmup_stop as WarmupStop;
  const ms = num(latency?.warmup_ms);
  return (WARMUP_STOPS as readonly string[]).includes(stop) && ms !== null ? `${queries} (${warmupHow({ queries, stop, ms })})` : String(queries);
}

/** The warm-up the track asks for: until steady (the rule in words), or a fixed count. */
function warmupRule(track: ModelTrack): string {
  const l = track.latency;
  return l.steadyWarmup
    ? `, each model warmed up until its latency is steady (${l.warmup} queries, then ${describeSteadyRule(l.steadyWarmup)}), then`
    : ` after ${l.warmup} warm-up queries,`;
}

export function modelBoardHtml(challenge: ChallengeRecord, board: Board, track: ModelTrack): Html {
  const { rows } = modelRows(board, track, challenge.higher_is_better);
  const where = (r: Row) => `${String(r.e.latency?.backend ?? '')}${r.e.latency?.machine ? ` on ${String(r.e.latency.machine)}` : ''}`;
  const places = [...new Set(rows.map(where))];
  const notes = rows.some((r) => r.ranked?.note || (r.ranked?.score ?? null) !== null);
  const warmupCells = rows.map((r) => warmupCell(r.e.latency));
  const warmups = warmupCells.some((c) => c !== '');
  // One format per column, as on the main board (numbers.ts), headed as its latency columns are.
  const score = scoreFormat(rows.map((r) => r.e.score));
  const p90 = measureFormat(rows.map((r) => r.latency));
  const relative = measureFormat(rows.map((r) => r.relative));
  const count = countFormat();
  const table = rows.length === 0 ? html`<p class="muted">No timed model entries yet.</p>` : html`<div style="overflow-x:auto"><table class="board"><thead><tr>
    <th class="num">#</th><th>Team</th><th class="num">${challenge.primary_metric}</th><th class="num">${latencyHeader('p90_ms')}</th><th class="num">${latencyHeader('relative')}</th>
    <th class="num">${latencyHeader('params')}</th><th class="num">${latencyHeader('madds')}</th>${warmups ? html`<th>warm-up</th>` : ''}${notes ? html`<th>note</th>` : ''}${places.length > 1 ? html`<th>measured on</th>` : ''}</tr></thead><tbody>
    ${rows.map((r, i) => html`<tr class="${r.e.baseline ? 'baseline' : ''}">
      <td class="num">${r.ranked?.rank ?? ''}</td>
      <td>${r.e.team}${r.e.baseline ? raw(' <span class="badge">reference</span>') : ''}</td>
      <td class="num">${score(r.e.score)}</td>
      <td class="num">${p90(r.latency)}</td>
      <td class="num">${relative(r.relative)}</td>
      <td class="num">${count(num(r.e.latency?.params))}</td>
      <td class="num">${count(num(r.e.latency?.madds))}</td>
      ${warmups ? html`<td class="muted note">${warmupCells[i]}</td>` : ''}
      ${notes ? html`<td class="muted">${r.ranked?.note ?? (r.ranked?.score !== undefined && r.ranked.score !== null ? `score ${formatScore(r.ranked.score)}` : '')}</td>` : ''}
      ${places.length > 1 ? html`<td class="muted note">${where(r)}</td>` : ''}
    </tr>`)}</tbody></table></div>
    ${places.length === 1 ? html`<p class="muted">Measured with ${places[0]}.</p>` : ''}`;
  return html`<section><h2>Models: accuracy and latency</h2>
    <p>Ranking rule: ${describeRule(track.ranking)}. Latency: MLPerf SingleStream${warmupRule(track)} at least
    ${track.latency.minQueries} queries${track.latency.minDurationMs > 0 ? ` and ${track.latency.minDurationMs / 1000} s` : ''}, ${track.threads} intra-op thread${track.threads === 1 ? '' : 's'}; "${latencyHeader('relative')}" is the
    entry's latency over the reference model's, timed interleaved in the same job${warmups ? '; "warm-up" is the warm-up each model actually ran' : ''}.</p>
    ${paretoChart(rows, challenge.higher_is_better, challenge.primary_metric)}
    ${table}</section>`;
}
