/**
 * The answer being generated. It alone subscribes to the stream buffer, so each published frame
 * re-renders this component and, inside <Markdown streaming>, only the last Markdown block.
 */
import { memo, useLayoutEffect, type RefObject } from "react";
import { Markdown } from "../../components/Markdown.tsx";
import { NaiveMarkdown, naiveRendering } from "./naive.tsx";
import { useStream, type StreamBuffer } from "./streamBuffer.ts";

export const StreamingAnswer = memo(function StreamingAnswer({ buffer, stopped, follow }: {
  buffer: StreamBuffer; stopped: boolean;
  /** Scrolls the thread to the bottom after each update while it is set (the reader has not scrolled up). */
  follow: RefObject<(() => void) | null>;
}) {
  const { text, reasoning } = useStream(buffer);
  useLayoutEffect(() => { follow.current?.(); }, [text, reasoning, follow]);
  return (
    <article className="chat-msg chat-assistant chat-streaming" aria-label="Assistant" aria-busy={!stopped}>
      {reasoning && (
        <details className="chat-thinking">
          <summary>{text || stopped ? "Thinking" : "Thinking…"}</summary>
          <div className="chat-thinking-text">{reasoning}</div>
        </details>
      )}
      {text ? (naiveRendering ? <NaiveMarkdown text={text} /> : <Markdown text={text} streaming={!stopped} />)
        : !stopped && !reasoning && <p className="chat-typing muted" aria-label="Generating">●●●</p>}
      {stopped && <div className="chat-meta row"><span className="tag chat-stopped">stopped</span></div>}
    </article>
  );
});
