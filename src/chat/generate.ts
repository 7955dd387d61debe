/**
 * Runs one assistant turn on a resolved backend and stores it, even when the client stops it
 * midway or it fails: a failed answer keeps its partial text and the error, so the branch still
 * ends in an answer and the user can send on, regenerate or edit.
 */
import { FreeholdError } from "../errors.ts";
import { chatWithinContext } from "../gateway/fitContext.ts";
import type { Backend } from "../gateway/types.ts";
import type { ChatMessage } from "../runtime/types.ts";
import type { ChatRepo } from "./repo.ts";
import { contextOf, pathTo } from "./tree.ts";
import type { ChatParams, Conversation, Message } from "./types.ts";

export interface StreamOpts {
  onDelta?: (d: { delta?: string; reasoning?: string }) => void;
  signal?: AbortSignal;
}

export async function generateReply(
  repo: ChatRepo, backend: Backend, conv: Conversation, parent: Message,
  model: string, params: ChatParams, opts: StreamOpts,
): Promise<Message> {
  const all = await repo.messages(conv.id);
  const history: ChatMessage[] = contextOf(pathTo(all, parent.id)).map((m) => ({ role: m.role, content: m.content }));
  if (conv.systemPrompt) history.unshift({ role: "system", content: conv.systemPrompt });
  let text = "", reasoning = "";
  let stopped = false, failed = false, failure: unknown;
  try {
    const r = await chatWithinContext(backend, history, {
      ...params, signal: opts.signal,
      cacheScope: `user:${conv.ownerId}`, // the next turn reuses this one's evaluated tokens
      onDelta: (d) => {
        if (d.text) { text += d.text; opts.onDelta?.({ delta: d.text }); }
        if (d.reasoning) { reasoning += d.reasoning; opts.onDelta?.({ reasoning: d.reasoning }); }
      },
    });
    stopped = r.finishReason === "cancelled";
    if (!stopped) { text = r.text; reasoning = r.reasoning ?? reasoning; }
  } catch (err) {
    if (opts.signal?.aborted) stopped = true; // keep what was generated before the stop
    else { failed = true; failure = err; }
  }
  const msg = await repo.addMessage({
    conversationId: conv.id, parentId: parent.id, role: "assistant", content: text,
    reasoning: reasoning || null, model, params, stopped,
    error: !failed ? null : failure instanceof FreeholdError ? failure.message : "internal error",
  });
  await repo.setLeaf(conv.id, msg.id);
  if (failed) throw failure; // the caller still reports it (status, or the stream's error event)
  return msg;
}
