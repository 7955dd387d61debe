/** Discover: shared answers and conversations, newest or most liked first. */
import { useCallback, useState } from "react";
import { Link } from "react-router";
import { ErrorText } from "../../components/ErrorText.tsx";
import { api } from "../../lib/api.ts";
import { listModels } from "../../lib/models.ts";
import { useUser } from "../../lib/session.tsx";
import { useAsync } from "../../lib/useAsync.ts";
import { FeedCard } from "./FeedCard.tsx";
import type { FeedItem, FeedSort } from "./types.ts";
import "./feed.css";

const SORTS: { value: FeedSort; label: string }[] = [{ value: "new", label: "Newest" }, { value: "top", label: "Most liked" }];

export function FeedPage() {
  const user = useUser();
  const [sort, setSort] = useState<FeedSort>("new");
  const feed = useAsync(() => api<{ items: FeedItem[] }>("GET", `/feed?sort=${sort}`), [sort]);
  const models = useAsync(() => listModels().then((ms) => ms.map((m) => m.name)), []);
  const [removed, setRemoved] = useState<ReadonlySet<string>>(new Set());
  const onRemoved = useCallback((id: string) => setRemoved((s) => new Set(s).add(id)), []);
  const items = (feed.data?.items ?? []).filter((i) => !removed.has(i.id) && i.messages.length > 0);

  return (
    <div className="page feed">
      <div className="feed-head">
        <div>
          <h1>Discover</h1>
          <p className="muted feed-intro">Prompts and answers people in your organisation chose to share.</p>
        </div>
        <div className="feed-sort" role="group" aria-label="Sort">
          {SORTS.map((s) => (
            <button key={s.value} type="button" aria-pressed={sort === s.value} className={sort === s.value ? "active" : ""}
              onClick={() => setSort(s.value)}>{s.label}</button>
          ))}
        </div>
      </div>
      <ErrorText error={feed.error} />
      {feed.loading && !feed.data ? <p className="muted">Loading…</p> : null}
      {feed.data && items.length === 0 ? (
        <div className="card feed-empty">
          <h2>Nothing shared yet</h2>
          <p className="muted">
            When someone shares an answer or a whole conversation from <Link to="/chat">Chat</Link> (with its
            “Share” button), it shows up here for everyone in the organisation to read, like and try.
          </p>
        </div>
      ) : null}
      <div className="feed-list">
        {items.map((item) => (
          <FeedCard key={`${item.id}:${item.likes}:${item.likedByMe}`} item={item} mine={item.ownerId === user.id}
            models={models.data ?? []} onRemoved={onRemoved} />
        ))}
      </div>
    </div>
  );
}
