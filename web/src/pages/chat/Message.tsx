/**
 * One message of the active branch. Memoised: while an answer streams, or when another message
 * changes, a message whose object and callbacks are unchanged does not re-render.
 */
import { memo, useEffect, useRef, useState, type FormEvent, type MouseEvent } from "react";
import { Link } from "react-router";
import { REASONS, type Thumbs } from "../../../../src/chat/feedbackKinds.ts";
import { ErrorText } from "../../components/ErrorText.tsx";
import { Markdown } from "../../components/Markdown.tsx";
import { useAction } from "../../lib/useAction.ts";
import { copyText } from "./copy.ts";
import { ThumbDownIcon, ThumbUpIcon } from "./icons.tsx";
import type { ChatMessage } from "./types.ts";

/** What a message can ask of its conversation; one stable object for the conversation's life. */
export interface MessageActions {
  select(id: string): Promise<void>;
  regenerate(m: ChatMessage): void;
  editAndSend(m: ChatMessage, content: string): void;
  thumbs(m: ChatMessage, kind: Thumbs, extra?: { reasons: string[]; comment: string | null }): Promise<void>;
  copied(m: ChatMessage): void;
  share(m: ChatMessage): Promise<{ id: string }>;
  unshare(shareId: string): Promise<void>;
}

const reasonLabel = (r: string) => r[0].toUpperCase() + r.slice(1).replace(/_/g, " ");

export const MessageList = memo(function MessageList({ messages, busy, actions }: { messages: ChatMessage[]; busy: boolean; actions: MessageActions }) {
  return <>{messages.map((m) => <MessageItem key={m.id} message={m} busy={busy} actions={actions} />)}</>;
});

export const MessageItem = memo(function MessageItem({ message: m, busy, actions }: { message: ChatMessage; busy: boolean; actions: MessageActions }) {
  return m.role === "user" ? <UserMessage m={m} busy={busy} actions={actions} /> : <AssistantMessage m={m} busy={busy} actions={actions} />;
});

function Alternatives({ m, busy, actions }: { m: ChatMessage; busy: boolean; actions: MessageActions }) {
  const op = useAction();
  const n = m.siblingIds.length;
  if (n < 2) return null;
  const i = m.siblingIds.indexOf(m.id);
  const go = (to: number) => void op.run(() => actions.select(m.siblingIds[to]));
  return (
    <span className="chat-alts" role="group" aria-label={`Alternative ${i + 1} of ${n}`}>
      <button type="button" className="icon" aria-label="Previous alternative" disabled={busy || i <= 0} onClick={() => go(i - 1)}>‹</button>
      <span aria-hidden="true">{i + 1}/{n}</span>
      <button type="button" className="icon" aria-label="Next alternative" disabled={busy || i >= n - 1} onClick={() => go(i + 1)}>›</button>
      <ErrorText error={op.error} />
    </span>
  );
}

function UserMessage({ m, busy, actions }: { m: ChatMessage; busy: boolean; actions: MessageActions }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(m.content);
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (!text.trim() || busy) return;
    setEditing(false);
    actions.editAndSend(m, text);
  };
  return (
    <article className="chat-msg chat-user" aria-label="You">
      {editing ? (
        <form className="chat-edit stack" onSubmit={submit}>
          <label className="chat-sr-only" htmlFor={`edit-${m.id}`}>Edit message</label>
          <textarea id={`edit-${m.id}`} value={text} rows={Math.min(10, Math.max(2, text.split("\n").length))} autoFocus
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) submit(e);
              if (e.key === "Escape") setEditing(false);
            }} />
          <div className="row">
            <button type="submit" className="primary" disabled={busy || !text.trim()}>Save and send</button>
            <button type="button" onClick={() => { setEditing(false); setText(m.content); }}>Cancel</button>
          </div>
        </form>
      ) : (
        <div className="chat-bubble">{m.content}</div>
      )}
      <div className="chat-actions">
        <Alternatives m={m} busy={busy} actions={actions} />
        {!editing && <button type="button" className="icon" disabled={busy} onClick={() => { setText(m.content); setEditing(true); }}>Edit</button>}
      </div>
    </article>
  );
}

function AssistantMessage({ m, busy, actions }: { m: ChatMessage; busy: boolean; actions: MessageActions }) {
  const [copied, setCopied] = useState(false);
  const [askWhy, setAskWhy] = useState(false);
  const [sharedId, setSharedId] = useState<string | null>(null);
  const [note, setNote] = useState("");
  const op = useAction();
  const act = (f: () => Promise<void>) => void op.run(f);

  // Copy buttons inside code blocks are handled by <Markdown>; here they are only recorded.
  const onMarkdownClick = (e: MouseEvent) => {
    if ((e.target as HTMLElement).closest("button[data-copy]")) actions.copied(m);
  };
  const copy = () => act(async () => {
    await copyText(m.content);
    actions.copied(m);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  });

  return (
    <article className="chat-msg chat-assistant" aria-label="Assistant">
      {m.reasoning && (
        <details className="chat-thinking">
          <summary>Thinking</summary>
          <div className="chat-thinking-text">{m.reasoning}</div>
        </details>
      )}
      <div onClick={onMarkdownClick}>
        {m.content ? <Markdown text={m.content} /> : !m.error && <p className="muted">(no text)</p>}
      </div>
      {m.stopped && <div className="chat-meta row"><span className="tag chat-stopped">stopped</span></div>}
      {m.error && <p className="error chat-failed">This answer failed: {m.error}</p>}
      <div className="chat-actions">
        <Alternatives m={m} busy={busy} actions={actions} />
        <button type="button" className="icon" aria-label="Copy" title="Copy answer" onClick={copy}>{copied ? "Copied" : "Copy"}</button>
        <button type="button" className="icon" disabled={busy} onClick={() => actions.regenerate(m)}>Regenerate</button>
        <button type="button" className={m.thumbs === "thumbs_up" ? "icon active" : "icon"} aria-label="Thumbs up" aria-pressed={m.thumbs === "thumbs_up"}
          onClick={() => act(async () => { setAskWhy(false); await actions.thumbs(m, "thumbs_up"); setNote("Thanks for the feedback."); })}><ThumbUpIcon /></button>
        <button type="button" className={m.thumbs === "thumbs_down" ? "icon active" : "icon"} aria-label="Thumbs down" aria-pressed={m.thumbs === "thumbs_down"}
          aria-expanded={askWhy} onClick={() => setAskWhy(!askWhy)}><ThumbDownIcon /></button>
        {sharedId ? (
          <button type="button" className="icon" onClick={() => act(async () => { await actions.unshare(sharedId); setSharedId(null); setNote("No longer shared."); })}>Unshare</button>
        ) : (
          <button type="button" className="icon" aria-label="Share" title="Share to Discover" disabled={busy}
            onClick={() => act(async () => { setSharedId((await actions.share(m)).id); setNote(""); })}>Share</button>
        )}
        <span role="status" className="muted chat-note">
          {sharedId ? <>Shared to <Link to="/feed">Discover</Link>.</> : note}
        </span>
        {m.model && <span className="tag chat-model-tag" title="Model">{m.model}</span>}
      </div>
      {askWhy && (
        <ThumbsDownForm onCancel={() => setAskWhy(false)} onSubmit={async (reasons, comment) => {
          await actions.thumbs(m, "thumbs_down", { reasons, comment });
          setAskWhy(false);
          setNote("Thanks for the feedback.");
        }} />
      )}
      <ErrorText error={op.error} />
    </article>
  );
}

function ThumbsDownForm({ onSubmit, onCancel }: { onSubmit(reasons: string[], comment: string | null): Promise<void>; onCancel(): void }) {
  const [reasons, setReasons] = useState<string[]>([]);
  const [comment, setComment] = useState("");
  const op = useAction();
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => { form.current?.scrollIntoView?.({ block: "nearest" }); }, []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void op.run(() => onSubmit(reasons, comment.trim() || null));
  };
  return (
    <form ref={form} className="chat-why card stack" onSubmit={submit} aria-label="What was wrong?">
      <fieldset>
        <legend>What was wrong? (optional)</legend>
        <div className="row">
          {REASONS.map((r) => (
            <label key={r} className="chat-check">
              <input type="checkbox" checked={reasons.includes(r)}
                onChange={(e) => setReasons(e.target.checked ? [...reasons, r] : reasons.filter((x) => x !== r))} />
              {reasonLabel(r)}
            </label>
          ))}
        </div>
      </fieldset>
      <label>Comment (optional)
        <textarea rows={2} value={comment} maxLength={5000} onChange={(e) => setComment(e.target.value)} />
      </label>
      <ErrorText error={op.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={op.busy}>Send feedback</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
