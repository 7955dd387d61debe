/**
 * One conversation (or a new one, before its first message): header with model picker, settings,
 * export and sharing; the active branch; the streaming answer; the composer.
 *
 * Streaming keeps the page still: deltas go to a StreamBuffer (published once per frame) that
 * only <StreamingAnswer> reads, the messages already there are a memoised list whose props do
 * not change until the answer is done, and the callbacks they get are one stable object.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { Link, useNavigate } from "react-router";
import type { Thumbs } from "../../../../src/chat/feedbackKinds.ts";
import { ErrorText } from "../../components/ErrorText.tsx";
import { ApiError } from "../../lib/api.ts";
import { listModels, type ModelInfo } from "../../lib/models.ts";
import { useAsync } from "../../lib/useAsync.ts";
import {
  createConversation, exportConversation, getConversation, patchConversation, regenerateMessage, selectMessage,
  sendFeedback, sendMessage, share, unshare,
} from "./chatApi.ts";
import { Composer } from "./Composer.tsx";
import { MessageList, type MessageActions } from "./Message.tsx";
import { naiveRendering } from "./naive.tsx";
import { lastModel, paramsOf, rememberModel, settingsOf, systemPromptOf, titleFrom, type Settings } from "./settings.ts";
import { SettingsPanel } from "./SettingsPanel.tsx";
import { StreamBuffer } from "./streamBuffer.ts";
import { StreamingAnswer } from "./StreamingAnswer.tsx";
import type { ChatMessage, ConversationView, StreamEvent } from "./types.ts";

interface Pending {
  /** The messages shown above the answer: the branch it continues. */
  base: ChatMessage[];
  /** The prompt being sent (not yet stored), or null for a regeneration. */
  userText: string | null;
  buffer: StreamBuffer;
  stopped: boolean;
}

const nothing = () => () => {};
const closeMenu = (el: HTMLElement) => { const d = el.closest("details"); if (d) d.open = false; };
const noSnapshot = () => null;

/** After a stop the server stores the partial answer once it notices the closed connection. */
async function waitForStored(convId: string, known: Set<string>): Promise<ConversationView> {
  let v = await getConversation(convId);
  for (let i = 0; i < 40; i++) {
    const last = v.messages.at(-1);
    if (last?.role === "assistant" && !known.has(last.id)) return v;
    await new Promise((r) => setTimeout(r, 150));
    v = await getConversation(convId);
  }
  return v;
}

function knownIds(v: ConversationView | null): Set<string> {
  const s = new Set<string>();
  for (const m of v?.messages ?? []) for (const id of [m.id, ...m.siblingIds]) s.add(id);
  return s;
}

export function ConversationPane({ id, initialPrompt, initialModel, title, onListChanged, onCreated, onToggleSidebar }: {
  /** Undefined: a new chat, created at its first message. */
  id: string | undefined;
  initialPrompt: string;
  initialModel: string | undefined;
  /** The title as renamed in the sidebar, when it was. */
  title: string | undefined;
  onListChanged(): void;
  /** A new chat got its conversation: the page moves to its address and keeps this pane (the answer streams on). */
  onCreated(id: string): void;
  onToggleSidebar(): void;
}) {
  const navigate = useNavigate();
  // Rerankers score documents (/v1/rerank); they are not offered for chat.
  const models = useAsync(async () => (await listModels()).filter((m) => !m.reranker), []);
  const [view, setView] = useState<ConversationView | null>(null);
  const [loadError, setLoadError] = useState<unknown>();
  const [settings, setSettings] = useState<Settings>(() =>
    view ? settingsOf(view) : { model: initialModel || lastModel(), systemPrompt: "", temperature: "", maxTokens: "", draftModel: "" });
  const [showSettings, setShowSettings] = useState(false);
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<unknown>();
  const [note, setNote] = useState("");

  // Callbacks read the latest state through refs, so they (and the memoised messages) stay stable.
  const viewRef = useRef(view);
  viewRef.current = view;
  const settingsRef = useRef(settings);
  settingsRef.current = settings;
  const busy = useRef(false);
  const abort = useRef<AbortController | null>(null);
  const mounted = useRef(true);
  const threadRef = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const follow = useRef<(() => void) | null>(null);
  follow.current = () => {
    const el = threadRef.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  };

  useEffect(() => {
    mounted.current = true;
    return () => { mounted.current = false; abort.current?.abort(); };
  }, []);

  // Load the conversation (unless this pane has just created it).
  const created = useRef<string | null>(null);
  useEffect(() => {
    if (!id || id === created.current) return;
    const ctl = new AbortController();
    getConversation(id, ctl.signal).then((v) => {
      setView(v);
      setSettings(settingsOf(v));
    }, (err) => { if (!ctl.signal.aborted) setLoadError(err); });
    return () => ctl.abort();
  }, [id]);

  // Pick a model once the list is known: the requested one, else the last used, else the first.
  const modelList = models.data;
  useEffect(() => {
    if (!modelList?.length || view) return;
    setSettings((s) => (modelList.some((m) => m.name === s.model) || (s.model && s.model === initialModel) ? s : { ...s, model: modelList[0].name }));
  }, [modelList, view, initialModel]);

  // Open at the bottom, jump there when an answer starts, and stay there while the reader does.
  const answering = pending?.buffer;
  useLayoutEffect(() => { stick.current = true; follow.current?.(); }, [view?.id, answering]);
  useLayoutEffect(() => { follow.current?.(); }, [view]);

  const onScroll = () => {
    const el = threadRef.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  };

  /**
   * Streams one answer; afterwards shows the stored conversation (after a stop: with the partial answer).
   * `accepted` (a promise's resolve: later calls do nothing) learns whether the server stored the prompt:
   * true at the first event (it stores the prompt before answering), else from the stored conversation.
   */
  const run = useCallback(async (convId: string, base: ChatMessage[], userText: string | null, start: (signal: AbortSignal) => AsyncGenerator<StreamEvent>,
    accepted: (stored: boolean) => void = () => {}) => {
    const buffer = new StreamBuffer(naiveRendering);
    const ctl = new AbortController();
    const known = knownIds(viewRef.current);
    abort.current = ctl;
    busy.current = true;
    setError(undefined);
    setNote("");
    setPending({ base, userText, buffer, stopped: false });
    let failed: unknown;
    try {
      for await (const ev of start(ctl.signal)) {
        accepted(true);
        if ("delta" in ev || "reasoning" in ev) buffer.push(ev);
        else if ("error" in ev) failed = new Error(ev.error);
      }
    } catch (err) {
      if (!ctl.signal.aborted) failed = err;
    }
    buffer.flush();
    abort.current = null;
    if (!mounted.current) return;
    const stopped = ctl.signal.aborted;
    if (stopped) setPending((p) => p && { ...p, stopped: true });
    let next: ConversationView | undefined;
    try {
      next = stopped ? await waitForStored(convId, known) : await getConversation(convId);
    } catch (err) {
      failed ??= err;
    }
    buffer.dispose();
    busy.current = false;
    accepted(!!next?.messages.some((m) => m.role === "user" && !known.has(m.id)));
    if (!mounted.current) return;
    if (next) setView(next);
    setPending(null);
    setError(failed);
    onListChanged();
  }, [onListChanged]);

  const stop = useCallback(() => abort.current?.abort(), []);

  useEffect(() => {
    if (!pending || pending.stopped) return;
    const onKey = (e: KeyboardEvent) => { if (e.key === "Escape") stop(); };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [pending, stop]);

  const send = useCallback(async (text: string): Promise<boolean> => {
    if (busy.current) return false;
    busy.current = true;
    const s = settingsRef.current;
    let convId = viewRef.current?.id;
    if (!convId) {
      try {
        if (!s.model) throw new Error("Choose a model first.");
        convId = (await createConversation({ title: titleFrom(text), model: s.model, systemPrompt: systemPromptOf(s), params: paramsOf(s) })).id;
        created.current = convId;
        rememberModel(s.model);
        onCreated(convId);
        navigate(`/chat/${convId}`, { replace: true });
        onListChanged();
      } catch (err) {
        busy.current = false;
        setError(err);
        return false;
      }
    }
    const cid = convId;
    return new Promise<boolean>((accepted) => {
      void run(cid, viewRef.current?.messages ?? [], text, (signal) => sendMessage(cid, { content: text, model: s.model, params: paramsOf(s) }, signal), accepted);
    });
  }, [run, onListChanged, onCreated, navigate]);

  const actions = useMemo<MessageActions>(() => {
    const branchBefore = (m: ChatMessage) => {
      const all = viewRef.current?.messages ?? [];
      return all.slice(0, all.findIndex((x) => x.id === m.id));
    };
    return {
      async select(messageId) {
        if (busy.current) return;
        setView(await selectMessage(messageId));
      },
      regenerate(m) {
        const v = viewRef.current;
        if (!v || busy.current) return;
        const s = settingsRef.current;
        void run(v.id, branchBefore(m), null, (signal) => regenerateMessage(m.id, { model: s.model, params: paramsOf(s) }, signal));
      },
      editAndSend(m, content) {
        const v = viewRef.current;
        if (!v || busy.current) return;
        const s = settingsRef.current;
        void run(v.id, branchBefore(m), content,
          (signal) => sendMessage(v.id, { content, parentId: m.parentId, model: s.model, params: paramsOf(s) }, signal));
      },
      async thumbs(m, kind: Thumbs, extra) {
        await sendFeedback(m.id, kind, extra);
        setView((v) => v && { ...v, messages: v.messages.map((x) => (x.id === m.id ? { ...x, thumbs: kind } : x)) });
      },
      copied(m) {
        sendFeedback(m.id, "copy").catch(() => { /* a lost copy event is not worth an error on screen */ });
      },
      share: (m) => share({ messageId: m.id }),
      unshare: (shareId) => unshare(shareId),
    };
  }, [run]);

  // The naive baseline (bench only) re-renders this whole pane for every delta.
  const naiveBuffer = naiveRendering && pending ? pending.buffer : null;
  useSyncExternalStore(naiveBuffer ? naiveBuffer.subscribe : nothing, naiveBuffer ? naiveBuffer.getSnapshot : noSnapshot);

  const save = async (next: Settings) => {
    const v = viewRef.current;
    if (!v) return;
    try {
      const c = await patchConversation(v.id, { model: next.model, systemPrompt: systemPromptOf(next), params: paramsOf(next) });
      setView((old) => old && { ...old, ...c, messages: old.messages });
    } catch (err) {
      setError(err);
    }
  };

  const changeModel = (model: string) => {
    const next = { ...settings, model, draftModel: "" }; // a draft pairs with its model
    setSettings(next);
    rememberModel(model);
    void save(next);
  };

  const doExport = (format: "md" | "json") => {
    if (view) exportConversation(view.id, title ?? view.title, format).catch(setError);
  };

  const shareConversation = async () => {
    if (!view) return;
    try {
      await share({ conversationId: view.id });
      setNote("Conversation shared to Discover.");
    } catch (err) {
      setError(err);
    }
  };

  if (loadError) {
    return (
      <section className="chat-pane">
        <div className="page">
          <ErrorText error={loadError instanceof ApiError && loadError.status === 404 ? "This conversation does not exist (or is not yours)." : loadError} />
          <Link to="/chat">Start a new chat</Link>
        </div>
      </section>
    );
  }
  if (id && !view && id !== created.current) return <section className="chat-pane"><div className="loading">Loading…</div></section>;

  const shown = pending ? pending.base : view?.messages ?? [];
  const empty = shown.length === 0 && !pending;
  return (
    <section className="chat-pane" aria-label="Conversation">
      <header className="chat-head">
        <button type="button" className="chat-sidebar-toggle" onClick={onToggleSidebar}>Chats</button>
        <h1 className="chat-title" title={title ?? view?.title}>{title ?? view?.title ?? "New chat"}</h1>
        <ModelPicker models={models.data} value={settings.model} onChange={changeModel} disabled={!!pending} />
        <button type="button" className={showSettings ? "icon chat-settings-toggle active" : "icon chat-settings-toggle"} aria-expanded={showSettings} onClick={() => setShowSettings(!showSettings)}>Settings</button>
        {view && (
          <span className="chat-head-actions">
            <details className="chat-menu">
              <summary className="icon">Export</summary>
              <div className="chat-menu-items card">
                <button type="button" className="icon" onClick={(e) => { closeMenu(e.currentTarget); doExport("md"); }}>Export Markdown</button>
                <button type="button" className="icon" onClick={(e) => { closeMenu(e.currentTarget); doExport("json"); }}>Export JSON</button>
              </div>
            </details>
            <button type="button" className="icon" disabled={!!pending} onClick={shareConversation}>Share conversation</button>
          </span>
        )}
      </header>
      {showSettings && <SettingsPanel settings={settings} models={models.data ?? []} defaults={models.data?.find((m) => m.name === settings.model)?.defaults} onChange={setSettings} onCommit={(s) => void save(s)} />}
      <ErrorText error={models.error} />
      <div className="chat-thread" ref={threadRef} onScroll={onScroll}>
        <div className="chat-thread-inner">
          {empty && (
            <div className="chat-empty">
              <h2>What can I help with?</h2>
              <p className="muted">Answers come from {settings.model ? <strong>{settings.model}</strong> : "the model you pick"}, on this organisation's own server.</p>
            </div>
          )}
          <MessageList messages={naiveRendering ? [...shown] : shown} busy={!!pending} actions={actions} />
          {pending?.userText != null && (
            <article className="chat-msg chat-user" aria-label="You"><div className="chat-bubble">{pending.userText}</div></article>
          )}
          {pending && <StreamingAnswer buffer={pending.buffer} stopped={pending.stopped} follow={follow} />}
          <ErrorText error={error} />
          {note && <p role="status" className="muted">{note}</p>}
        </div>
      </div>
      <div className="chat-bottom">
        <Composer initial={initialPrompt} busy={!!pending && !pending.stopped} disabled={!!pending || !settings.model} onSend={send} onStop={stop} />
        <p className="chat-hint muted">Enter sends · Shift+Enter new line · Esc stops · Ctrl+Shift+O new chat · Ctrl+K search</p>
      </div>
    </section>
  );
}

function ModelPicker({ models, value, onChange, disabled }: { models: ModelInfo[] | undefined; value: string; onChange(m: string): void; disabled: boolean }) {
  const names = models?.map((m) => m.name) ?? [];
  return (
    <label className="chat-model">
      <span className="chat-sr-only">Model</span>
      <select value={value} disabled={disabled || !models} onChange={(e) => onChange(e.target.value)}>
        {!models && <option value={value}>{value || "Loading models…"}</option>}
        {models && value && !names.includes(value) && <option value={value}>{value} (unavailable)</option>}
        {models && models.length === 0 && <option value="">No models installed</option>}
        {models?.map((m) => <option key={m.name} value={m.name}>{m.name}{m.kind === "upstream" ? " (upstream)" : ""}</option>)}
      </select>
    </label>
  );
}
