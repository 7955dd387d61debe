/** Runs one assistant turn on a resolved backend and stores it, even when the client stops it midway. */
import type { Backend } from "../gateway/types.ts";
import type { ChatMessage } from "../runtime/types.ts";
import type { ChatRepo } from "./repo.ts";
import { pathTo } from "./tree.ts";
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
  const history: ChatMessage[] = pathTo(all, parent.id).map((m) => ({ role: m.role, content: m.content }));
  if (conv.systemPrompt) history.unshift({ role: "system", content: conv.systemPrompt });
  let text = "", reasoning = "";
  let stopped = false;
  try {
    const r = await backend.chat(history, {
      ...params, signal: opts.signal,
      onDelta: (d) => {
        if (d.text) { text += d.text; opts.onDelta?.({ delta: d.text }); }
        if (d.reasoning) { reasoning += d.reasoning; opts.onDelta?.({ reasoning: d.reasoning }); }
      },
    });
    stopped = r.finishReason === "cancelled";
    if (!stopped) { text = r.text; reasoning = r.reasoning ?? reasoning; }
  } catch (err) {
    if (!opts.signal?.aborted) throw err;
    stopped = true; // keep what was generated before the stop
  }
  const msg = await repo.addMessage({
    conversationId: conv.id, parentId: parent.id, role: "assistant", content: text,
    reasoning: reasoning || null, model, params, stopped,
  });
  await repo.setLeaf(conv.id, msg.id);
  return msg;
}
