/** Conversations as message trees, owner-checked: another user's ids are simply "not found". */
import { invalid, notFound } from "../errors.ts";
import type { Gateway } from "../gateway/gateway.ts";
import type { FeedbackRepo } from "./feedback.ts";
import { generateReply, type StreamOpts } from "./generate.ts";
import type { ChatRepo } from "./repo.ts";
import { latestLeafUnder, pathTo, withSiblings } from "./tree.ts";
import type { ChatParams, Conversation, Message } from "./types.ts";

export interface SendInput { content: string; parentId?: string | null; model?: string; params?: ChatParams }

export class ChatService {
  constructor(readonly repo: ChatRepo, private readonly feedback: FeedbackRepo, private readonly gateway: Pick<Gateway, "resolve">) {}

  async conversation(ownerId: string, id: string): Promise<Conversation> {
    const c = await this.repo.get(ownerId, id);
    if (!c) throw notFound("conversation not found");
    return c;
  }

  async message(ownerId: string, id: string): Promise<Message> {
    const m = await this.repo.message(ownerId, id);
    if (!m) throw notFound("message not found");
    return m;
  }

  /** The conversation with its active branch; each message lists its alternatives and the owner's latest thumbs. */
  async view(ownerId: string, id: string) {
    const c = await this.conversation(ownerId, id);
    const all = await this.repo.messages(c.id);
    const branch = withSiblings(all, pathTo(all, c.currentLeaf));
    const thumbs = await this.feedback.latestThumbs(ownerId, branch.filter((m) => m.role === "assistant").map((m) => m.id));
    return { ...c, messages: branch.map((m) => ({ ...m, thumbs: thumbs.get(m.id) ?? null })) };
  }

  /** Makes `messageId`'s branch the active one (switching between alternatives). */
  async switchTo(ownerId: string, messageId: string) {
    const m = await this.message(ownerId, messageId);
    await this.repo.setLeaf(m.conversationId, latestLeafUnder(await this.repo.messages(m.conversationId), m.id));
    return this.view(ownerId, m.conversationId);
  }

  /** Adds a user message under `parentId` (else the current leaf) and streams the answer. An explicit parentId that already
   *  has a prompt under it starts a new branch: recorded as an edit of that prompt. */
  async send(userId: string, convId: string, input: SendInput, opts: StreamOpts): Promise<{ user: Message; assistant: Message }> {
    const c = await this.conversation(userId, convId);
    const parentId = input.parentId === undefined ? c.currentLeaf : input.parentId;
    const all = await this.repo.messages(c.id);
    const parent = parentId === null ? undefined : all.find((m) => m.id === parentId);
    if (parentId !== null && !parent) throw notFound("parent message not found");
    // Turns alternate: a prompt follows an answer (or starts the conversation).
    if (parent && parent.role !== "assistant") throw invalid("parentId must be an assistant message, or null to start over");
    const model = input.model ?? c.model;
    const params = { ...c.params, ...input.params };
    const edited = input.parentId !== undefined ? all.filter((m) => m.parentId === parentId && m.role === "user").at(-1) : undefined;
    const backend = await this.gateway.resolve(model); // an unknown model fails before anything is stored
    const user = await this.repo.addMessage({ conversationId: c.id, parentId, role: "user", content: input.content, model, params });
    await this.repo.setLeaf(c.id, user.id);
    if (edited) await this.feedback.record({ userId, messageId: edited.id, model, params, kind: "edit" });
    const assistant = await generateReply(this.repo, backend, c, user, model, params, opts);
    return { user, assistant };
  }

  /** A new sibling answer to the same prompt; the old one stays as an alternative. */
  async regenerate(userId: string, messageId: string, input: { model?: string; params?: ChatParams }, opts: StreamOpts): Promise<Message> {
    const old = await this.message(userId, messageId);
    if (old.role !== "assistant" || !old.parentId) throw invalid("only an assistant answer can be regenerated");
    const c = await this.conversation(userId, old.conversationId);
    const parent = await this.message(userId, old.parentId);
    const model = input.model ?? old.model ?? c.model;
    const backend = await this.gateway.resolve(model);
    await this.feedback.record({ userId, messageId: old.id, model: old.model, params: old.params, kind: "regenerate" });
    return generateReply(this.repo, backend, c, parent, model, { ...old.params, ...input.params }, opts);
  }

  /** Markdown or JSON of the active branch. */
  async export(ownerId: string, id: string, format: "md" | "json"): Promise<string> {
    const v = await this.view(ownerId, id);
    if (format === "json") return JSON.stringify(v, null, 2);
    const parts = [`# ${v.title}`, `Model: ${v.model}`];
    if (v.systemPrompt) parts.push(`**System:** ${v.systemPrompt}`);
    for (const m of v.messages) {
      const notes = `${m.stopped ? "\n\n_(stopped)_" : ""}${m.error ? `\n\n_(failed: ${m.error})_` : ""}`;
      parts.push(`## ${m.role === "user" ? "User" : `Assistant (${m.model})`}\n\n${m.content}${notes}`);
    }
    return parts.join("\n\n") + "\n";
  }
}
