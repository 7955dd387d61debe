export interface Conversation {
  id: string;
  ownerId: string;
  title: string;
  model: string;
  systemPrompt: string | null;
  params: ChatParams;
  currentLeaf: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ChatParams {
  temperature?: number; maxTokens?: number; topP?: number; seed?: number;
  /** A smaller local model that drafts the answers (speculative decoding, runtime/draft.ts). */
  draftModel?: string;
}

export interface Message {
  id: string;
  conversationId: string;
  parentId: string | null;
  role: "user" | "assistant";
  content: string;
  reasoning: string | null;
  model: string | null;
  params: ChatParams;
  stopped: boolean;
  /** Why generating this answer failed (content holds any text streamed before); null otherwise. */
  error: string | null;
  createdAt: Date;
}
