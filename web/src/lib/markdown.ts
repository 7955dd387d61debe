/**
 * Model output is untrusted: Markdown is rendered by marked, highlighted by highlight.js and
 * then sanitised by DOMPurify. Raw HTML in the answer is shown as text, never as markup (as
 * ChatGPT and Open WebUI do), so an answer cannot borrow the app's classes, ids, data attributes,
 * styles or buttons to fake its UI. As a second line, the sanitiser keeps only the tags and
 * attributes marked itself emits (classes: highlight.js's own), no script, no event handlers,
 * no javascript: links, no remote images unless allowed; the code blocks' frame and Copy button
 * are added after sanitising. Rendering is per top-level block with a cache, so a streaming
 * answer only re-renders its last block (see components/Markdown.tsx).
 */
import DOMPurify from "dompurify";
import hljs from "highlight.js/lib/common";
import { Marked, type Token, type Tokens } from "marked";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function codeBlock(text: string, lang: string | undefined, highlight: boolean): string {
  const language = lang && hljs.getLanguage(lang) ? lang : undefined;
  const body = highlight && language ? hljs.highlight(text, { language, ignoreIllegals: true }).value : escapeHtml(text);
  return `<pre><code class="hljs${lang ? ` language-${escapeHtml(lang)}` : ""}">${body}</code></pre>`;
}

/** Raw HTML (a block, or an inline tag) is shown as the text it is. */
const rawHtml = ({ text, block }: Tokens.HTML | Tokens.Tag) =>
  block ? `<p>${escapeHtml(text.trim()).replace(/\n/g, "<br>")}</p>\n` : escapeHtml(text);

function parser(highlight: boolean): Marked {
  return new Marked({
    gfm: true,
    breaks: false,
    renderer: { code: ({ text, lang }: Tokens.Code) => codeBlock(text, lang?.split(/\s/)[0], highlight), html: rawHtml },
  });
}
const highlighted = parser(true);
const plain = parser(false); // while streaming: highlighting a growing block each frame is the costliest step

/** What marked emits (task-list checkboxes are dropped); `span` is highlight.js's. */
const ALLOWED_TAGS = ["p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code", "pre", "blockquote",
  "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "a", "img", "span"];
const ALLOWED_ATTR = ["href", "title", "src", "alt", "align", "start", "class"];
/** Classes that only colour code: highlight.js's scopes ("hljs-title function_") and our language tag. */
const codeClass = /^(hljs(-[\w-]+)?|[a-z]+_+|language-[\w+#.-]+)$/;

DOMPurify.addHook("uponSanitizeAttribute", (_node, data) => {
  if (data.attrName !== "class") return;
  data.attrValue = data.attrValue.split(/\s+/).filter((c) => codeClass.test(c)).join(" ");
  data.keepAttr = data.attrValue !== "";
});
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

/** Resolved as the browser will ("//host/x", "/\host/x" and the like are remote). */
function sameOrigin(src: string): boolean {
  try {
    return new URL(src, location.href).origin === location.origin;
  } catch {
    return false;
  }
}

/** After sanitising: remote images become a note; code blocks get their frame, language and Copy button (components/Markdown.tsx copies the code's text). */
function decorate(root: DocumentFragment, remoteImages: boolean): void {
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]>) => Object.assign(document.createElement(tag), props);
  for (const img of root.querySelectorAll("img")) {
    const src = img.getAttribute("src") ?? "";
    if (!remoteImages && !src.startsWith("data:image/") && !sameOrigin(src)) {
      img.replaceWith(el("span", { className: "blocked-image", textContent: `[remote image not loaded: ${src.slice(0, 200)}]` }));
    }
  }
  for (const code of root.querySelectorAll("pre > code")) {
    const pre = code.parentElement!;
    const lang = [...code.classList].find((c) => c.startsWith("language-"))?.slice(9) ?? "";
    const copy = el("button", { type: "button", className: "copy", textContent: "Copy" });
    copy.dataset.copy = "";
    const head = el("div", { className: "code-head" });
    head.append(el("span", { textContent: lang }), copy);
    const frame = el("div", { className: "code" });
    pre.replaceWith(frame);
    frame.append(head, pre);
  }
}

export function sanitize(html: string, opts: { remoteImages?: boolean } = {}): string {
  const root = DOMPurify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOW_DATA_ATTR: false, ALLOW_ARIA_ATTR: false, RETURN_DOM_FRAGMENT: true });
  decorate(root, opts.remoteImages ?? false);
  const out = document.createElement("div");
  out.append(root);
  return out.innerHTML;
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
