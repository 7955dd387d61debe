/**
 * Every page the app has, gathered from each area's index (pages/<area>/index.tsx exports a
 * PageRoute list). To add a page, add it to its area's list; the nav is built from `nav`.
 */
import type { ReactNode } from "react";
import { adminRoutes } from "./pages/admin/index.tsx";
import { arenaRoutes } from "./pages/arena/index.tsx";
import { chatRoutes } from "./pages/chat/index.tsx";
import { evalRoutes } from "./pages/evals/index.tsx";
import { feedRoutes } from "./pages/feed/index.tsx";

export interface PageRoute {
  /** react-router path, e.g. "/chat/:id?" */
  path: string;
  element: ReactNode;
  /** Shown in the navigation when set; lower order first. */
  nav?: { label: string; to: string; order: number };
  adminOnly?: boolean;
}

export const pageRoutes: PageRoute[] = [...chatRoutes, ...arenaRoutes, ...feedRoutes, ...evalRoutes, ...adminRoutes];
