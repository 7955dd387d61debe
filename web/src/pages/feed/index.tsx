/** The Discover area's pages (placeholder until the area is built). */
import type { PageRoute } from "../../routes.ts";

export const feedRoutes: PageRoute[] = [
  { path: "/feed", element: <div className="page"><h1>Discover</h1><p className="muted">Coming soon.</p></div>, nav: { label: "Discover", to: "/feed", order: 15 } },
];
