/** The Chat area: conversations with streaming answers, alternatives, branches, feedback and sharing. */
import type { PageRoute } from "../../routes.ts";
import { ChatPage } from "./ChatPage.tsx";

export const chatRoutes: PageRoute[] = [
  { path: "/chat/:id?", element: <ChatPage />, nav: { label: "Chat", to: "/chat", order: 10 } },
];
