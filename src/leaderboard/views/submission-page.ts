/**
 * One submission of the viewer's team: the file (to download again), who submitted it, its
 * status, every metric per split the viewer may see, and the report's per-class tables. Those
 * tables cover the whole test set, private items included, so they are shown only once the
 * private split is (after the end), or when the truth has no private split.
 */
import type { MetricInfo } from '../../evaluators/evaluator.js';
import type { ChallengeRecord, ScoreRow, Split, Submission } from '../store.js';
import { formatBytes } from '../upload.js';
import { formatTime, html, layout, raw, type Html, type Viewer } from './html.js';
import { scoreFormat } from './numbers.js';
import { challengeNav } from './pages.js';

export interface SubmissionPageData {
  challenge: ChallengeRecord;
  submission: Submission;
  team: string;
  submittedBy: string;
  /** Only the rows this viewer may see (context.ts visibleScores). */
  scores: ScoreRow[];
  queuePosition: number | null;
  metrics: MetricInfo[];
  /** Per-class tables may be shown (private visible, or no private split). */
  wholeSetVisible: boolean;
  /** The score has per-class tables that are not shown yet (before the end). */
  perClassHidden?: boolean;
  finalSelectionsOpen: boolean;
  viewer: Viewer;
  message?: string;
}

const SPLIT_LABEL: Record<Split, string> = { public: 'Public split', private: 'Private split', all: 'Whole test set' };

export function submissionUrl(challengeId: string, id: number): string {
  return `/challenges/${encodeURIComponent(challengeId)}/submissions/${id}`;
}

function statusText(d: SubmissionPageData): Html {
  const s = d.submission;
  if (s.status === 'queued') return html`queued${d.queuePosition ? ` (position ${d.queuePosition})` : ''}; this page refreshes until it is scored`;
  if (s.status === 'scoring') return html`being scored; this page refreshes until it is done`;
  if (s.status === 'failed') return html`<span class="down">failed</span>: ${s.error ?? ''}`;
  return html`scored${s.scored_at ? ` at ${formatTime(s.scored_at)}` : ''}`;
}

function metricsTable(d: SubmissionPageData): Html {
  const order: Split[] = ['public', 'private', 'all'];
  const rows = [...d.scores].sort((a, b) => order.indexOf(a.split) - order.indexOf(b.split));
  if (!rows.length) return html``;
  const known = new Map(d.metrics.map((m) => [m.name, m]));
  // The task's metrics in its order (primary first), then anything else the report added (per-category).
  const names = [d.challenge.primary_metric, ...d.metrics.map((m) => m.name).filter((n) => n !== d.challenge.primary_metric)];
  for (const r of rows) for (const k of Object.keys(r.metrics)) if (!names.includes(k)) names.push(k);
  const formats = new Map(names.map((n) => [n, scoreFormat(rows.map((r) => r.metrics[n]))]));
  const cell = (r: ScoreRow, n: string) => {
    const f = formats.get(n)!;
    const v = r.metrics[n];
    const ci = n === d.challenge.primary_metric && r.ci_low !== null ? html`<div class="muted">95%: ${f(r.ci_low)} – ${f(r.ci_high)}</div>` : '';
    return html`<td class="num">${v === undefined ? '' : f(v)}${ci}</td>`;
  };
  const body = names.map((n) => {
    const info = known.get(n);
    const direction = info ? (info.higherIsBetter ? 'higher is better' : 'lower is better') : '';
    return html`<tr class="${n === d.challenge.primary_metric ? 'primary' : ''}"><th scope="row"><code>${n}</code>${direction ? html` <span class="muted">(${direction})</span>` : ''}${info?.description ? html`<div class="muted">${info.description}</div>` : ''}</th>${rows.map((r) => cell(r, n))}</tr>`;
  });
  return html`<h2>Scores</h2><div class="table-scroll"><table class="metrics"><thead><tr><th>Metric</th>${rows.map((r) => html`<th class="num">${SPLIT_LABEL[r.split]}</th>`)}</tr></thead>
    <tbody>${body}</tbody></table></div>`;
}

function perClassTables(d: SubmissionPageData): Html {
  const all = d.scores.find((r) => r.split === 'all');
  const tables = Object.entries(all?.extras ?? {});
  if (d.submission.status !== 'scored') return html``;
  if (!d.wholeSetVisible) {
    if (!d.perClassHidden) return html``;
    return html`<h2>Per class</h2><p class="muted">Per-class results cover the whole test set, private items included; they are shown after the end.</p>`;
  }
  if (!tables.length) return html``;
  return html`${tables.map(([name, values]) => {
    const f = scoreFormat(Object.values(values));
    return html`<h2>Per class: <code>${name}</code></h2><p class="muted">Over the whole test set; n/a: the class is in neither the truth nor your predictions.</p>
      <div class="table-scroll"><table class="per-class" data-table="${name}"><thead><tr><th>Class</th><th class="num">${name}</th></tr></thead>
      <tbody>${Object.entries(values).map(([cls, v]) => html`<tr><td>${cls}</td><td class="num">${f(v)}</td></tr>`)}</tbody></table></div>`;
  })}`;
}

export function submissionPage(d: SubmissionPageData): string {
  const c = d.challenge;
  const s = d.submission;
  const base = `/challenges/${encodeURIComponent(c.id)}`;
  const url = submissionUrl(c.id, s.id);
  const select = s.status === 'scored' && d.finalSelectionsOpen
    ? html`<form method="post" action="${base}/submissions/${s.id}/select" class="inline"><input type="hidden" name="selected" value="${s.selected ? '0' : '1'}"><input type="hidden" name="back" value="submission">
      <button type="submit" class="link">${s.selected ? 'unselect' : 'select as final'}</button></form>`
    : '';
  const body = html`<h1>Submission ${s.id} · ${c.title}</h1>${challengeNav(c, 'submissions')}
  ${d.message ? html`<p class="notice errors" id="message">${d.message}</p>` : ''}
  <dl class="facts">
    <dt>File</dt><dd><a href="${url}/file" download>${s.filename}</a> <span class="muted">${formatBytes(s.size)}</span><div class="sha">sha256 <code>${s.sha256}</code></div></dd>
    <dt>Submitted</dt><dd>${formatTime(s.created_at)} by <strong class="submitted-by">${d.submittedBy}</strong> for team ${d.team}</dd>
    ${s.description ? html`<dt>Description</dt><dd>${s.description}</dd>` : ''}
    <dt>Status</dt><dd class="status-${s.status}" id="status">${statusText(d)}</dd>
    ${s.disqualified ? html`<dt>Disqualified</dt><dd class="down">${s.disqualified_reason ?? ''}</dd>` : ''}
    <dt>Final selection</dt><dd>${s.selected ? raw('<span class="badge">final</span> ') : s.status === 'scored' ? 'not selected ' : 'only scored submissions can be selected '}${select}</dd>
  </dl>
  ${metricsTable(d)}
  ${perClassTables(d)}
  <p class="actions"><a href="${base}/submissions">All my submissions</a><a href="${base}">Leaderboard</a></p>`;
  const pending = s.status === 'queued' || s.status === 'scoring';
  return layout(`Submission ${s.id} · ${c.title}`, body, { viewer: d.viewer, refreshSeconds: pending ? 2 : undefined });
}
