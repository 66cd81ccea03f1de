/** The server-rendered pages: challenge list, challenge leaderboard, submissions, upload form, sign-in. */
import type { Board, BoardEntry, BoardSplit, HistoryPoint } from '../board.js';
import { phaseState } from '../phases.js';
import type { ChallengeRecord, ScoreRow, Submission, Team } from '../store.js';
import { scoreChart } from './chart.js';
import { formatScore, formatTime, html, layout, raw, type Html, type Viewer } from './html.js';

export { phaseState, type PhaseState } from '../phases.js';

function stateLabel(c: ChallengeRecord, now: number): string {
  if (c.paused) return 'paused';
  const s = phaseState(c, now);
  if (s === 'upcoming') return `opens ${formatTime(c.start_at)}`;
  if (s === 'ended') return `ended ${formatTime(c.end_at)}`;
  return `open until ${formatTime(c.end_at)}`;
}

export function challengeListPage(challenges: ChallengeRecord[], now: number, viewer?: Viewer): string {
  const rows = challenges.map((c) => html`<tr>
    <td><a href="/challenges/${encodeURIComponent(c.id)}">${c.title}</a><div class="muted">${c.id}</div></td>
    <td>${c.task}</td>
    <td>${c.primary_metric} <span class="muted">(${c.higher_is_better ? 'higher' : 'lower'} is better)</span></td>
    <td>${stateLabel(c, now)}</td></tr>`);
  const body = html`<h1>Challenges</h1>
  ${challenges.length
    ? html`<table><thead><tr><th>Challenge</th><th>Task</th><th>Metric</th><th>Phase</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p class="muted">No challenge is loaded. Add folders under challenges/ with their data and restart the server.</p>`}`;
  return layout('Challenges', body, { viewer });
}

function ciText(ci: [number, number] | null): string {
  return ci ? `${formatScore(ci[0])} – ${formatScore(ci[1])}` : '';
}

function latencyCell(e: BoardEntry, key: string): string {
  const v = e.latency?.[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'number') return String(v);
  // Parameter and multiply-add counts read better as 3.4M than 3400000.
  return Math.abs(v) >= 1e6 ? `${(v / 1e6).toPrecision(3)}M` : formatScore(v);
}

function rankChange(e: BoardEntry): Html {
  if (e.rank_change === null || e.rank_change === undefined) return html`<span class="muted">–</span>`;
  if (e.rank_change === 0) return html`<span class="muted">0</span>`;
  return e.rank_change > 0 ? html`<span class="up">▲${e.rank_change}</span>` : html`<span class="down">▼${-e.rank_change}</span>`;
}

export function boardTable(board: Board): Html {
  if (board.entries.length === 0) return html`<p class="muted">No scored submissions yet.</p>`;
  const lat = board.latency_columns;
  const cols = board.metric_columns ?? [];
  const priv = board.split === 'private';
  // The primary metric per category (`<primary> [<category>]`, e.g. stabilization's clip kinds), when scored so.
  const prefix = `${board.primary_metric} [`;
  const cats = [...new Set(board.entries.flatMap((e) => Object.keys(e.metrics).filter((k) => k.startsWith(prefix) && k.endsWith(']'))))].sort();
  const head = html`<tr><th class="num">#</th><th>Team</th><th class="num">${board.primary_metric}</th><th class="num">95% interval</th>
    ${cols.map((c) => html`<th class="num" title="${c.title}">${c.label}</th>`)}
    <th class="num">Entries</th><th>Submitted</th>${priv ? html`<th class="num">Public #</th><th class="num">Moved</th>` : ''}
    ${cats.map((k) => html`<th class="num" title="${k}">${k.slice(prefix.length, -1)}</th>`)}
    ${lat.map((k) => html`<th class="num">${k}</th>`)}</tr>`;
  const rows = board.entries.map((e) => html`<tr class="${e.baseline ? 'baseline' : ''}">
    <td class="num">${e.rank === null ? '' : e.rank}${e.tied ? raw(' <span title="95% interval overlaps the entry above: not separable">≈</span>') : ''}</td>
    <td>${e.team}${e.baseline ? raw(' <span class="badge">baseline</span>') : ''}</td>
    <td class="num">${formatScore(e.score)}</td>
    <td class="num muted">${ciText(e.ci)}</td>
    ${cols.map((c) => html`<td class="num">${formatScore(e.metrics[c.name])}</td>`)}
    <td class="num">${e.entries}</td>
    <td class="time">${formatTime(e.submitted_at)}</td>
    ${priv ? html`<td class="num">${e.public_rank ?? ''}</td><td class="num">${rankChange(e)}</td>` : ''}
    ${cats.map((k) => html`<td class="num">${typeof e.metrics[k] === 'number' ? formatScore(e.metrics[k] as number) : ''}</td>`)}
    ${lat.map((k) => html`<td class="num">${latencyCell(e, k)}</td>`)}
  </tr>`);
  return html`<table class="board"><thead>${head}</thead><tbody>${rows}</tbody></table>`;
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
  const main = d.boardHtml ?? (d.board ? boardTable(d.board) : html`<p class="notice">${d.privateNote ?? ''}</p>`);
  const chart = d.chart ?? scoreChart(d.history, c.higher_is_better, c.primary_metric);
  const body = html`<h1>${c.title}</h1>
  <p class="muted">${c.id} · ${c.task} · ${stateLabel(c, d.now)} · per day ${c.limits.per_day}, total ${c.limits.total}, final selections ${c.limits.final_selections}, upload up to ${c.limits.max_upload_mb} MB</p>
  <p class="actions"><a href="${base}/submit">Submit</a><a href="${base}/submissions">My submissions</a><a href="${base}/team">My team</a>${c.task === 'stabilization' ? html`<a href="${base}/clips">Clip previews</a>` : ''}</p>
  ${c.description ? html`<div class="description">${c.description}</div>` : ''}
  <div class="tabs">${tab('public', 'Public leaderboard', true)}${tab('private', 'Private leaderboard', privateOpen)}</div>
  ${main}
  <h2>Score over time</h2>
  ${chart}`;
  return layout(c.title, body, { viewer: d.viewer });
}

export function submitPage(c: ChallengeRecord, viewer: Viewer | undefined, opts: { errors?: string[]; message?: string } = {}): string {
  const base = `/challenges/${encodeURIComponent(c.id)}`;
  const errors = opts.errors?.length
    ? html`<div class="notice errors"><strong>${opts.message ?? 'The file was not accepted:'}</strong><ul>${opts.errors.map((e) => html`<li>${e}</li>`)}</ul></div>`
    : opts.message ? html`<div class="notice errors">${opts.message}</div>` : '';
  const body = viewer
    ? html`<h1>Submit to ${c.title}</h1>${errors}
      <form class="stack" method="post" action="${base}/submit" enctype="multipart/form-data">
        <label for="file">Submission file</label><input id="file" type="file" name="file" required>
        <label for="description">Description (optional)</label><input id="description" type="text" name="description" maxlength="1000">
        <p><button type="submit" id="upload">Upload</button></p>
        <p class="muted">Up to ${c.limits.max_upload_mb} MB. The file is checked before it is queued; an invalid file is refused with every problem listed and does not count against your limit.</p>
      </form>`
    : html`<h1>Submit to ${c.title}</h1><p class="notice"><a href="/login">Log in</a> or <a href="/register">register</a> to submit.</p>`;
  return layout(`Submit · ${c.title}`, body, { viewer });
}

export interface MySubmission {
  submission: Submission;
  scores: ScoreRow[];
  queuePosition: number | null;
}

export function submissionsPage(c: ChallengeRecord, viewer: Viewer | undefined, team: Team | undefined, subs: MySubmission[], privateVisible: boolean, opts: { justSubmitted?: number } = {}): string {
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
      <td class="num">${sub.id}</td><td>${formatTime(sub.created_at)}</td>
      <td>${sub.filename}<div class="muted">${sub.description}</div></td>
      <td class="status-${sub.status}">${status}${sub.error ? html`<div class="muted">${sub.error}</div>` : ''}${sub.disqualified ? html`<div class="down">disqualified: ${sub.disqualified_reason ?? ''}</div>` : ''}</td>
      <td class="num">${score(s, 'public')}</td>
      ${privateVisible ? html`<td class="num">${score(s, 'private')}</td>` : ''}
      <td>${sub.status === 'scored' ? html`<form method="post" action="${base}/submissions/${sub.id}/select" class="inline">
        <input type="hidden" name="selected" value="${sub.selected ? '0' : '1'}">
        <button type="submit" class="link">${sub.selected ? 'unselect' : 'select as final'}</button></form>${sub.selected ? raw(' <span class="badge">final</span>') : ''}` : ''}</td>
    </tr>`;
  });
  const body = html`<h1>My submissions · ${c.title}</h1>
  <p class="muted">Team ${team?.name ?? '(none yet)'} · ${c.primary_metric} (${c.higher_is_better ? 'higher' : 'lower'} is better).
  Without a selection, your best ${c.limits.final_selections} public submissions count for the private leaderboard.</p>
  ${opts.justSubmitted ? html`<p class="notice">Submission ${opts.justSubmitted} received; it is scored in turn and this page refreshes until it is done.</p>` : ''}
  <p class="actions"><a href="${base}/submit">Submit another</a><a href="${base}">Leaderboard</a></p>
  ${subs.length
    ? html`<table class="mine"><thead><tr><th class="num">#</th><th>Submitted</th><th>File</th><th>Status</th><th class="num">Public</th>${privateVisible ? html`<th class="num">Private</th>` : ''}<th>Final</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p class="muted">No submissions yet.</p>`}`;
  return layout(`My submissions · ${c.title}`, body, { viewer, refreshSeconds: pending ? 2 : undefined });
}

export function teamPage(c: ChallengeRecord, viewer: Viewer | undefined, team: Team | undefined, members: string[], sizeLimit: number, message?: string): string {
  const base = `/challenges/${encodeURIComponent(c.id)}`;
  if (!viewer) return layout('Team', html`<h1>Team</h1><p class="notice"><a href="/login">Log in</a> to manage your team.</p>`);
  const body = html`<h1>Team · ${c.title}</h1>
  ${message ? html`<p class="notice errors">${message}</p>` : ''}
  ${team
    ? html`<p>You are in team <strong>${team.name}</strong> (${members.length} of at most ${sizeLimit}): ${members.join(', ')}.</p>
      <p>Invite code for team-mates: <span class="token">${team.invite_code}</span></p>`
    : html`<p class="muted">You have no team yet; your first submission creates a one-person team named after you.</p>`}
  <h2>Create a team</h2>
  <form class="stack" method="post" action="${base}/team">
    <label for="name">Team name</label><input id="name" type="text" name="name" maxlength="80" required>
    <p><button type="submit">Create</button></p></form>
  <h2>Join a team</h2>
  <form class="stack" method="post" action="${base}/team/join">
    <label for="code">Invite code</label><input id="code" type="text" name="invite_code" required>
    <p><button type="submit">Join</button></p></form>`;
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

export function registeredPage(viewer: Viewer, token: string): string {
  return layout('Registered', html`<h1>Welcome, ${viewer.name}</h1>
  <p>Your API token (shown once; keep it to log in again and for <code>podium submit</code>):</p>
  <p class="token" id="token">${token}</p>
  <p><a href="/">Go to the challenges</a></p>`, { viewer });
}

export function errorPage(status: number, message: string, viewer?: Viewer): string {
  return layout(`Error ${status}`, html`<h1>${status === 404 ? 'Not found' : 'Something went wrong'}</h1><p class="notice">${message}</p>`, { viewer });
}
