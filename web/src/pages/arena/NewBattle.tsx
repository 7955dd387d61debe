/**
 * The prompt for a new battle: typed, or picked from what people shared in Discover. The pool
 * can be narrowed by kind only: listing model names here would unblind the battle.
 */
import { useState } from "react";
import { api } from "../../lib/api.ts";
import { useAsync } from "../../lib/useAsync.ts";
import type { PoolKind } from "./useBattle.ts";

interface FeedItem { id: string; messages: { role: string; content: string }[] }

const excerpt = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}…` : s);

export function NewBattle({ onStart, busy }: { onStart: (prompt: string, kind: PoolKind) => void; busy: boolean }) {
  const [prompt, setPrompt] = useState("");
  const [kind, setKind] = useState<PoolKind>("");
  const feed = useAsync(() => api<{ items: FeedItem[] }>("GET", "/feed?sort=top"), []);
  const prompts = [...new Set((feed.data?.items ?? []).map((i) => i.messages.find((m) => m.role === "user")?.content ?? "").filter(Boolean))];
  const submit = () => { if (prompt.trim()) onStart(prompt, kind); };
  return (
    <form className="card stack arena-new" onSubmit={(e) => { e.preventDefault(); submit(); }}>
      <label>
        Prompt
        <textarea rows={3} value={prompt} placeholder="Ask anything; two anonymous models will answer"
          onChange={(e) => setPrompt(e.target.value)}
          onKeyDown={(e) => { if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) { e.preventDefault(); submit(); } }} />
      </label>
      <div className="row arena-new-options">
        {prompts.length ? (
          <label className="arena-pick">
            Or pick a shared prompt
            <select value="" onChange={(e) => e.target.value && setPrompt(e.target.value)}>
              <option value="">From Discover…</option>
              {prompts.slice(0, 30).map((p) => <option key={p} value={p}>{excerpt(p)}</option>)}
            </select>
          </label>
        ) : null}
        <label>
          Models
          <select value={kind} onChange={(e) => setKind(e.target.value as PoolKind)}>
            <option value="">All models</option>
            <option value="local">Only local models</option>
            <option value="upstream">Only upstream models</option>
          </select>
        </label>
        <span className="arena-spacer" />
        <button type="submit" className="primary" disabled={busy || !prompt.trim()}>Start battle</button>
      </div>
    </form>
  );
}
