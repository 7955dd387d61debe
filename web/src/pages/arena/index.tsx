/** The Arena area's pages (placeholder until the area is built). */
import type { PageRoute } from "../../routes.ts";

export const arenaRoutes: PageRoute[] = [
  { path: "/arena", element: <div className="page"><h1>Arena</h1><p className="muted">Coming soon.</p></div>, nav: { label: "Arena", to: "/arena", order: 20 } },
];
