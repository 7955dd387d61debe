/** The Admin area: users and invites, and the private feedback log with its JSONL export. */
import type { PageRoute } from "../../routes.ts";
import { FeedbackPage } from "./FeedbackPage.tsx";
import { UsersPage } from "./UsersPage.tsx";

export const adminRoutes: PageRoute[] = [
  { path: "/admin", element: <UsersPage />, nav: { label: "Admin", to: "/admin", order: 90 }, adminOnly: true },
  { path: "/admin/feedback", element: <FeedbackPage />, adminOnly: true },
];
