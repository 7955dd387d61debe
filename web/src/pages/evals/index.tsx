/** The Evals area's pages (placeholder until the area is built). */
import type { PageRoute } from "../../routes.ts";

export const evalRoutes: PageRoute[] = [
  { path: "/evals", element: <div className="page"><h1>Evals</h1><p className="muted">Coming soon.</p></div>, nav: { label: "Evals", to: "/evals", order: 40 } },
];
