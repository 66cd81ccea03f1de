/** The server-rendered pages: challenge list, challenge leaderboard, submissions, upload form, sign-in. */
import type { Board, BoardEntry, BoardSplit, HistoryPoint } from '../board.js';
import { nextPhase, phaseAt, phaseState } from '../phases.js';
import type { ChallengeRecord, Remaining, ScoreRow, Submission, Team } from '../store.js';
import { remainingLine } from '../remaining.js';
import { scoreChart } from './chart.js';
import type { FileListing } from '../../challenges/files.js';
import { shareOf, type SplitShares } from '../split-shares.js';
import { formatBytes } from '../upload.js';
import { formatScore, formatTime, html, layout, raw, utcMinute, type Html, type Viewer } from './html.js';
import { markdown, markdownInline } from './markdown.js';
import { countFormat, measureFormat, percent, scoreFormat } from './numbers.js';
import type { MetricInfo } from '../../evaluators/evaluator.js';

export { phaseState, type PhaseState } from '../phases.js';

function stateLabel(c: ChallengeRecord, now: number): string {
  if (c.paused) return 'paused';
  const s = phaseState(c, now);
  if (s === 'upcoming') return `opens ${formatTime(c.start_at)}`;
  if (s === 'ended') return `ended ${formatTime(c.end_at)}`;
  return `open until ${formatTime(c.end_at)}`;
}

export function challengeListPage(challenges: ChallengeRecord[], now: number, viewer?: Viewer): string {
  const cards = challenges.map((c) => html`<li class="card">
    <h2><a href="/challenges/${encodeURIComponent(c.id)}">${c.title}</a></h2>
    <p class="muted">${c.id} · ${c.task} · ${stateLabel(c, now)}</p>
    <p>Ranked by <code>${c.primary_metric}</code> (${c.higher_is_better ? 'higher' : 'lower'} is better)</p></li>`);
  const body = html`<h1>Challenges</h1>
  ${challenges.length
    ? html`<ul class="cards">${cards}</ul>`
    : html`<p class="muted">No challenge is loaded. Add folders under challenges/ with their data and restart the server.</p>`}`;
  return layout('Challenges', body, { viewer });
}

/** How a latency column is titled and formatted (MLPerf figures from `podium baseline`). */
const LATENCY_COLUMNS: Record<string, { header: string; title: string; format: 'measure' | 'count' | 'text' }> = {
  p50_ms: { header: 'p50 latency (ms)', title: 'median single-stream latency, MLPerf SingleStream', format: 'measure' },
  p90_ms: { header: 'p90 latency (ms)', title: '90th percentile single-stream latency', format: 'measure' },
  p99_ms: { header: 'p99 latency (ms)', title: '99th percentile single-stream latency', format: 'measure' },
  onnx_p50_ms: { header: 'ONNX Runtime p50 (ms)', title: 'median single-stream latency of the exported ONNX model', format: 'measure' },
  onnx_p90_ms: { header: 'ONNX Runtime p90 (ms)', title: '90th percentile latency of the exported ONNX model', format: 'measure' },
  onnx_p99_ms: { header: 'ONNX Runtime p99 (ms)', title: '99th percentile latency of the exported ONNX model', format: 'measure' },
  onnx_vs_tfjs: { header: 'ONNX Runtime / tfjs', title: 'ONNX Runtime p50 over tfjs p50 on the same machine', format: 'measure' },
  relative: { header: 'relative latency', title: 'latency relative to the reference model timed in the same job', format: 'measure' },
  offline_per_s: { header: 'throughput (items/s)', title: 'MLPerf Offline: items per second in batches', format: 'measure' },
  params: { header: 'parameters', title: 'trainable and fixed weights of the model', format: 'count' },
  madds: { header: 'multiply-adds', title: 'multiply-adds for one input, as the MobileNetV2 paper counts them', format: 'count' },
  backend: { header: 'backend', title: 'where the model ran', format: 'text' },
  machine: { header: 'machine', title: 'the machine that measured the latency', format: 'text' },
};

export function latencyHeader(key: string): string {
  return LATENCY_COLUMNS[key]?.header ?? key;
}

function rankChange(e: BoardEntry): Html {
  if (e.rank_change === null || e.rank_change === undefined) return html`<span class="muted">–</span>`;
  if (e.rank_change === 0) return html`<span class="muted">0</span>`;
  return e.rank_change > 0 ? html`<span class="up">▲${e.rank_change}</span>` : html`<span class="down">▼${-e.rank_change}</span>`;
}

/** A sentence naming the split a board shows and its share of the test set. */
export function splitCaption(split: BoardSplit, shares: SplitShares | null): string {
  if (!shares || shares.public + shares.private === 0) return 'Scored on the whole test set (this challenge has no private split).';
  const other: BoardSplit = split === 'public' ? 'private' : 'public';
  const n = shares[split];
  return `${split === 'public' ? 'Public' : 'Private'} split: ${percent(shareOf(shares, split))} of the test set (${n.toLocaleString('en-US')} item${n === 1 ? '' : 's'}); ` +
    (split === 'public'
      ? `the private split (the other ${percent(shareOf(shares, other))}) decides the final ranking and is shown after the end.`
      : `the public split (${percent(shareOf(shares, other))}) was shown during the challenge.`);
}

export function boardTable(board: Board, shares: SplitShares | null = null): Html {
  const caption = html`<p class="split-caption muted">${splitCaption(board.split, shares)}</p>`;
  if (board.entries.length === 0) return html`${caption}<p class="muted">No scored submissions yet.</p>`;
  const lat = board.latency_columns;
  const cols = board.metric_columns ?? [];
  const priv = board.split === 'private';
  // One format per column, chosen from all of its values (the interval shares the score's).
  const score = scoreFormat(board.entries.flatMap((e) => [e.score, ...(e.ci ?? [])]));
  const latFormat = new Map(lat.map((k) => {
    const kind = LATENCY_COLUMNS[k]?.format ?? 'text';
    const values = board.entries.map((e) => e.latency?.[k]).filter((v): v is number => typeof v === 'number');
    return [k, kind === 'measure' ? measureFormat(values) : kind === 'count' ? countFormat() : undefined] as const;
  }));
  const latCell = (e: BoardEntry, k: string) => {
    const v = e.latency?.[k];
    if (v === undefined || v === null) return '';
    const f = latFormat.get(k);
    return typeof v === 'number' && f ? f(v) : String(v);
  };
  // The primary metric per category (`<primary> [<category>]`, e.g. stabilization's clip kinds), when scored so;
  // each category column gets its own format from its values.
  const prefix = `${board.primary_metric} [`;
  const cats = [...new Set(board.entries.flatMap((e) => Object.keys(e.metrics).filter((k) => k.startsWith(prefix) && k.endsWith(']'))))].sort();
  const catFormat = new Map(cats.map((k) => [k, scoreFormat(board.entries.map((e) => e.metrics[k]).filter((v): v is number => typeof v === 'number'))] as const));
  const colFormat = new Map(cols.map((c) => [c.name, scoreFormat(board.entries.map((e) => e.metrics[c.name]))] as const));
  const direction = board.higher_is_better ? 'higher is better' : 'lower is better';
  const head = html`<tr><th class="num">Rank</th><th>Team</th><th class="num" title="${direction}">${board.primary_metric}<span class="unit">${direction}</span></th><th class="num">95% interval</th>
    ${cols.map((c) => html`<th class="num" title="${c.title}">${c.label}</th>`)}
    <th class="num">Scored entries</th><th>Submitted (UTC)</th>${priv ? html`<th class="num">Public rank</th><th class="num">Moved</th>` : ''}
    ${cats.map((k) => html`<th class="num" title="${board.primary_metric} on ${k.slice(prefix.length, -1)} items">${k.slice(prefix.length, -1)}</th>`)}
    ${lat.map((k) => html`<th class="num" title="${LATENCY_COLUMNS[k]?.title ?? ''}">${latencyHeader(k)}</th>`)}</tr>`;
  const rows = board.entries.map((e) => html`<tr class="${e.baseline ? 'baseline' : ''}" data-team="${e.team_id}">
    <td class="num">${e.rank === null ? '' : e.rank}${e.tied ? raw(' <span title="95% interval overlaps the entry above: not separable">≈</span>') : ''}</td>
    <td class="team">${e.team}${e.baseline ? raw(' <span class="badge">baseline</span>') : ''}</td>
    <td class="num">${score(e.score)}</td>
    <td class="num muted">${e.ci ? `${score(e.ci[0])} – ${score(e.ci[1])}` : ''}</td>
    ${cols.map((c) => html`<td class="num">${colFormat.get(c.name)!(e.metrics[c.name])}</td>`)}
    <td class="num">${e.entries}</td>
    <td class="time">${utcMinute(e.submitted_at)}</td>
    ${priv ? html`<td class="num">${e.public_rank ?? ''}</td><td class="num">${rankChange(e)}</td>` : ''}
    ${cats.map((k) => html`<td class="num">${catFormat.get(k)!(e.metrics[k] as number | undefined)}</td>`)}
    ${lat.map((k) => html`<td class="num">${latCell(e, k)}</td>`)}
  </tr>`);
  return html`${caption}<div class="table-scroll"><table class="board"><thead>${head}</thead><tbody>${rows}</tbody></table></div>`;
}

export interface ChallengePageData {
  challenge: ChallengeRecord;
  now: number;
  split: BoardSplit;
  /** undefined when the private board is not open yet (or the truth has no private split). */
  board?: Board;
  privateNote?: string;
  history: HistoryPoint[];
  viewer?: Viewer;
  /** Pre-rendered (cached) leaderboard table and chart, when the caller has them. */
  boardHtml?: Html;
  chart?: Html;
  shares?: SplitShares | null;
  /** The signed-in participant's team in this challenge: its row is highlighted. */
  viewerTeamId?: number;
  /** The challenge has a model track: link its models board. */
  takesModels?: boolean;
}

export type ChallengeTab = 'overview' | 'data' | 'evaluation' | 'rules' | 'submit' | 'submissions' | 'team';

const TABS: { tab: ChallengeTab; label: string; path: string }[] = [
  { tab: 'overview', label: 'Leaderboard', path: '' },
  { tab: 'data', label: 'Data', path: '/data' },
  { tab: 'evaluation', label: 'Evaluation', path: '/evaluation' },
  { tab: 'rules', label: 'Rules', path: '/rules' },
  { tab: 'submit', label: 'Submit', path: '/submit' },
  { tab: 'submissions', label: 'My submissions', path: '/submissions' },
  { tab: 'team', label: 'Team', path: '/team' },
];

/** The links between a challenge's pages, the current one marked. */
export function challengeNav(c: ChallengeRecord, active: ChallengeTab | undefined): Html {
  const base = `/challenges/${encodeURIComponent(c.id)}`;
  return html`<nav class="subnav" aria-label="${c.title}">${TABS.map((t) => (t.tab === active
    ? html`<span class="active" aria-current="page">${t.label}</span>`
    : html`<a href="${base}${t.path}">${t.label}</a>`))}</nav>`;
}

/** Marks the viewer's own team on a (cached, shared) board without re-rendering it. */
function highlightTeam(teamId: number | undefined): Html {
  return teamId === undefined ? html`` : raw(`<style>table.board tr[data-team="${Math.trunc(teamId)}"] td { background: #fff4c2; font-weight: 600; }</style>`);
}

export function challengePage(d: ChallengePageData): string {
  const c = d.challenge;
  const base = `/challenges/${encodeURIComponent(c.id)}`;
  const tab = (split: BoardSplit, label: string, enabled: boolean) =>
    d.split === split ? html`<span class="active">${label}</span>`
      : enabled ? html`<a href="${base}${split === 'private' ? '?split=private' : ''}">${label}</a>`
        : html`<span class="disabled" title="shown after the end">${label}</span>`;
  const privateOpen = phaseState(c, d.now) === 'ended';
  // A cached rendering of the table is used as is: rendering 10,000 rows per request is the slow part.
  const main = d.boardHtml ?? (d.board ? boardTable(d.board, d.shares ?? null) : html`<p class="notice">${d.privateNote ?? ''}</p>`);
  const chart = d.chart ?? scoreChart(d.history, c.higher_is_better, c.primary_metric);
  const body = html`<h1>${c.title}</h1>
  <p class="muted">${c.id} · ${c.task} · ${stateLabel(c, d.now)} · per day ${c.limits.per_day}, total ${c.limits.total}, final selections ${c.limits.final_selections}, upload up to ${c.limits.max_upload_mb} MB</p>
  ${challengeNav(c, 'overview')}
  ${c.task === 'stabilization' ? html`<p class="actions"><a href="${base}/clips">Clip previews</a></p>` : ''}
  ${d.takesModels ? html`<p id="models-link">This challenge also takes models: <a href="${base}/models">models board</a> (accuracy against latency, with the Pareto front).</p>` : ''}
  ${c.description ? markdown(c.description) : ''}
  ${phasesBlock(c, d.now)}
  ${highlightTeam(d.viewerTeamId)}
  <div class="tabs">${tab('public', 'Public leaderboard', true)}${tab('private', 'Private leaderboard', privateOpen)}</div>
  ${main}
  ${d.board ? html`<p class="muted"><a href="${base}/leaderboard.csv${d.split === 'private' ? '?split=private' : ''}" id="board-csv" download>Download this leaderboard as CSV</a> (full precision)</p>` : ''}
  <h2>Score over time</h2>
  ${chart}`;
  return layout(c.title, body, { viewer: d.viewer });
}

/** "3 days 4 hours", "5 hours 12 minutes", "12 minutes", "less than a minute": the time left, to the minute. */
export function timeLeft(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const unit = (n: number, w: string) => `${n.toLocaleString('en-US')} ${w}${n === 1 ? '' : 's'}`;
  if (days > 0) return hours ? `${unit(days, 'day')} ${unit(hours, 'hour')}` : unit(days, 'day');
  if (hours > 0) return mins ? `${unit(hours, 'hour')} ${unit(mins, 'minute')}` : unit(hours, 'hour');
  return mins === 0 && ms > 0 ? 'less than a minute' : unit(mins, 'minute');
}

/** The phases with their dates, the current one marked, and a countdown to the next deadline. */
export function phasesBlock(c: ChallengeRecord, now: number): Html {
  const current = phaseAt(c, now);
  const next = nextPhase(c, now);
  const countdown = c.paused ? html`<strong>Paused by the organisers.</strong>`
    : current ? html`<strong>${timeLeft(current.end_at - now)}</strong> left in phase ${current.id} (until ${formatTime(current.end_at)}).`
      : next ? html`Opens in <strong>${timeLeft(next.start_at - now)}</strong> (${formatTime(next.start_at)}).`
        : html`Ended ${formatTime(c.end_at)}; the private leaderboard is final.`;
  return html`<section class="phases"><p class="countdown">${countdown}</p>
  <ul>${c.phases.map((p) => html`<li class="${p === current ? 'current' : ''}">Phase <strong>${p.id}</strong>: ${formatTime(p.start_at)} – ${formatTime(p.end_at)}${p === current ? ' (now)' : ''}</li>`)}</ul></section>`;
}

export interface EvaluationData {
  challenge: ChallengeRecord;
  metrics: MetricInfo[];
  shares: SplitShares | null;
  viewer?: Viewer;
}

/** How submissions are scored: every metric of the task with its description, splits, intervals, final ranking. */
export function evaluationPage(d: EvaluationData): string {
  const c = d.challenge;
  const primary = d.metrics.find((m) => m.name === c.primary_metric);
  const others = d.metrics.filter((m) => m.name !== c.primary_metric);
  const metric = (m: MetricInfo) => html`<li><code>${m.name}</code> (${m.higherIsBetter ? 'higher' : 'lower'} is better): ${markdownInline(m.description)}</li>`;
  const body = html`<h1>Evaluation · ${c.title}</h1>${challengeNav(c, 'evaluation')}
  <h2>The ranking metric</h2>
  <p>Teams are ranked by <code>${c.primary_metric}</code>, ${c.higher_is_better ? 'higher' : 'lower'} is better${primary ? html`: ${markdownInline(primary.description)}` : '.'}</p>
  ${others.length ? html`<h2>Also reported</h2><ul class="metrics">${others.map(metric)}</ul>` : ''}
  <h2>Public and private splits</h2>
  <p>${d.shares && d.shares.public + d.shares.private > 0
    ? `The test set is split once: the public split (${percent(shareOf(d.shares, 'public'))}, ${d.shares.public.toLocaleString('en-US')} items) is scored and shown while the challenge runs; the private split (${percent(shareOf(d.shares, 'private'))}, ${d.shares.private.toLocaleString('en-US')} items) decides the final ranking and is shown after the end.${d.shares.ignored ? ` ${d.shares.ignored.toLocaleString('en-US')} items are in the test set but never scored.` : ''}`
    : 'Every test item is scored on one leaderboard; there is no private split.'}</p>
  <h2>Intervals and ties</h2>
  <p>Each score comes with a 95% bootstrap interval (the test items resampled with replacement). A rank marked ≈ has an interval that overlaps the one above: the data cannot tell those two entries apart.</p>
  <h2>Final submissions</h2>
  <p>Each team may select up to ${c.limits.final_selections} submissions for the private leaderboard, on the My submissions page. Without a selection, the team's best ${c.limits.final_selections} public submissions are used.</p>
  <h2>Limits</h2>
  <p>${c.limits.per_day} submissions a team per UTC day, ${c.limits.total} in all, files up to ${c.limits.max_upload_mb} MB. A file that fails validation is refused with every problem listed and does not count.</p>`;
  return layout(`Evaluation · ${c.title}`, body, { viewer: d.viewer });
}

/** The rules in Markdown, and the button to accept them (once) before the first submission. */
export function rulesPage(c: ChallengeRecord, rules: string, viewer: Viewer | undefined, acceptedAt: number | undefined, message?: string): string {
  const base = `/challenges/${encodeURIComponent(c.id)}`;
  const accept = !rules ? html``
    : !viewer ? html`<p class="notice"><a href="/login">Log in</a> or <a href="/register">register</a> to accept the rules.</p>`
      : acceptedAt !== undefined ? html`<p class="notice ok">You accepted these rules on ${formatTime(acceptedAt)}.</p>`
        : html`<form class="stack" method="post" action="${base}/rules/accept" id="accept-rules">
          <p><button type="submit">I accept the rules</button></p>
          <p class="muted">Needed once, before your first submission.</p></form>`;
  const body = html`<h1>Rules · ${c.title}</h1>${challengeNav(c, 'rules')}
  ${message ? html`<p class="notice errors">${message}</p>` : ''}
  ${rules ? markdown(rules) : html`<p class="muted">The organisers have not written rules beyond the limits below.</p>`}
  <h2>Limits</h2>
  <ul><li>${c.limits.per_day} submissions a team per UTC day, ${c.limits.total} in all</li>
  <li>${c.limits.final_selections} final selections a team</li><li>files up to ${c.limits.max_upload_mb} MB</li></ul>
  ${accept}`;
  return layout(`Rules · ${c.title}`, body, { viewer });
}

export function dataPage(c: ChallengeRecord, files: FileListing[], viewer: Viewer | undefined, serverUrl: string): string {
  const base = `/challenges/${encodeURIComponent(c.id)}`;
  const item = (f: FileListing) => html`<li class="card file" data-file="${f.name}">
    <h2><a href="${f.kind === 'link' ? f.url! : `${base}/files/${encodeURIComponent(f.name)}`}"${f.kind === 'link' ? raw(' rel="noopener noreferrer"') : ''}>${f.name}</a>
      ${f.role === 'sample_submission' ? raw(' <span class="badge">sample submission</span>') : ''}${f.kind === 'link' ? raw(' <span class="badge">kept elsewhere</span>') : ''}</h2>
    ${f.description ? html`<p>${markdownInline(f.description)}</p>` : ''}
    <p class="muted">${f.size === null ? 'size not stated' : formatBytes(f.size)}${f.kind === 'folder' ? ` · a zip of ${f.entries ?? 0} files, made as it downloads` : ''}${f.truth_left_out ? ` · ${f.truth_left_out} truth files left out` : ''}</p>
    ${f.sha256 ? html`<p class="sha">sha256 <code>${f.sha256}</code></p>` : ''}
  </li>`;
  const body = html`<h1>Data · ${c.title}</h1>${challengeNav(c, 'data')}
  ${files.length
    ? html`<ul class="cards files">${files.map(item)}</ul>
      <h2>From the command line</h2>
      <pre><code>npx podium download ${c.id} --url ${serverUrl}</code></pre>
      <p class="muted">Downloads every file above into <code>./${c.id}/</code> and checks each sha256; <code>curl -OJ</code> on a link works too.</p>`
    : html`<p class="muted">The organisers have not published files for this challenge.</p>`}`;
  return layout(`Data · ${c.title}`, body, { viewer });
}

export function submitPage(c: ChallengeRecord, viewer: Viewer | undefined, opts: { errors?: string[]; message?: string; rulesPending?: boolean; remaining?: Remaining; models?: { maxMb: number } } = {}): string {
  const base = `/challenges/${encodeURIComponent(c.id)}`;
  // A challenge with a model track takes an .onnx upload through the same form; say so, and where its board is.
  const modelsNote = opts.models
    ? html`<p class="muted" id="takes-models">This challenge also takes models: upload one self-contained <code>.onnx</code> file (up to ${opts.models.maxMb} MB); it runs in a sandbox on the hidden inputs and is scored and timed. Entries by accuracy and latency: <a href="${base}/models">models board</a>.</p>`
    : '';
  const errors = opts.errors?.length
    ? html`<div class="notice errors"><strong>${opts.message ?? 'The file was not accepted:'}</strong><ul>${opts.errors.map((e) => html`<li>${e}</li>`)}</ul></div>`
    : opts.message ? html`<div class="notice errors">${opts.message}</div>` : '';
  const body = viewer && opts.rulesPending
    ? html`<h1>Submit to ${c.title}</h1>${challengeNav(c, 'submit')}
      <div class="notice"><p>Before your first submission, read and accept the <a href="${base}/rules">rules</a> (once).</p>
      <form method="post" action="${base}/rules/accept?next=submit" id="accept-rules"><button type="submit">I accept the rules</button></form></div>`
    : viewer
    ? html`<h1>Submit to ${c.title}</h1>${challengeNav(c, 'submit')}${errors}
      ${opts.remaining ? html`<p class="remaining${opts.remaining.today.left === 0 ? ' notice errors' : ''}" id="remaining">${remainingLine(opts.remaining)}.</p>` : ''}
      <form class="stack" method="post" action="${base}/submit" enctype="multipart/form-data">
        <label for="file">Submission file</label><input id="file" type="file" name="file" required>
        <label for="description">Description (optional)</label><input id="description" type="text" name="description" maxlength="1000">
        <p><button type="submit" id="upload">Upload</button></p>
        <p class="muted">Up to ${c.limits.max_upload_mb} MB. The file is checked before it is queued; an invalid file is refused with every problem listed and does not count against your limit.</p>
        ${modelsNote}
      </form>`
    : html`<h1>Submit to ${c.title}</h1>${challengeNav(c, 'submit')}<p class="notice"><a href="/login">Log in</a> or <a href="/register">register</a> to submit.</p>${modelsNote}`;
  return layout(`Submit · ${c.title}`, body, { viewer });
}

export interface MySubmission {
  submission: Submission;
  scores: ScoreRow[];
  queuePosition: number | null;
}

export function submissionsPage(c: ChallengeRecord, viewer: Viewer | undefined, team: Team | undefined, subs: MySubmission[], privateVisible: boolean, opts: { justSubmitted?: number; message?: string } = {}): string {
  const base = `/challenges/${encodeURIComponent(c.id)}`;
  if (!viewer) return layout('My submissions', html`<h1>My submissions</h1><p class="notice"><a href="/login">Log in</a> to see your submissions.</p>`);
  const pending = subs.some((s) => s.submission.status === 'queued' || s.submission.status === 'scoring');
  const score = (s: MySubmission, split: 'public' | 'private') => {
    const row = s.scores.find((r) => r.split === split) ?? (split === 'public' ? s.scores.find((r) => r.split === 'all') : undefined);
    if (!row) return html``;
    return html`${formatScore(row.primary_value)}${row.ci_low !== null ? html` <span class="muted">(${formatScore(row.ci_low)} – ${formatScore(row.ci_high)})</span>` : ''}`;
  };
  const rows = subs.map((s) => {
    const sub = s.submission;
    const status = sub.status === 'queued' && s.queuePosition ? `queued (position ${s.queuePosition})` : sub.status;
    return html`<tr data-submission="${sub.id}">
      <td class="num"><a href="${base}/submissions/${sub.id}">${sub.id}</a></td><td class="time">${utcMinute(sub.created_at)}</td>
      <td>${sub.filename}<div class="muted">${sub.description}</div></td>
      <td class="status-${sub.status}">${status}${sub.error ? html`<div class="muted">${sub.error}</div>` : ''}${sub.disqualified ? html`<div class="down">disqualified: ${sub.disqualified_reason ?? ''}</div>` : ''}</td>
      <td class="num">${score(s, 'public')}</td>
      ${privateVisible ? html`<td class="num">${score(s, 'private')}</td>` : ''}
      <td>${sub.status === 'scored' ? html`<form method="post" action="${base}/submissions/${sub.id}/select" class="inline">
        <input type="hidden" name="selected" value="${sub.selected ? '0' : '1'}">
        <button type="submit" class="link">${sub.selected ? 'unselect' : 'select as final'}</button></form>${sub.selected ? raw(' <span class="badge">final</span>') : ''}` : ''}</td>
    </tr>`;
  });
  const body = html`<h1>My submissions · ${c.title}</h1>${challengeNav(c, 'submissions')}
  <p class="muted">Team ${team?.name ?? '(none yet)'} · ${c.primary_metric} (${c.higher_is_better ? 'higher' : 'lower'} is better).
  Without a selection, your best ${c.limits.final_selections} public submissions count for the private leaderboard.</p>
  ${opts.message ? html`<p class="notice errors" id="message">${opts.message}</p>` : ''}
  ${justSubmittedNotice(base, subs, opts.justSubmitted)}
  <p class="actions"><a href="${base}/submit">Submit another</a><a href="${base}">Leaderboard</a></p>
  ${subs.length
    ? html`<div class="table-scroll"><table class="mine"><thead><tr><th class="num">#</th><th>Submitted (UTC)</th><th>File</th><th>Status</th><th class="num">Public</th>${privateVisible ? html`<th class="num">Private</th>` : ''}<th>Final</th></tr></thead><tbody>${rows}</tbody></table></div>`
    : html`<p class="muted">No submissions yet.</p>`}`;
  return layout(`My submissions · ${c.title}`, body, { viewer, refreshSeconds: pending ? 2 : undefined });
}

/** After an upload: "received, refreshing" while it waits; once done, where to see it (the refresh stops). */
function justSubmittedNotice(base: string, subs: MySubmission[], id: number | undefined): Html {
  const s = subs.find((x) => x.submission.id === id)?.submission;
  if (!s) return html``;
  const link = html`<a href="${base}/submissions/${s.id}">submission ${s.id}</a>`;
  if (s.status === 'queued' || s.status === 'scoring') return html`<p class="notice" id="just-submitted">${link} received; it is scored in turn and this page refreshes until it is done.</p>`;
  return s.status === 'scored'
    ? html`<p class="notice ok" id="just-submitted">${link} is scored.</p>`
    : html`<p class="notice errors" id="just-submitted">${link} failed: ${s.error ?? ''}</p>`;
}

export interface TeamOptions { canSwitch: boolean; canLeave: boolean; members: number; submissions: number }

/**
 * The team page shows what applies: in a team, its members, invite code, rename and (before it
 * has submitted) leave; create and join only while a participant may still switch teams.
 */
export function teamPage(c: ChallengeRecord, viewer: Viewer | undefined, team: Team | undefined, members: string[], sizeLimit: number, options: TeamOptions, message?: string): string {
  const base = `/challenges/${encodeURIComponent(c.id)}`;
  if (!viewer) return layout('Team', html`<h1>Team</h1><p class="notice"><a href="/login">Log in</a> to manage your team.</p>`);
  const current = team
    ? html`<p>You are in team <strong id="team-name">${team.name}</strong> (${members.length} of at most ${sizeLimit}): ${members.join(', ')}.</p>
      ${members.length < sizeLimit ? html`<p>Invite code for team-mates: <span class="token" id="invite-code">${team.invite_code}</span></p>` : html`<p class="muted">The team is full.</p>`}
      <h2>Rename the team</h2>
      <form class="stack" method="post" action="${base}/team/rename" id="rename-team">
        <label for="rename">New name</label><input id="rename" type="text" name="name" maxlength="80" required value="${team.name}">
        <p><button type="submit">Rename</button></p></form>
      ${options.canLeave
        ? html`<h2>Leave the team</h2><form method="post" action="${base}/team/leave" id="leave-team"><p><button type="submit">Leave ${team.name}</button></p>
          <p class="muted">${members.length === 1 ? 'You are its only member: the team is removed.' : 'The others stay in it.'}</p></form>`
        : html`<p class="muted">The team has ${options.submissions} submission${options.submissions === 1 ? '' : 's'}: its members stay with them (no leaving, no other team in this challenge).</p>`}`
    : html`<p class="muted">You have no team yet; your first submission creates a one-person team named after you, or create or join one below.</p>`;
  const switching = options.canSwitch
    ? html`${team ? html`<p class="muted">You are alone in a team without submissions, so you may still create or join another.</p>` : ''}
      <h2>Create a team</h2>
      <form class="stack" method="post" action="${base}/team" id="create-team">
        <label for="name">Team name</label><input id="name" type="text" name="name" maxlength="80" required>
        <p><button type="submit">Create</button></p></form>
      <h2>Join a team</h2>
      <form class="stack" method="post" action="${base}/team/join" id="join-team">
        <label for="code">Invite code</label><input id="code" type="text" name="invite_code" required>
        <p><button type="submit">Join</button></p></form>`
    : '';
  const body = html`<h1>Team · ${c.title}</h1>${challengeNav(c, 'team')}
  ${message ? html`<p class="notice errors" id="message">${message}</p>` : ''}
  ${current}${switching}`;
  return layout(`Team · ${c.title}`, body, { viewer });
}

export function loginPage(message?: string): string {
  return layout('Log in', html`<h1>Log in</h1>
  ${message ? html`<p class="notice errors">${message}</p>` : ''}
  <form class="stack" method="post" action="/login">
    <label for="token">API token</label><input id="token" type="password" name="token" required autocomplete="current-password">
    <p><button type="submit">Log in</button></p></form>
  <p class="muted">No token yet? <a href="/register">Register</a>.</p>`);
}

export function registerPage(message?: string): string {
  return layout('Register', html`<h1>Register</h1>
  ${message ? html`<p class="notice errors">${message}</p>` : ''}
  <form class="stack" method="post" action="/register">
    <label for="name">Name</label><input id="name" type="text" name="name" maxlength="80" required>
    <label for="email">Email</label><input id="email" type="email" name="email" maxlength="200" required>
    <p><button type="submit">Register</button></p></form>`);
}

/** How to use a token with the CLI (welcome, new-token and account pages). */
function cliUsage(serverUrl: string, token: string): Html {
  return html`<h2>From the command line</h2>
  <pre><code>export PODIUM_URL=${serverUrl}
export PODIUM_TOKEN=${token}
npx podium download CHALLENGE          # the data and the sample submission
npx podium submit --challenge CHALLENGE --file predictions.csv --wait
npx podium status                      # your submissions and what is left today</code></pre>
  <p class="muted">Or pass <code>--url</code> and <code>--token</code> to each command. The same token logs you in here.</p>`;
}

export function registeredPage(viewer: Viewer, token: string, serverUrl: string, opts: { rotated?: boolean } = {}): string {
  return layout(opts.rotated ? 'New token' : 'Registered', html`<h1>${opts.rotated ? 'Your new token' : html`Welcome, ${viewer.name}`}</h1>
  <p>${opts.rotated ? 'Your old token and your other browser sessions no longer work. ' : ''}Your API token (shown once; keep it to log in again and for the command line):</p>
  <p class="token" id="token">${token}</p>
  ${cliUsage(serverUrl, token)}
  <p><a href="/">Go to the challenges</a> · <a href="/account">Your account</a></p>`, { viewer });
}

export interface AccountTeam { challenge: ChallengeRecord; team: string }

export function accountPage(viewer: Viewer & { email: string }, teams: AccountTeam[], serverUrl: string): string {
  return layout('Account', html`<h1>Account</h1>
  <dl class="facts"><dt>Name</dt><dd>${viewer.name}</dd><dt>Email</dt><dd>${viewer.email}</dd>
  <dt>Teams</dt><dd>${teams.length ? html`<ul class="plain">${teams.map((t) => html`<li><a href="/challenges/${encodeURIComponent(t.challenge.id)}/team">${t.team}</a> in ${t.challenge.title}</li>`)}</ul>` : 'none yet'}</dd></dl>
  ${cliUsage(serverUrl, '<your token>')}
  <h2>New token</h2>
  <p>If your token leaked or you lost it on a machine you no longer trust, make a new one: the old token stops working at once and every other browser is logged out.</p>
  <form method="post" action="/account/token" id="rotate-token"><p><button type="submit">Make a new token</button></p></form>`, { viewer });
}

export function errorPage(status: number, message: string, viewer?: Viewer): string {
  return layout(status === 404 ? 'Not found' : `Error ${status}`, html`<h1>${status === 404 ? 'Not found' : 'Something went wrong'}</h1><p class="notice">${message}</p>
  <p><a href="/">All challenges</a></p>`, { viewer });
}
