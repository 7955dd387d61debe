/** One shared answer (with its prompt) or conversation: like, try the prompt, unshare (author). */
import { memo, useState } from "react";
import { Link } from "react-router";
import { ErrorText } from "../../components/ErrorText.tsx";
import { Markdown } from "../../components/Markdown.tsx";
import { api } from "../../lib/api.ts";
import type { FeedItem, FeedMessage } from "./types.ts";

/** Conversations longer than this show their first exchange until expanded. */
const PREVIEW_MESSAGES = 2;

function when(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function Message({ m }: { m: FeedMessage }) {
  return m.role === "user" ? (
    <div className="feed-prompt">
      <div className="feed-label">Prompt</div>
      <p className="feed-prompt-text">{m.content}</p>
    </div>
  ) : (
    <div className="feed-answer">
      <div className="feed-label">Answer{m.model ? <span className="tag">{m.model}</span> : null}</div>
      <Markdown text={m.content} />
    </div>
  );
}

export const FeedCard = memo(function FeedCard({ item, mine, models, onRemoved }: {
  item: FeedItem; mine: boolean; models: string[]; onRemoved(id: string): void;
}) {
  const [like, setLike] = useState({ liked: item.likedByMe, likes: item.likes });
  const [expanded, setExpanded] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const prompt = item.messages.find((m) => m.role === "user")?.content ?? "";
  const sharedModel = item.messages.find((m) => m.role === "assistant" && m.model)?.model ?? "";
  const choices = sharedModel && !models.includes(sharedModel) ? [sharedModel, ...models] : models;
  const [model, setModel] = useState(sharedModel || models[0] || "");
  const tryModel = model || sharedModel || models[0] || "";
  const tryHref = `/chat?${new URLSearchParams({ prompt, ...(tryModel ? { model: tryModel } : {}) })}`;

  const isConversation = item.conversationId !== null;
  const long = isConversation && item.messages.length > PREVIEW_MESSAGES;
  const shown = long && !expanded ? item.messages.slice(0, PREVIEW_MESSAGES) : item.messages;
  const modelsUsed = [...new Set(item.messages.map((m) => m.model).filter((m): m is string => !!m))];

  async function toggleLike() {
    setBusy(true);
    try {
      setLike(await api<{ liked: boolean; likes: number }>("POST", `/shares/${item.id}/like`, {}));
      setError(undefined);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function unshare() {
    setBusy(true);
    try {
      await api("DELETE", `/shares/${item.id}`);
      onRemoved(item.id);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <article className="card feed-item" aria-label={`Shared by ${item.authorName}`}>
      <header className="feed-meta">
        <span className="feed-author">{item.authorName}</span>
        <span className="tag">{isConversation ? `Conversation · ${item.messages.length} messages` : "Answer"}</span>
        {modelsUsed.map((m) => <span key={m} className="tag feed-model">{m}</span>)}
        <time className="muted feed-time" dateTime={item.createdAt}>{when(item.createdAt)}</time>
      </header>
      <div className="feed-body">
        {shown.map((m, i) => <Message key={i} m={m} />)}
        {long ? (
          <button type="button" className="link feed-expand" aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
            {expanded ? "Show less" : `Show the whole conversation (${item.messages.length} messages)`}
          </button>
        ) : null}
      </div>
      <ErrorText error={error} />
      <footer className="feed-actions">
        <button type="button" className={like.liked ? "active" : ""} aria-pressed={like.liked} disabled={busy} onClick={toggleLike}>
          <span aria-hidden="true">{like.liked ? "♥" : "♡"}</span> Like
        </button>
        <span className="muted feed-likes">{like.likes} {like.likes === 1 ? "like" : "likes"}</span>
        <span className="feed-spacer" />
        {prompt ? (
          <span className="feed-try">
            {choices.length > 0 ? (
              <select aria-label="Model for this prompt" value={tryModel} onChange={(e) => setModel(e.target.value)}>
                {choices.map((m) => <option key={m} value={m}>{m}</option>)}
              </select>
            ) : null}
            <Link className="button-link" to={tryHref}>Try this prompt</Link>
          </span>
        ) : null}
        {mine ? <button type="button" className="danger" disabled={busy} onClick={unshare}>Unshare</button> : null}
      </footer>
    </article>
  );
});
