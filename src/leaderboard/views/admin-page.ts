/**
 * The admin page: every challenge with its state and counts, the folders that could not be
 * served and why, and the actions (pause/resume, rescore all or outdated, exports, disqualify,
 * reset a token, reload the definitions). The rescore page shows what moved.
 */
import type { AdminChallengeRow, RescoreReport } from '../routes/admin.js';
import type { ReloadReport } from '../reload.js';
import { html, layout, type Html } from './html.js';
import { scoreFormat } from './numbers.js';

export interface AdminPageData {
  challenges: AdminChallengeRow[];
  skipped: { id: string; reason: string }[];
  hidden: string[];
  message?: string;
  error?: string;
  reload?: ReloadReport;
  /** A token just reset: shown once. */
  newToken?: { name: string; email: string; token: string };
}

export function adminLoginPage(message?: string, off = false): string {
  return layout('Admin', html`<h1>Admin</h1>
  ${message ? html`<p class="notice errors">${message}</p>` : ''}
  ${off
    ? html`<p class="notice">The admin page is off: start the server with <code>PODIUM_ADMIN_TOKEN</code> set.</p>`
    : html`<form class="stack" method="post" action="/admin/login" id="admin-login">
      <label for="admin-token">Admin token</label><input id="admin-token" type="password" name="token" required autocomplete="current-password">
      <p><button type="submit">Open the admin page</button></p></form>`}`);
}

function challengeRow(c: AdminChallengeRow): Html {
  const base = `/admin/challenges/${encodeURIComponent(c.id)}`;
  return html`<tr data-challenge="${c.id}">
    <td><a href="/challenges/${encodeURIComponent(c.id)}">${c.id}</a><div class="muted">${c.title}</div></td>
    <td class="state-${c.state}">${c.state}</td>
    <td class="num">${c.submissions}</td><td class="num">${c.queued}</td><td class="num">${c.failed}</td>
    <td class="num">${c.outdated}<div class="muted">now ${c.evaluator_version}</div></td>
    <td class="admin-actions">
      <form method="post" action="${base}/pause" class="inline"><input type="hidden" name="paused" value="${c.paused ? '0' : '1'}"><button type="submit">${c.paused ? 'Resume' : 'Pause'}</button></form>
      <form method="post" action="${base}/rescore" class="inline"><button type="submit">Rescore all</button></form>
      <form method="post" action="${base}/rescore" class="inline"><input type="hidden" name="outdated" value="1"><button type="submit"${c.outdated === 0 ? ' disabled' : ''}>Rescore outdated</button></form>
      ${c.last_rescore ? html`<a href="/admin/rescores/${c.last_rescore}">last rescore</a>` : ''}
      <div class="exports"><a href="${base}/leaderboard.csv">public board CSV</a> <a href="${base}/leaderboard.csv?split=private">private board CSV</a> <a href="${base}/submissions.csv">submissions CSV</a></div>
    </td></tr>`;
}

export function adminPage(d: AdminPageData): string {
  const body = html`<h1>Admin</h1>
  ${d.error ? html`<p class="notice errors" id="admin-error">${d.error}</p>` : ''}
  ${d.message ? html`<p class="notice ok" id="admin-message">${d.message}</p>` : ''}
  ${d.newToken ? html`<div class="notice ok" id="new-token"><p>New token for ${d.newToken.name} (${d.newToken.email}); give it to them privately, it is shown once. Their old token and sessions no longer work.</p><p class="token">${d.newToken.token}</p></div>` : ''}
  <h2>Challenges</h2>
  <div class="table-scroll"><table class="admin-challenges"><thead><tr><th>Challenge</th><th>State</th><th class="num">Submissions</th><th class="num">Queued</th><th class="num">Failed</th>
    <th class="num">Scored by an older evaluator</th><th>Actions</th></tr></thead>
  <tbody>${d.challenges.map(challengeRow)}</tbody></table></div>
  ${d.skipped.length
    ? html`<h2>Not served</h2><ul class="errors-list" id="skipped">${d.skipped.map((s) => html`<li><strong>${s.id}</strong>: ${s.reason}</li>`)}</ul>`
    : html`<p class="muted">Every challenge folder loaded.</p>`}
  ${d.hidden.length ? html`<p class="muted">Hidden (folder gone or broken; submissions kept): ${d.hidden.join(', ')}</p>` : ''}
  <form method="post" action="/admin/reload" id="reload"><p><button type="submit">Reload challenge definitions</button>
    <span class="muted">New, changed or removed folders take effect without a restart.</span></p></form>
  ${d.reload ? html`<p class="notice ok" id="reload-report">Loaded ${d.reload.loaded.length}: ${d.reload.loaded.join(', ') || 'none'}.${d.reload.added.length ? ` Added: ${d.reload.added.join(', ')}.` : ''}${d.reload.removed.length ? ` Hidden: ${d.reload.removed.join(', ')}.` : ''}${d.reload.skipped.length ? ` Skipped: ${d.reload.skipped.length} (see above).` : ''}</p>` : ''}
  <h2>Disqualify</h2>
  <form class="stack" method="post" action="/admin/disqualify" id="disqualify">
    <label for="dq-kind">What</label><select id="dq-kind" name="kind"><option value="submission">a submission</option><option value="team">a team</option></select>
    <label for="dq-id">Id</label><input id="dq-id" type="text" name="id" inputmode="numeric" required>
    <label for="dq-reason">Reason (shown to the team)</label><input id="dq-reason" type="text" name="reason" maxlength="500" required>
    <p><button type="submit">Disqualify</button></p></form>
  <h2>Reset a participant's token</h2>
  <form class="stack" method="post" action="/admin/token" id="reset-token">
    <label for="reset-email">Their email</label><input id="reset-email" type="email" name="email" required>
    <p><button type="submit">Make a new token</button></p></form>
  <form method="post" action="/admin/logout"><p><button type="submit" class="link">Close the admin page</button></p></form>`;
  return layout('Admin', body);
}

export function rescorePage(r: RescoreReport): string {
  const fmt = scoreFormat(Object.values(r.moved).flat().flatMap((m) => [m.score_before, m.score_after]).concat(r.changed_scores.flatMap((c) => [c.before, c.after])));
  const body = html`<h1>Rescore ${r.run_id} · ${r.challenge}</h1>
  <p>Evaluator ${r.evaluator_version}, started ${r.started_at.slice(0, 16).replace('T', ' ')} UTC.
  Jobs: ${r.jobs.done} done, ${r.jobs.failed} failed, ${r.jobs.running} running, ${r.jobs.queued} queued.
  <strong id="rescore-state">${r.finished ? 'Finished.' : 'Running; this page refreshes.'}</strong></p>
  ${Object.entries(r.moved).map(([split, rows]) => html`<h2>${split} board: ${rows.length} team${rows.length === 1 ? '' : 's'} moved</h2>
    ${rows.length ? html`<div class="table-scroll"><table class="moved" data-split="${split}"><thead><tr><th>Team</th><th class="num">Rank before</th><th class="num">Rank after</th><th class="num">Score before</th><th class="num">Score after</th></tr></thead>
    <tbody>${rows.map((m) => html`<tr><td>${m.team ?? ''}</td><td class="num">${m.rank_before ?? '–'}</td><td class="num">${m.rank_after ?? '–'}</td><td class="num">${m.score_before === null ? '–' : fmt(m.score_before)}</td><td class="num">${m.score_after === null ? '–' : fmt(m.score_after)}</td></tr>`)}</tbody></table></div>` : ''}`)}
  <h2>${r.changed_scores.length} score${r.changed_scores.length === 1 ? '' : 's'} changed</h2>
  ${r.changed_scores.length ? html`<div class="table-scroll"><table class="changed"><thead><tr><th class="num">Submission</th><th>Split</th><th class="num">Before</th><th class="num">After</th><th>Versions</th></tr></thead>
    <tbody>${r.changed_scores.map((c) => html`<tr><td class="num">${c.submission_id}</td><td>${c.split}</td><td class="num">${fmt(c.before)}</td><td class="num">${fmt(c.after)}</td><td>${c.before_version} → ${c.after_version}</td></tr>`)}</tbody></table></div>` : ''}
  <p><a href="/admin">Back to the admin page</a></p>`;
  return layout(`Rescore ${r.run_id}`, body, { refreshSeconds: r.finished ? undefined : 2 });
}
