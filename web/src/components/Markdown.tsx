/**
 * Renders untrusted Markdown safely (lib/markdown.ts). Each top-level block is its own memoised
 * element, so while an answer streams only the last block changes; `streaming` skips syntax
 * highlighting until the answer is complete. Copy buttons on code blocks work by delegation.
 */
import { memo, useMemo, type MouseEvent } from "react";
import { blocks, renderBlock } from "../lib/markdown.ts";

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

export function Markdown({ text, streaming = false, remoteImages = false }: { text: string; streaming?: boolean; remoteImages?: boolean }) {
  const parts = useMemo(() => blocks(text), [text]);
  return (
    <div className="markdown" onClick={onCopy}>
      {parts.map((p, i) => (
        <Block key={i} html={renderBlock(p.raw, { highlight: !streaming || i < parts.length - 1, remoteImages })} />
      ))}
    </div>
  );
}
