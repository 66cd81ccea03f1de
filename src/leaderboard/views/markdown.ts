/**
 * Markdown for descriptions, rules and file notes: markdown-it with raw HTML off (a `<script>`
 * in a description is shown as text), links limited to http(s), mailto and site paths, and
 * external links opened without a referrer.
 */
import MarkdownIt from 'markdown-it';
import { raw, type Html } from './html.js';

const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

const SAFE_LINK = /^(https?:|mailto:|\/|#|\.\/|[^:]*$)/i;
const defaultValidate = md.validateLink.bind(md);
md.validateLink = (url: string) => defaultValidate(url) && SAFE_LINK.test(url.trim());

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const href = String(tokens[idx]!.attrGet('href') ?? '');
  if (/^https?:/i.test(href)) tokens[idx]!.attrSet('rel', 'noopener noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/** Renders Markdown to safe markup, wrapped in a `.prose` block. */
export function markdown(text: string): Html {
  return raw(`<div class="prose">${md.render(text)}</div>`);
}

/** One paragraph of inline Markdown (file notes), without the surrounding <p>. */
export function markdownInline(text: string): Html {
  return raw(md.renderInline(text));
}
