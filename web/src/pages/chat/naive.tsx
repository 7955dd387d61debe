/**
 * The naive baseline for bench/webRender.ts, off unless localStorage["freehold.bench.naiveChat"]
 * is "1": every delta is published at once (no batching per frame), the whole conversation pane
 * re-renders for it, and the answer's whole Markdown is parsed, highlighted and sanitised again.
 * Never used otherwise; it exists so the benchmark compares both in the same page and run.
 */
import { useMemo } from "react";
import { renderMarkdown } from "../../lib/markdown.ts";

export const NAIVE_FLAG = "freehold.bench.naiveChat";

export const naiveRendering: boolean = (() => {
  try {
    return localStorage.getItem(NAIVE_FLAG) === "1";
  } catch {
    return false;
  }
})();

/** Whole-document rendering: still only the sanitiser's output goes into the DOM. */
export function NaiveMarkdown({ text }: { text: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
