/** The Evals area: suites, runs over several models, and the comparison of their scores. */
import type { PageRoute } from "../../routes.ts";
import { EvalsPage } from "./EvalsPage.tsx";
import { RunPage } from "./RunPage.tsx";

export const evalRoutes: PageRoute[] = [
  { path: "/evals", element: <EvalsPage />, nav: { label: "Evals", to: "/evals", order: 40 } },
  { path: "/evals/runs/:id", element: <RunPage /> },
];
