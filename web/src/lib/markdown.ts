/**
 * Model output is untrusted: Markdown is rendered by marked, highlighted by highlight.js and
 * then sanitised by DOMPurify (no script, no event handlers, no javascript: links, no remote
 * images unless allowed). Rendering is per top-level block with a cache, so a streaming answer
 * only re-renders its last block (see components/Markdown.tsx).
 */
import DOMPurify from "dompurify";
import hljs from "highlight.js/lib/common";
import { Marked, type Token, type Tokens } from "marked";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function codeBlock(text: string, lang: string | undefined, highlight: boolean): string {
  const language = lang && hljs.getLanguage(lang) ? lang : undefined;
  const body = highlight && language ? hljs.highlight(text, { language, ignoreIllegals: true }).value : escapeHtml(text);
  return `<div class="code"><div class="code-head"><span>${escapeHtml(lang ?? "")}</span>` +
    `<button type="button" class="copy" data-copy>Copy</button></div>` +
    `<pre><code class="hljs">${body}</code></pre></div>`;
}

function parser(highlight: boolean): Marked {
  return new Marked({
    gfm: true,
    breaks: false,
    renderer: { code: ({ text, lang }: Tokens.Code) => codeBlock(text, lang?.split(/\s/)[0], highlight) },
  });
}
const highlighted = parser(true);
const plain = parser(false); // while streaming: highlighting a growing block each frame is the costliest step

let allowRemoteImages = false;
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
  if (node.tagName === "IMG" && !allowRemoteImages) {
    const src = node.getAttribute("src") ?? "";
    if (!src.startsWith("data:image/") && !src.startsWith("/")) {
      const note = document.createElement("span");
      note.className = "blocked-image";
      note.textContent = `[remote image not loaded: ${src.slice(0, 200)}]`;
      node.replaceWith(note);
    }
  }
});

export function sanitize(html: string, opts: { remoteImages?: boolean } = {}): string {
  allowRemoteImages = opts.remoteImages ?? false;
  return DOMPurify.sanitize(html, { FORBID_TAGS: ["style", "form", "input", "textarea", "select", "iframe", "object", "embed"], FORBID_ATTR: ["style"] });
}

/** Splits Markdown into top-level blocks (raw text of each). */
export function blocks(md: string): { raw: string; token: Token }[] {
  return parser(false).lexer(md).map((token) => ({ raw: token.raw, token }));
}

const cache = new Map<string, string>();

/** Safe HTML for one top-level block; complete blocks are cached by their raw text. */
export function renderBlock(raw: string, opts: { highlight: boolean; remoteImages?: boolean }): string {
  const key = `${opts.highlight ? 1 : 0}${opts.remoteImages ? 1 : 0}${raw}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const html = sanitize((opts.highlight ? highlighted : plain).parse(raw, { async: false }) as string, opts);
  if (cache.size > 2000) cache.clear();
  cache.set(key, html);
  return html;
}

/** Whole-document rendering (small texts: titles, feed previews). */
export function renderMarkdown(md: string, opts: { remoteImages?: boolean } = {}): string {
  return sanitize(highlighted.parse(md, { async: false }) as string, opts);
}
