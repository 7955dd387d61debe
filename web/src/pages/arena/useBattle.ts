/**
 * One battle's state in the page: start, follow up, stop, vote. Deltas are buffered and flushed
 * once per animation frame, so a fast stream does not re-render per token.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { api, stream } from "../../lib/api.ts";
import type { Answer, ArenaEvent, Battle, Choice, Side } from "./types.ts";

export interface LiveTurn { prompt: string; a: Answer & { done: boolean }; b: Answer & { done: boolean } }
export type PoolKind = "" | "local" | "upstream";

const blank = () => ({ text: "", stopped: false, failed: false, done: false });

export function useBattle() {
  const [battle, setBattle] = useState<Battle | null>(null);
  const [live, setLive] = useState<LiveTurn | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const abort = useRef<AbortController | null>(null);
  const pending = useRef<Record<Side, string>>({ a: "", b: "" });
  const frame = useRef(0);

  const flush = useCallback(() => {
    frame.current = 0;
    const { a, b } = pending.current;
    if (!a && !b) return;
    pending.current = { a: "", b: "" };
    setLive((t) => t && { ...t, a: { ...t.a, text: t.a.text + a }, b: { ...t.b, text: t.b.text + b } });
  }, []);

  useEffect(() => () => { abort.current?.abort(); cancelAnimationFrame(frame.current); }, []);

  const run = useCallback(async (path: string, body: unknown, prompt: string, onBattle?: (b: Battle) => void) => {
    const ctl = new AbortController();
    abort.current = ctl;
    pending.current = { a: "", b: "" };
    setBusy(true);
    setError(undefined);
    setLive({ prompt, a: blank(), b: blank() });
    try {
      for await (const ev of stream<ArenaEvent>(path, body, ctl.signal)) {
        if (ev.type === "battle") { setBattle(ev.battle); onBattle?.(ev.battle); }
        else if (ev.type === "delta") {
          pending.current[ev.side] += ev.text;
          frame.current ||= requestAnimationFrame(flush);
        } else if (ev.type === "side_done") {
          flush();
          setLive((t) => t && { ...t, [ev.side]: { ...t[ev.side], stopped: ev.stopped, failed: ev.failed, done: true } });
        } else if (ev.type === "done") {
          flush();
          setBattle(ev.battle);
          setLive(null);
        } else if (ev.type === "error") throw new Error(ev.error);
      }
    } catch (err) {
      if (!ctl.signal.aborted) setError(err);
    } finally {
      if (abort.current === ctl) abort.current = null;
      setBusy(false);
    }
  }, [flush]);

  const start = useCallback((prompt: string, kind: PoolKind, onBattle?: (b: Battle) => void) =>
    run("/arena/battles", { prompt, ...(kind ? { pool: { kind } } : {}) }, prompt, onBattle), [run]);

  const followUp = useCallback((prompt: string) => {
    if (battle) return run(`/arena/battles/${battle.id}/turns`, { prompt }, prompt);
  }, [battle, run]);

  /** Stops both answers; the server keeps what they wrote, which is shown once stored. */
  const stop = useCallback(async () => {
    abort.current?.abort();
    flush();
    setLive((t) => t && { ...t, a: { ...t.a, stopped: !t.a.done, done: true }, b: { ...t.b, stopped: !t.b.done, done: true } });
    if (!battle) return;
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 150));
      const b = (await api<{ battle: Battle }>("GET", `/arena/battles/${battle.id}`)).battle;
      if (b.turns.length > battle.turns.length) { setBattle(b); setLive(null); return; }
    }
  }, [battle, flush]);

  const vote = useCallback(async (choice: Choice) => {
    if (!battle) return;
    setError(undefined);
    try {
      setBattle((await api<{ battle: Battle }>("POST", `/arena/battles/${battle.id}/vote`, { winner: choice })).battle);
    } catch (err) { setError(err); }
  }, [battle]);

  const load = useCallback(async (id: string) => {
    setError(undefined);
    try { setBattle((await api<{ battle: Battle }>("GET", `/arena/battles/${id}`)).battle); } catch (err) { setError(err); }
  }, []);

  const reset = useCallback(() => {
    abort.current?.abort();
    setBattle(null); setLive(null); setError(undefined);
  }, []);

  return { battle, setBattle, live, busy, error, start, followUp, stop, vote, load, reset };
}
