/** The Discover area: what people in the organisation shared from their chats. */
import type { PageRoute } from "../../routes.ts";
import { FeedPage } from "./FeedPage.tsx";

export const feedRoutes: PageRoute[] = [
  { path: "/feed", element: <FeedPage />, nav: { label: "Discover", to: "/feed", order: 15 } },
];
