/** What the chat API returns (src/api/app/conversations.ts); dates arrive as ISO strings. */
import type { Thumbs } from "../../../../src/chat/feedbackKinds.ts";

export interface ChatParams { temperature?: number; maxTokens?: number; topP?: number; seed?: number; draftModel?: string }

export interface ConversationSummary {
  id: string;
  title: string;
  model: string;
  systemPrompt: string | null;
  params: ChatParams;
  currentLeaf: string | null;
  updatedAt: string;
}

export interface ChatMessage {
  id: string;
  parentId: string | null;
  role: "user" | "assistant";
  content: string;
  reasoning: string | null;
  model: string | null;
  params: ChatParams;
  stopped: boolean;
  /** Why generating this answer failed (content holds any text streamed before); regenerate or edit to retry. */
  error: string | null;
  /** Every message sharing this one's parent, itself included, oldest first. */
  siblingIds: string[];
  /** The owner's latest thumbs on an answer. */
  thumbs: Thumbs | null;
}

export interface ConversationView extends ConversationSummary {
  messages: ChatMessage[];
}

/** Server-sent events of a streamed answer. */
export type StreamEvent =
  | { delta: string }
  | { reasoning: string }
  | { done: true; message: ChatMessage; userMessage?: ChatMessage }
  | { error: string };
