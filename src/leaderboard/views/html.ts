/**
 * HTML building blocks for the server-rendered pages: escaping, the page layout and the one
 * stylesheet. Every string that came from a user (names, descriptions, errors, file names)
 * goes through `esc` or the `html` tag, which escapes every interpolated value unless it is
 * already `Html` built by these helpers. No outside links: the stylesheet is served by podium.
 */

/** Markup that is already safe to emit. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export function raw(markup: string): Html {
  return new Html(markup);
}

type Part = Html | string | number | null | undefined | false | Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return esc(part);
}

/** Template tag: interpolated values are escaped; Html values and arrays of them pass through. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

export interface Viewer {
  name: string;
}

export function layout(title: string, body: Html, opts: { viewer?: Viewer; refreshSeconds?: number } = {}): string {
  const nav = opts.viewer
    ? html`<span class="who">${opts.viewer.name}</span>
        <form method="post" action="/logout" class="inline"><button type="submit" class="link">Log out</button></form>`
    : html`<a href="/login">Log in</a> <a href="/register">Register</a>`;
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${opts.refreshSeconds ? raw(`<meta http-equiv="refresh" content="${opts.refreshSeconds}">`) : ''}
<title>${title} · podium</title>
<link rel="stylesheet" href="/static/podium.css">
</head><body>
<header><a href="/" class="brand">podium</a><nav>${nav}</nav></header>
<main>${body}</main>
<footer>podium · scores with 95% bootstrap intervals; ≈ marks a rank the data cannot separate from the one above</footer>
</body></html>`}`;
}

export function formatScore(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1000 ? v.toFixed(1) : v.toPrecision(4);
}

export function formatTime(ms: number | string): string {
  const d = new Date(ms);
  return d.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
}

export const STYLESHEET = `
:root { --fg: #1d2430; --muted: #5b6678; --line: #dde2ea; --accent: #2451b3; --bg: #fbfcfd; --ok: #1e7b34; --bad: #b3261e; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; justify-content: space-between; align-items: center; padding: .6rem 1.5rem; border-bottom: 1px solid var(--line); background: #fff; }
header .brand { font-weight: 700; font-size: 1.15rem; color: var(--fg); text-decoration: none; }
header nav a, header nav .who { margin-left: 1rem; }
main { max-width: 1100px; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
footer { color: var(--muted); font-size: .8rem; text-align: center; padding: 1rem; }
a { color: var(--accent); }
h1 { font-size: 1.5rem; margin: .2rem 0 .6rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.time { white-space: nowrap; }
tr.baseline td { background: #f3f6fb; font-style: italic; }
.badge { display: inline-block; font-size: .72rem; padding: 0 .4rem; border-radius: .6rem; border: 1px solid var(--line); color: var(--muted); font-style: normal; }
.status-scored { color: var(--ok); } .status-failed { color: var(--bad); } .status-queued, .status-scoring { color: var(--warn); }
.tabs { display: flex; gap: .3rem; border-bottom: 1px solid var(--line); margin: 1rem 0 .6rem; }
.tabs a, .tabs span { padding: .35rem .9rem; border: 1px solid transparent; border-bottom: none; text-decoration: none; }
.tabs .active { border-color: var(--line); background: #fff; border-radius: .3rem .3rem 0 0; font-weight: 600; }
.tabs .disabled { color: var(--muted); }
.muted { color: var(--muted); }
.notice { padding: .6rem .8rem; border: 1px solid var(--line); background: #fff; border-radius: .3rem; margin: .6rem 0; }
.errors { border-color: var(--bad); color: var(--bad); }
.errors li { color: var(--fg); }
.token { font-family: ui-monospace, monospace; background: #fff7d6; padding: .3rem .5rem; word-break: break-all; }
form.stack label { display: block; margin: .6rem 0 .2rem; font-weight: 600; }
form.stack input[type=text], form.stack input[type=email], form.stack input[type=password], form.stack textarea { width: 100%; max-width: 32rem; padding: .35rem; }
button { padding: .35rem .9rem; cursor: pointer; }
button.link { background: none; border: none; color: var(--accent); padding: 0; font: inherit; text-decoration: underline; }
form.inline { display: inline; }
.actions a { margin-right: 1rem; }
figure.preview { margin: 1rem 0; }
figure.preview img { display: block; width: min(100%, 648px); height: auto; image-rendering: pixelated; background: #000; }
.clip-list a, .clip-list strong { margin-right: .5rem; white-space: nowrap; }
.description { white-space: pre-wrap; max-width: 52rem; }
svg.chart { background: #fff; border: 1px solid var(--line); max-width: 100%; height: auto; }
svg.chart text { font-size: 11px; fill: var(--muted); }
.up { color: var(--ok); } .down { color: var(--bad); }
`;
