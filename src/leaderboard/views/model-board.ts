/**
 * The model track's board: the ranking rule in words, each model entry's accuracy, latency
 * (SingleStream p90, and relative to the reference timed in the same job), cost, and the
 * machine and runtime it was measured on, beside the track's reference and the other baselines
 * at their ONNX Runtime figures (like with like: modelRows); and an accuracy-vs-latency chart
 * (log latency) with the Pareto front, server-rendered SVG laid out as the score chart
 * (chart.ts), so it resizes with the page and its labels keep their size.
 */
import type { Board, BoardEntry } from '../board.js';
import type { ChallengeRecord } from '../store.js';
import type { ModelTrack } from '../../challenges/model-track.js';
import { describeRule, rankEntries, type Ranked } from '../../models/ranking.js';
import { paretoFront } from '../../models/pareto.js';
import { esc, formatScore, html, raw, type Html } from './html.js';
import { axisLabels, countFormat, measureFormat, scoreFormat } from './numbers.js';
import { scoreRange } from './chart.js';
import { latencyHeader } from './pages.js';
import { describeSteadyRule, warmupHow, WARMUP_STOPS, type WarmupStop } from '../../evaluators/steady-warmup.js';
import { baselineOfModel } from '../../baselines/work-dir.js';
import { median } from '../../evaluators/latency.js';

const W = 1000;
const H = 300;
const PAD = 12;

/** A row's part: a participant's entry (ranked), the track's reference, or another baseline. */
type Role = 'entry' | 'reference' | 'baseline';

interface Row {
  e: BoardEntry;
  role: Role;
  /** SingleStream p90, ms, in ONNX Runtime (see onnxFigures). */
  latency: number | null;
  relative: number | null;
  /** Parameters and multiply-adds of the model's ONNX file, counted as a track job counts an entry's. */
  params: number | null;
  madds: number | null;
  /** The warm-up before these figures, as stored (older records kept a bare count). */
  warmup: { queries: unknown; stop?: unknown; ms?: unknown };
  /** Runtime and machine that timed them. */
  where: string;
  /** Timed by `podium baseline export` in its own process and settings, not in a track job. */
  byExport?: true;
  /** The reference's p90 as the median of this many figures timed beside the entries, in their jobs. */
  besideEntries?: { count: number; min: number; max: number };
  ranked?: Ranked;
}

/** A baseline the board leaves out: its latency was timed in another runtime only. */
export interface LeftOff {
  e: BoardEntry;
  runtime: string;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const isOnnxRuntime = (runtime: unknown) => typeof runtime === 'string' && runtime.startsWith('onnxruntime');

/**
 * An entry's ONNX Runtime figures, or null. Participants' models are timed in the track's job,
 * in ONNX Runtime (the server takes .onnx files), and their figures are plain `p90_ms`, ...
 * A baseline is timed where it was run: `podium baseline run` (and the demo) time its tfjs model,
 * and `baseline export --latency` adds the exported file's ONNX Runtime figures as `onnx_*`;
 * those are the ones comparable with the entries. A baseline whose only figures are tfjs's has
 * none here (MLPerf and LPCV compare results within one runtime and machine).
 */
function onnxFigures(e: BoardEntry): Pick<Row, 'latency' | 'relative' | 'params' | 'madds' | 'warmup' | 'where' | 'byExport'> | null {
  const l = e.latency ?? {};
  const on = l.machine ? ` on ${String(l.machine)}` : '';
  if (e.baseline && num(l.onnx_p90_ms) !== null) {
    const w = (l.onnx_warmup ?? {}) as Record<string, unknown>;
    // The exported file's own counts (onnx_params, onnx_madds); a record from before the export kept them has none (its params are tfjs's, of the network alone).
    return { latency: num(l.onnx_p90_ms), relative: null, params: num(l.onnx_params), madds: num(l.onnx_madds), warmup: { queries: w.queries, stop: w.stop, ms: w.ms }, where: `${String(l.onnx_runtime ?? 'onnxruntime')}${on}`, byExport: true };
  }
  if (num(l.p90_ms) === null || (e.baseline && !isOnnxRuntime(l.backend))) return null;
  return { latency: num(l.p90_ms), relative: num(l.relative), params: num(l.params), madds: num(l.madds), warmup: { queries: l.warmup, stop: l.warmup_stop, ms: l.warmup_ms }, where: `${String(l.backend ?? '')}${on}` };
}

/**
 * The board's rows, ranked by the track's rule: each participant's timed entry; the track's
 * reference, which is the baseline entry of the reference model's baseline
 * (work-dir.ts baselineOfModel: data/<challenge>/baselines/<name>/model.onnx is baseline
 * <name>'s), not whichever baseline ranks first; and the other baselines, all at their ONNX
 * Runtime figures. Baselines timed in tfjs only are left off (`leftOff`), named on the page.
 */
export function modelRows(board: Board, track: ModelTrack, higherIsBetter: boolean): { rows: Row[]; reference?: BoardEntry; leftOff: LeftOff[] } {
  const referenceName = track.reference ? baselineOfModel(track.reference) : undefined;
  const reference = board.entries.find((e) => e.baseline && e.team === referenceName);
  const rows: Row[] = board.entries.flatMap((e) => {
    const figures = e.baseline ? null : onnxFigures(e);
    return figures ? [{ e, role: 'entry' as const, ...figures }] : [];
  });
  const beside = timedBesideEntries(rows);
  const leftOff: LeftOff[] = [];
  for (const e of board.entries.filter((x) => x.baseline)) {
    const own = onnxFigures(e);
    // The reference keeps its own file's counts; its latency is the one measured beside the entries, once there is one.
    const figures = e === reference && beside ? { params: own?.params ?? null, madds: own?.madds ?? null, ...beside } : own;
    if (figures) rows.push({ e, role: e === reference ? 'reference' : 'baseline', ...figures });
    else if (num(e.latency?.p90_ms) !== null) leftOff.push({ e, runtime: String(e.latency?.backend ?? 'an unnamed runtime') });
  }
  const referenceRow = rows.find((r) => r.role === 'reference');
  const ranked = rankEntries(track.ranking, rows.filter((r) => r.role === 'entry').map((r) => ({
    id: r.e.submission_id, accuracy: r.e.score, latency_ms: r.latency, relative: r.relative,
    params: r.params ?? undefined, madds: r.madds ?? undefined,
  })), { accuracy: reference?.score ?? null, latency_ms: referenceRow?.latency ?? null }, higherIsBetter);
  const byId = new Map(ranked.map((r) => [r.id, r]));
  for (const r of rows) if (r.role === 'entry') r.ranked = byId.get(r.e.submission_id);
  const order = new Map(ranked.map((r, i) => [r.id, i]));
  // The reference first, then the other baselines (by score, as the board has them), then the entries by rank.
  const key = (r: Row) => (r.role === 'reference' ? -2 : r.role === 'baseline' ? -1 : order.get(r.e.submission_id) ?? -1);
  rows.sort((a, b) => key(a) - key(b));
  return { rows, reference, leftOff };
}

/**
 * The reference's latency as the entries' jobs timed it, or null before any has: each entry's
 * job times the reference interleaved with it under the track's settings (reference_p90_ms),
 * so the reference is plotted at the median of those figures, and the accuracy gate's key and
 * a composite formula's latency_ref_ms compare milliseconds of one kind. The export's own
 * figure (another process and settings: 0.208 ms on a demo board for a file whose entry was
 * 0.452 ms at relative 1.01) stands only until then; a reference timed in tfjs only gets a
 * row from these figures.
 */
function timedBesideEntries(entries: Row[]): Omit<Row, 'e' | 'role' | 'params' | 'madds'> | null {
  const figures = entries.map((r) => num(r.e.latency?.reference_p90_ms)).filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (figures.length === 0) return null;
  const places = [...new Set(entries.map((r) => r.where))];
  return {
    latency: median(figures), relative: null, warmup: { queries: undefined },
    where: places.length === 1 ? places[0]! : 'beside each entry, in its job',
    besideEntries: { count: figures.length, min: figures[0]!, max: figures[figures.length - 1]! },
  };
}

export function paretoChart(rows: Row[], higherIsBetter: boolean, metric: string): Html {
  const pts = rows.filter((r) => r.latency !== null && r.latency > 0);
  if (pts.length === 0) return raw('<p class="muted">No timed model entries yet.</p>');
  const lx = pts.map((r) => Math.log10(r.latency!));
  let [x0, x1] = [Math.min(...lx), Math.max(...lx)];
  if (x1 - x0 < 0.3) [x0, x1] = [x0 - 0.15, x1 + 0.15];
  const [lo, hi] = scoreRange(pts.map((r) => r.e.score));
  const x = (ms: number) => PAD + ((Math.log10(ms) - x0) / (x1 - x0)) * (W - 2 * PAD);
  const y = (v: number) => PAD + (higherIsBetter ? (hi - v) / (hi - lo) : (v - lo) / (hi - lo)) * (H - 2 * PAD);
  const f = (n: number) => n.toFixed(1);
  const front = paretoFront(pts.map((r) => ({ latency: r.latency!, accuracy: r.e.score })), higherIsBetter);
  const path = front.map((i, k) => `${k === 0 ? 'M' : 'L'}${f(x(pts[i].latency!))},${f(y(pts[i].e.score))}`).join('');
  const onFront = new Set(front);
  // Dots are zero-length round-capped lines, so they stay round in the stretched plot.
  const dotClass = (r: Row, i: number) => (r.role === 'reference' ? 'b' : r.role === 'baseline' ? 'o' : onFront.has(i) ? 'p' : 'd');
  const dots = pts.map((r, i) => `<path d="M${f(x(r.latency!))},${f(y(r.e.score))}h0" class="${dotClass(r, i)}"><title>${esc(r.e.team)}: ${esc(formatScore(r.e.score))} at ${esc(formatScore(r.latency!))} ms${r.relative !== null ? ` (${esc(formatScore(r.relative))} x reference)` : ''}</title></path>`);
  const top = higherIsBetter ? hi : lo;
  const bottom = higherIsBetter ? lo : hi;
  const [topLabel, bottomLabel] = axisLabels(top, bottom);
  const label = `${metric} (${higherIsBetter ? 'higher' : 'lower'} is better) against p90 latency (log scale); line: Pareto front`;
  // The score chart's layout (chart.ts): the plot stretches to the width, labels are HTML.
  return raw(`<figure class="chart">
<div class="chart-y"><span>${esc(topLabel)}</span><span>${esc(bottomLabel)}</span></div>
<svg class="chart" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${esc(label)}">
<style>path,line{vector-effect:non-scaling-stroke}.d{stroke:#2451b3;stroke-opacity:.55;stroke-width:7;stroke-linecap:round}.p{stroke:#1e7b34;stroke-width:9;stroke-linecap:round}.b{stroke:#8a5a00;stroke-width:9;stroke-linecap:round}.o{stroke:#6b7280;stroke-width:7;stroke-linecap:round}.front{fill:none;stroke:#1e7b34;stroke-width:2}.axis{stroke:#b8c0cc;stroke-width:1}</style>
<line class="axis" x1="0" y1="${H}" x2="${W}" y2="${H}"/>
<line class="axis" x1="0" y1="0" x2="0" y2="${H}"/>
${path ? `<path class="front" d="${path}"/>` : ''}
${dots.join('\n')}
</svg>
<div class="chart-x"><span>${esc(formatScore(10 ** x0))} ms</span><span>${esc(formatScore(10 ** x1))} ms</span></div>
<figcaption>${esc(label)}; green: on the front, brown: the reference${pts.some((r) => r.role === 'baseline') ? ', grey: other baselines' : ''}</figcaption>
</figure>`);
}

/** "417 (until steady, 1.8 s)": the warm-up a figure's record says was run (a bare count from records that kept no more). */
function warmupCell(warmup: Row['warmup']): string {
  const queries = num(warmup.queries);
  if (queries === null) return '';
  const stop = warmup.stop as WarmupStop;
  const ms = num(warmup.ms);
  const count = queries.toLocaleString('en-US');
  return (WARMUP_STOPS as readonly string[]).includes(stop) && ms !== null ? `${count} (${warmupHow({ queries, stop, ms })})` : count;
}

/** The warm-up the track asks for: until steady (the rule in words), or a fixed count. */
function warmupRule(track: ModelTrack): string {
  const l = track.latency;
  return l.steadyWarmup
    ? `, each model warmed up until its latency is steady (${l.warmup} queries, then ${describeSteadyRule(l.steadyWarmup)}), then`
    : ` after ${l.warmup} warm-up queries,`;
}

export function modelBoardHtml(challenge: ChallengeRecord, board: Board, track: ModelTrack): Html {
  const { rows, reference, leftOff } = modelRows(board, track, challenge.higher_is_better);
  const places = [...new Set(rows.map((r) => r.where))];
  const notes = rows.some((r) => r.ranked?.note || (r.ranked?.score ?? null) !== null);
  const warmupCells = rows.map((r) => warmupCell(r.warmup));
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
      <td>${r.e.team}${r.role !== 'entry' ? html` <span class="badge">${r.role}</span>` : ''}</td>
      <td class="num">${score(r.e.score)}</td>
      <td class="num">${p90(r.latency)}</td>
      <td class="num">${relative(r.relative)}</td>
      <td class="num">${count(r.params)}</td>
      <td class="num">${count(r.madds)}</td>
      ${warmups ? html`<td class="muted note">${warmupCells[i]}</td>` : ''}
      ${notes ? html`<td class="muted">${r.ranked?.note ?? (r.ranked?.score !== undefined && r.ranked.score !== null ? `score ${formatScore(r.ranked.score)}` : '')}</td>` : ''}
      ${places.length > 1 ? html`<td class="muted note">${r.where}</td>` : ''}
    </tr>`)}</tbody></table></div>
    ${places.length === 1 ? html`<p class="muted">Measured with ${places[0]}.</p>` : ''}`;
  // Named rather than plotted: another runtime's milliseconds beside ONNX Runtime's would compare runtimes, not models.
  const exported = rows.filter((r) => r.byExport).map((r) => r.e.team);
  const unplotted = [
    // Seen on a demo board: the exported SSDLite at 0.208 ms (export, quick settings) and the same file as an entry at 0.452 ms (its job), relative 1.01.
    ...(exported.length ? [html`${exported.join(', ')}: timed by <code>podium baseline export</code>, in its own process and settings (the warm-up column says which), not in a sandboxed job as the entries are. The same model's p90 can differ between the two; an entry's relative latency is measured beside the reference in its own job.`] : []),
    ...rows.filter((r) => r.besideEntries).map((r) => {
      const { count, min, max } = r.besideEntries!;
      return count === 1
        ? html`${r.e.team}'s p90 is the one measured interleaved with the entry in its job, under the same settings.`
        : html`${r.e.team}'s p90 is the median of the ${count} measured interleaved with the entries in their own jobs (${p90(min)} to ${p90(max)} ms), under the same settings.`;
    }),
    ...(track.reference && !reference ? [html`The reference model's baseline entry (${baselineOfModel(track.reference)}) is not on this board yet.`] : []),
    ...leftOff.map((l) => html`${l.e.team}${l.e === reference ? ' (the reference)' : ''} is not shown: its latency was timed in ${l.runtime} only, not in ONNX Runtime as the entries are (it is on the leaderboard).`),
  ];
  return html`<section><h2>Accuracy and latency</h2>
    <p>Ranking rule: ${describeRule(track.ranking)}. Latency: MLPerf SingleStream${warmupRule(track)} at least
    ${track.latency.minQueries.toLocaleString('en-US')} queries${track.latency.minDurationMs > 0 ? ` and ${track.latency.minDurationMs / 1000} s` : ''}, ${track.threads} intra-op thread${track.threads === 1 ? '' : 's'}; "${latencyHeader('relative')}" is the
    entry's latency over the reference model's, timed interleaved in the same job${warmups ? '; "warm-up" is the warm-up each model actually ran' : ''}.</p>
    ${paretoChart(rows, challenge.higher_is_better, challenge.primary_metric)}
    ${table}
    ${unplotted.map((n) => html`<p class="muted">${n}</p>`)}</section>`;
}
