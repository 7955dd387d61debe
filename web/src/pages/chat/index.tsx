/** The Chat area's pages (placeholder until the area is built). */
import type { PageRoute } from "../../routes.ts";

export const chatRoutes: PageRoute[] = [
  { path: "/chat", element: <div className="page"><h1>Chat</h1><p className="muted">Coming soon.</p></div>, nav: { label: "Chat", to: "/chat", order: 10 } },
];
