/** The Chat area's calls to /app/api (src/api/app/conversations.ts, feedback.ts, shares.ts). */
import type { FeedbackKind } from "../../../../src/chat/feedbackKinds.ts";
import { api, download, stream } from "../../lib/api.ts";
import type { ChatParams, ConversationSummary, ConversationView, StreamEvent } from "./types.ts";

export const listConversations = async (q = "") =>
  (await api<{ conversations: ConversationSummary[] }>("GET", `/conversations${q ? `?q=${encodeURIComponent(q)}` : ""}`)).conversations;

export const createConversation = async (c: { title: string; model: string; systemPrompt: string | null; params: ChatParams }) =>
  (await api<{ conversation: ConversationSummary }>("POST", "/conversations", c)).conversation;

export const getConversation = async (id: string, signal?: AbortSignal) =>
  (await api<{ conversation: ConversationView }>("GET", `/conversations/${id}`, undefined, signal)).conversation;

export const patchConversation = async (id: string, p: { title?: string; model?: string; systemPrompt?: string | null; params?: ChatParams }) =>
  (await api<{ conversation: ConversationSummary }>("PATCH", `/conversations/${id}`, p)).conversation;

export const deleteConversation = (id: string) => api<void>("DELETE", `/conversations/${id}`);

/** Makes this message's branch the active one; returns the new view. */
export const selectMessage = async (id: string) =>
  (await api<{ conversation: ConversationView }>("POST", `/messages/${id}/select`, {})).conversation;

export const sendMessage = (convId: string, body: { content: string; parentId?: string | null; model?: string; params?: ChatParams }, signal: AbortSignal) =>
  stream<StreamEvent>(`/conversations/${convId}/messages`, body, signal);

export const regenerateMessage = (messageId: string, body: { model?: string; params?: ChatParams }, signal: AbortSignal) =>
  stream<StreamEvent>(`/messages/${messageId}/regenerate`, body, signal);

export const sendFeedback = (messageId: string, kind: FeedbackKind, extra: { reasons?: string[]; comment?: string | null } = {}) =>
  api("POST", `/messages/${messageId}/feedback`, { kind, ...extra });

export const share = async (target: { messageId: string } | { conversationId: string }) =>
  (await api<{ share: { id: string } }>("POST", "/shares", target)).share;

export const unshare = (id: string) => api<void>("DELETE", `/shares/${id}`);

export const exportConversation = (id: string, title: string, format: "md" | "json") =>
  download(`/conversations/${id}/export?format=${format}`, `${title.replace(/[^\w .-]+/g, "_").slice(0, 80) || "conversation"}.${format}`);
