/** The clip preview page of a stabilization challenge (routes/previews.ts). */
import type { StabilizationTruth } from '../../tasks/stabilization/truth.js';
import type { ChallengeRecord } from '../store.js';
import { html, layout, type Viewer } from './html.js';

export interface PreviewEntry {
  label: string;
  submissionId: number;
  baseline: boolean;
}

export function clipPreviewPage(c: ChallengeRecord, truth: StabilizationTruth, clipId: string, entries: PreviewEntry[], viewer?: Viewer): string {
  const base = `/challenges/${encodeURIComponent(c.id)}`;
  const clipUrl = (id: string) => `${base}/clips/${encodeURIComponent(id)}`;
  // Clips grouped by category, in truth order.
  const groups = new Map<string, string[]>();
  for (const clip of truth.clips) {
    const k = clip.category ?? 'clips';
    groups.set(k, [...(groups.get(k) ?? []), clip.id]);
  }
  const clip = truth.clips[truth.index.get(clipId)!]!;
  const picker = [...groups].map(([category, ids]) => html`<p class="clip-list"><span class="muted">${category}:</span>
    ${ids.map((id) => (id === clipId ? html`<strong>${id}</strong> ` : html`<a href="${clipUrl(id)}">${id}</a> `))}</p>`);
  const figures = entries.length
    ? entries.map((e) => html`<figure class="preview">
        <img src="${clipUrl(clipId)}/${e.submissionId}.png" width="${2 * clip.width + 4}" height="${clip.height}" alt="clip ${clipId}: input frames beside the output of ${e.label}" loading="lazy">
        <figcaption>${e.label}${e.baseline ? ' · baseline' : ''}</figcaption></figure>`)
    : html`<p class="muted">No scored baseline yet: run <code>podium baseline run ${c.id}</code>.</p>`;
  const body = html`<h1>${c.title}: clip ${clipId}</h1>
  <p class="muted"><a href="${base}">Leaderboard</a> · ${clip.category ?? ''} · ${clip.frames} frames, ${clip.width}x${clip.height}</p>
  <p>Left: the input frames. Right: the same frames warped by the submission's S<sub>t</sub> (every other frame, 15 fps); black is what the crop lost.</p>
  ${picker}
  ${figures}`;
  return layout(`${c.title}: clip ${clipId}`, body, { viewer });
}
