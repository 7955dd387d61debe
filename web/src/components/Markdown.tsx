/**
 * Renders untrusted Markdown safely (lib/markdown.ts). Each top-level block is its own memoised
 * element, so while an answer streams only the last block changes; `streaming` skips syntax
 * highlighting until the answer is complete. Copy buttons on code blocks work by delegation.
 */
import { memo, useRef, type MouseEvent } from "react";
import { blocks, renderBlock } from "../lib/markdown.ts";

type Parts = ReturnType<typeof blocks>;

const Block = memo(function Block({ html }: { html: string }) {
  return <div className="md-block" dangerouslySetInnerHTML={{ __html: html }} />;
});

function onCopy(e: MouseEvent<HTMLDivElement>) {
  const button = (e.target as HTMLElement).closest("button[data-copy]");
  const code = button?.closest(".code")?.querySelector("code");
  if (!button || !code) return;
  void navigator.clipboard?.writeText(code.textContent ?? "").then(() => {
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy"; }, 1500);
  });
}

/**
 * The blocks of `text`. While streaming, only the text from the start of the last block is
 * re-lexed when `text` extends the previous text: lexing the whole answer per frame was half
 * the cost. The finished answer is lexed whole once, so block boundaries are exactly marked's.
 */
function useBlocks(text: string, streaming: boolean): Parts {
  const prev = useRef<{ text: string; parts: Parts; streaming: boolean }>({ text: "", parts: [], streaming: false });
  const p = prev.current;
  if (text === p.text && streaming === p.streaming) return p.parts;
  let parts: Parts;
  if (streaming && p.parts.length > 1 && text.startsWith(p.text)) {
    const kept = p.parts.slice(0, -1);
    const offset = kept.reduce((n, b) => n + b.raw.length, 0);
    parts = text.slice(0, offset) === kept.map((b) => b.raw).join("") ? kept.concat(blocks(text.slice(offset))) : blocks(text);
  } else {
    parts = blocks(text);
  }
  prev.current = { text, parts, streaming };
  return parts;
}

export function Markdown({ text, streaming = false, remoteImages = false }: { text: string; streaming?: boolean; remoteImages?: boolean }) {
  const parts = useBlocks(text, streaming);
  return (
    <div className="markdown" onClick={onCopy}>
      {parts.map((p, i) => (
        <Block key={i} html={renderBlock(p.raw, { highlight: !streaming || i < parts.length - 1, remoteImages })} />
      ))}
    </div>
  );
}
