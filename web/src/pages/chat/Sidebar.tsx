/** The conversation list: new chat, search (titles and messages), rename and delete with confirmation. */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { ErrorText } from "../../components/ErrorText.tsx";
import { useAction } from "../../lib/useAction.ts";
import { useAsync } from "../../lib/useAsync.ts";
import { PencilIcon, TrashIcon } from "./icons.tsx";
import { deleteConversation, listConversations, patchConversation } from "./chatApi.ts";
import type { ConversationSummary } from "./types.ts";

export function Sidebar({ activeId, version, open, onClose, onListChanged, onRenamed }: {
  activeId: string | undefined; version: number; open: boolean;
  onClose(): void; onListChanged(): void; onRenamed(id: string, title: string): void;
}) {
  const navigate = useNavigate();
  const [q, setQ] = useState("");
  const [query, setQuery] = useState("");
  const search = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const t = setTimeout(() => setQuery(q.trim()), 200);
    return () => clearTimeout(t);
  }, [q]);
  const list = useAsync(() => listConversations(query), [query, version]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      if (e.key.toLowerCase() === "k" && !e.shiftKey) { e.preventDefault(); search.current?.focus(); }
      if (e.key.toLowerCase() === "o" && e.shiftKey) { e.preventDefault(); onClose(); navigate("/chat"); }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [navigate, onClose]);

  return (
    <>
      {open && <div className="chat-backdrop" onClick={onClose} aria-hidden="true" />}
      <aside className={open ? "chat-sidebar open" : "chat-sidebar"} aria-label="Conversations">
        <button type="button" className="primary chat-new" onClick={() => { onClose(); navigate("/chat"); }}>New chat</button>
        <label className="chat-sr-only" htmlFor="chat-search">Search conversations</label>
        <input id="chat-search" ref={search} type="search" placeholder="Search conversations" value={q} onChange={(e) => setQ(e.target.value)} />
        <ErrorText error={list.error} />
        <ul className="chat-list">
          {list.data?.map((c) => (
            <Row key={c.id} c={c} active={c.id === activeId} onOpen={onClose} onRenamed={(title) => { onRenamed(c.id, title); onListChanged(); }}
              onDeleted={() => { onListChanged(); if (c.id === activeId) navigate("/chat"); }} />
          ))}
        </ul>
        {list.data?.length === 0 && <p className="muted chat-list-empty">{query ? "No conversation matches." : "No conversations yet."}</p>}
      </aside>
    </>
  );
}

function Row({ c, active, onOpen, onRenamed, onDeleted }: {
  c: ConversationSummary; active: boolean; onOpen(): void; onRenamed(title: string): void; onDeleted(): void;
}) {
  const [renaming, setRenaming] = useState(false);
  const [title, setTitle] = useState(c.title);
  const [confirming, setConfirming] = useState(false);
  const op = useAction();

  const rename = (e: FormEvent) => {
    e.preventDefault();
    const t = title.trim();
    if (!t) return;
    void op.run(async () => {
      await patchConversation(c.id, { title: t });
      setRenaming(false);
      onRenamed(t);
    });
  };
  const remove = () => void op.run(async () => {
    await deleteConversation(c.id);
    setConfirming(false);
    onDeleted();
  });

  return (
    <li className={active ? "chat-conv active" : "chat-conv"}>
      {renaming ? (
        <form className="chat-rename" onSubmit={rename}>
          <label className="chat-sr-only" htmlFor={`title-${c.id}`}>Title</label>
          <input id={`title-${c.id}`} value={title} maxLength={200} autoFocus onChange={(e) => setTitle(e.target.value)}
            onKeyDown={(e) => { if (e.key === "Escape") { setRenaming(false); setTitle(c.title); } }} />
          <button type="submit" className="icon primary" disabled={op.busy}>Save</button>
          <button type="button" className="icon" onClick={() => { setRenaming(false); setTitle(c.title); }}>Cancel</button>
        </form>
      ) : (
        <>
          <Link to={`/chat/${c.id}`} onClick={onOpen} aria-current={active ? "page" : undefined} title={c.title}>{c.title}</Link>
          <span className="chat-conv-actions">
            <button type="button" className="icon" aria-label="Rename" title="Rename" onClick={() => { setTitle(c.title); setRenaming(true); setConfirming(false); }}><PencilIcon /></button>
            <button type="button" className="icon" aria-label="Delete" title="Delete" onClick={() => setConfirming(true)}><TrashIcon /></button>
          </span>
        </>
      )}
      {confirming && (
        <div className="chat-confirm" role="alertdialog" aria-label="Delete conversation?">
          <span>Delete “{c.title}”? This cannot be undone.</span>
          <span className="row">
            <button type="button" className="danger" autoFocus disabled={op.busy} onClick={remove}>Delete</button>
            <button type="button" onClick={() => setConfirming(false)}>Cancel</button>
          </span>
        </div>
      )}
      <ErrorText error={op.error} />
    </li>
  );
}
