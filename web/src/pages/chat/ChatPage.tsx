/**
 * /chat and /chat/:id. `/chat?prompt=<text>&model=<name>` (links from Discover and the arena)
 * opens a new chat with that model picked and the prompt in the composer, not sent.
 */
import { useCallback, useReducer, useRef, useState } from "react";
import { useLocation, useParams, useSearchParams } from "react-router";
import { ConversationPane } from "./ConversationPane.tsx";
import { Sidebar } from "./Sidebar.tsx";
import "./chat.css";

export function ChatPage() {
  const { id } = useParams();
  const location = useLocation();
  const [query] = useSearchParams();
  const [version, bump] = useReducer((n: number) => n + 1, 0);
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [titles, setTitles] = useState<Record<string, string>>({});
  const closeSidebar = useCallback(() => setSidebarOpen(false), []);
  const toggleSidebar = useCallback(() => setSidebarOpen((o) => !o), []);
  const renamed = useCallback((cid: string, title: string) => setTitles((t) => ({ ...t, [cid]: title })), []);
  // Each conversation, and each "New chat", gets a fresh pane, except that a new chat keeps its
  // pane when it moves to its conversation's address after the first message.
  const [adopted, setAdopted] = useState<{ id: string; key: string } | null>(null);
  const key = id ? (adopted?.id === id ? adopted.key : id) : `new:${location.key}`;
  const keyRef = useRef(key);
  keyRef.current = key;
  const created = useCallback((cid: string) => setAdopted({ id: cid, key: keyRef.current }), []);
  return (
    <div className="chat-page">
      <Sidebar activeId={id} version={version} open={sidebarOpen} onClose={closeSidebar} onListChanged={bump} onRenamed={renamed} />
      <ConversationPane
        key={key}
        id={id}
        initialPrompt={id ? "" : query.get("prompt") ?? ""}
        initialModel={id ? undefined : query.get("model") ?? undefined}
        title={id ? titles[id] : undefined}
        onListChanged={bump}
        onCreated={created}
        onToggleSidebar={toggleSidebar}
      />
    </div>
  );
}
