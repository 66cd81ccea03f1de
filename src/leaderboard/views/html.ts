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
    ? html`<a class="who" href="/account" title="Your account and token">${opts.viewer.name}</a>
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

/** Date and minute in UTC, without the zone (for columns whose header says UTC). */
export function utcMinute(ms: number | string): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** "2099-01-01 00:00 UTC". */
export function formatTime(ms: number | string): string {
  return `${utcMinute(ms)} UTC`;
}

export const STYLESHEET = `
:root { --fg: #1d2430; --muted: #5b6678; --line: #dde2ea; --accent: #2451b3; --bg: #fbfcfd; --ok: #1e7b34; --bad: #b3261e; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
html { -webkit-text-size-adjust: 100%; }
header { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: .3rem 1rem; padding: .6rem max(1rem, calc((100% - 1100px) / 2 + 1.5rem)); border-bottom: 1px solid var(--line); background: #fff; }
header .brand { font-weight: 700; font-size: 1.15rem; color: var(--fg); text-decoration: none; }
header nav { display: flex; flex-wrap: wrap; align-items: center; justify-content: flex-end; gap: .2rem 1rem; min-width: 0; }
header nav .who { overflow-wrap: anywhere; }
main { max-width: 1100px; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; overflow-wrap: break-word; }
@media (max-width: 600px) { main { padding: 1rem .9rem 2rem; } }
footer { color: var(--muted); font-size: .8rem; text-align: center; padding: 1rem; }
a { color: var(--accent); }
h1 { font-size: 1.5rem; margin: .2rem 0 .6rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; }
/* Wide tables scroll inside their own box; nothing else on a page is wider than the screen. */
.table-scroll { overflow-x: auto; max-width: 100%; border: 1px solid var(--line); background: #fff; }
.table-scroll table { border: none; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; font-weight: 600; color: var(--muted); vertical-align: bottom; }
th .unit { display: block; font-weight: 400; font-size: .72rem; }
td.team { min-width: 9rem; }
.split-caption { margin: .2rem 0 .5rem; }
ul.cards { list-style: none; padding: 0; margin: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 20rem), 1fr)); gap: .8rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: .4rem; padding: .7rem .9rem; }
.card h2 { margin: 0 0 .3rem; font-size: 1.05rem; }
.card p { margin: .2rem 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.time { white-space: nowrap; }
td.note { min-width: 14rem; }
tr.baseline td { background: #f3f6fb; font-style: italic; }
.badge { display: inline-block; font-size: .72rem; padding: 0 .4rem; border-radius: .6rem; border: 1px solid var(--line); color: var(--muted); font-style: normal; }
.status-scored { color: var(--ok); } .status-failed { color: var(--bad); } .status-queued, .status-scoring { color: var(--warn); }
.tabs { display: flex; flex-wrap: wrap; gap: .3rem; border-bottom: 1px solid var(--line); margin: 1rem 0 .6rem; }
.subnav { display: flex; flex-wrap: wrap; gap: .3rem .4rem; margin: .4rem 0 1rem; }
.subnav a, .subnav span { padding: .25rem .7rem; border: 1px solid var(--line); border-radius: 1rem; text-decoration: none; background: #fff; }
.subnav .active { background: var(--accent); border-color: var(--accent); color: #fff; }
.tabs a, .tabs span { padding: .35rem .9rem; border: 1px solid transparent; border-bottom: none; text-decoration: none; }
.tabs .active { border-color: var(--line); background: #fff; border-radius: .3rem .3rem 0 0; font-weight: 600; }
.tabs .disabled { color: var(--muted); }
/* Narrower tabs on phones so both boards' tabs fit on one row at 390 px. */
@media (max-width: 600px) { .tabs a, .tabs span { padding: .35rem .6rem; } }
.muted { color: var(--muted); }
.notice { padding: .6rem .8rem; border: 1px solid var(--line); background: #fff; border-radius: .3rem; margin: .6rem 0; }
.errors { border-color: var(--bad); color: var(--bad); }
.errors li { color: var(--fg); }
.token { font-family: ui-monospace, monospace; background: #fff7d6; padding: .3rem .5rem; word-break: break-all; }
code { font-family: ui-monospace, monospace; font-size: .92em; background: #eef1f5; padding: 0 .2rem; border-radius: .2rem; overflow-wrap: anywhere; }
pre { overflow-x: auto; background: #f3f5f8; padding: .6rem .8rem; border-radius: .3rem; }
pre code { background: none; padding: 0; overflow-wrap: normal; }
form.stack label { display: block; margin: .6rem 0 .2rem; font-weight: 600; }
form.stack input[type=text], form.stack input[type=email], form.stack input[type=password], form.stack textarea { width: 100%; max-width: 32rem; padding: .35rem; }
button { padding: .35rem .9rem; cursor: pointer; }
button.link { background: none; border: none; color: var(--accent); padding: 0; font: inherit; text-decoration: underline; }
form.inline { display: inline; }
/* The admin table's actions keep a row's width on a phone (the table scrolls) instead of stacking one button a line. */
.admin-actions { min-width: 21rem; }
.actions a { margin-right: 1rem; }
.prose { max-width: 52rem; }
.prose p, .prose li { margin: .4rem 0; }
.phases { background: #fff; border: 1px solid var(--line); border-radius: .4rem; padding: .5rem .9rem; margin: .8rem 0; max-width: 52rem; }
.phases ul { margin: .2rem 0; padding-left: 1.2rem; }
.phases li.current { font-weight: 600; }
.countdown { margin: .2rem 0; }
.notice.ok { border-color: var(--ok); }
figure.chart { display: grid; grid-template-columns: auto minmax(0, 1fr); grid-template-rows: 220px auto auto; margin: 0; max-width: 52rem; padding: .6rem .8rem .4rem .4rem; background: #fff; border: 1px solid var(--line); }
.chart-y { grid-column: 1; grid-row: 1; display: flex; flex-direction: column; justify-content: space-between; padding-right: .4rem; text-align: right; font-size: .75rem; color: var(--muted); font-variant-numeric: tabular-nums; }
svg.chart { grid-column: 2; grid-row: 1; display: block; width: 100%; height: 100%; overflow: visible; }
.chart-x { grid-column: 2; grid-row: 2; display: flex; justify-content: space-between; font-size: .75rem; color: var(--muted); }
.chart-x span:last-child { text-align: right; }
figure.chart figcaption { grid-column: 1 / -1; grid-row: 3; font-size: .8rem; color: var(--muted); margin-top: .2rem; }
figure.preview { margin: 1rem 0; }
figure.preview img { display: block; width: min(100%, 648px); height: auto; image-rendering: pixelated; background: #000; }
.clip-list a, .clip-list strong { margin-right: .5rem; white-space: nowrap; }
.up { color: var(--ok); } .down { color: var(--bad); }
dl.facts { display: grid; grid-template-columns: minmax(6rem, max-content) minmax(0, 1fr); gap: .3rem 1rem; margin: .6rem 0; }
dl.facts dt { font-weight: 600; color: var(--muted); }
dl.facts dd { margin: 0; min-width: 0; }
@media (max-width: 600px) { dl.facts { grid-template-columns: minmax(0, 1fr); } dl.facts dd { margin-bottom: .4rem; } }
.sha code { word-break: break-all; }
ul.plain { list-style: none; padding: 0; margin: 0; }
table.metrics th[scope=row] { color: var(--fg); font-size: .9rem; font-weight: 400; vertical-align: top; min-width: 9rem; }
table.metrics tr.primary th[scope=row] code { font-weight: 700; }
table.metrics td.num .muted { font-size: .8rem; }
@media (max-width: 600px) { table.metrics th[scope=row] { min-width: 0; } table.metrics td.num { white-space: normal; } }
table.per-class { max-width: 30rem; }
.remaining { font-weight: 600; }
`;
