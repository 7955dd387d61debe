/** A feed item as GET /app/api/feed returns it (src/chat/shares.ts FeedItem, dates as strings). */
export interface FeedMessage { role: "user" | "assistant"; content: string; model: string | null }

export interface FeedItem {
  id: string;
  ownerId: string;
  authorName: string;
  messageId: string | null;
  conversationId: string | null;
  createdAt: string;
  likes: number;
  likedByMe: boolean;
  messages: FeedMessage[];
}

export type FeedSort = "new" | "top";
