/**
 * The text of an answer while it streams, outside React state: deltas are appended to a buffer
 * and published at most once per animation frame, and only the streaming answer subscribes
 * (useSyncExternalStore), so a token never re-renders the conversation around it.
 */
import { useSyncExternalStore } from "react";

export interface StreamSnapshot { text: string; reasoning: string }

export class StreamBuffer {
  private snap: StreamSnapshot = { text: "", reasoning: "" };
  private text = "";
  private reasoning = "";
  private frame = 0;
  private readonly listeners = new Set<() => void>();

  /** Publishes every delta at once instead of once per frame (the naive baseline of bench/webRender.ts). */
  constructor(private readonly perDelta = false) {}

  push(d: { delta?: string; reasoning?: string }): void {
    if (d.delta) this.text += d.delta;
    if (d.reasoning) this.reasoning += d.reasoning;
    if (this.perDelta) this.flush();
    else if (!this.frame) this.frame = requestAnimationFrame(this.flush);
  }

  /** Publishes what has arrived (also called when the stream ends, so nothing waits for a frame). */
  readonly flush = (): void => {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    if (this.text === this.snap.text && this.reasoning === this.snap.reasoning) return;
    this.snap = { text: this.text, reasoning: this.reasoning };
    for (const l of this.listeners) l();
  };

  get current(): StreamSnapshot {
    return { text: this.text, reasoning: this.reasoning };
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): StreamSnapshot => this.snap;

  dispose(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.listeners.clear();
  }
}

export function useStream(buffer: StreamBuffer): StreamSnapshot {
  return useSyncExternalStore(buffer.subscribe, buffer.getSnapshot);
}
