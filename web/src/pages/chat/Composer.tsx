/** The prompt box: Enter sends, Shift+Enter adds a line; while an answer streams, Stop replaces Send. */
import { memo, useState, type FormEvent, type KeyboardEvent } from "react";

export const Composer = memo(function Composer({ initial, busy, disabled, onSend, onStop }: {
  initial: string; busy: boolean; disabled: boolean;
  /** Resolves once the server stored the prompt (the text is cleared), or false when it did not (the text stays). */
  onSend(text: string): Promise<boolean>;
  onStop(): void;
}) {
  const [text, setText] = useState(initial);
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    const t = text;
    if (!t.trim() || busy || disabled) return;
    if (await onSend(t)) setText((now) => (now === t ? "" : now));
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) void submit(e);
  };
  return (
    <form className="chat-composer" onSubmit={submit}>
      <label className="chat-sr-only" htmlFor="chat-prompt">Message</label>
      <textarea id="chat-prompt" value={text} autoFocus placeholder="Message…"
        rows={Math.min(8, Math.max(1, text.split("\n").length))} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} />
      {busy ? (
        <button type="button" className="chat-stop" onClick={onStop} title="Stop (Esc)">Stop</button>
      ) : (
        <button type="submit" className="primary" disabled={disabled || !text.trim()}>Send</button>
      )}
    </form>
  );
});
