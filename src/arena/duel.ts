/**
 * One turn of a battle: both sides answer at the same time, each streaming its own deltas. A
 * side that fails does not stop the other (its answer stays empty and the vote will not count);
 * the shared signal (the voter left) stops both, keeping what each had written.
 */
import type { Backend } from "../gateway/types.ts";
import type { ChatMessage } from "../runtime/types.ts";
import type { ArenaParams } from "./config.ts";
import type { Side, SideAnswer } from "./votes.ts";
import { storableText } from "../store/repos/columns.ts"; // streamed and stored text stay equal

export interface DuelSide { backend: Backend; history: ChatMessage[] }

export interface DuelEvents {
  onDelta?(side: Side, text: string): void;
  /** Once per side, when its answer is complete, stopped or failed. */
  onSideDone?(side: Side, answer: SideAnswer): void;
}

export async function duel(
  sides: Record<Side, DuelSide>, params: ArenaParams, events: DuelEvents, signal?: AbortSignal,
): Promise<Record<Side, SideAnswer>> {
  const run = async (side: Side): Promise<SideAnswer> => {
    const { backend, history } = sides[side];
    const start = performance.now();
    let first: number | null = null, text = "";
    let answer: SideAnswer;
    try {
      const r = await backend.chat(history, {
        ...params, signal,
        onDelta: (d) => {
          if (!d.text) return;
          first ??= performance.now();
          const piece = storableText(d.text);
          text += piece;
          events.onDelta?.(side, piece);
        },
      });
      const stopped = r.finishReason === "cancelled";
      answer = { text: stopped ? text : storableText(r.text), stopped, timing: timing(start, first, r.usage.completionTokens, r.usage.promptTokens) };
    } catch (err) {
      answer = signal?.aborted
        ? { text, stopped: true, timing: timing(start, first, 0, 0) }
        : { text, stopped: false, error: (err as Error).message || "generation failed", timing: timing(start, first, 0, 0) };
    }
    events.onSideDone?.(side, answer);
    return answer;
  };
  const [a, b] = await Promise.all([run("a"), run("b")]);
  return { a, b };
}


function timing(start: number, first: number | null, tokens: number, promptTokens: number) {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { ttftMs: first === null ? null : round(first - start), durationMs: round(performance.now() - start), tokens, promptTokens };
}
