/** The Admin area's pages (placeholder until the area is built). */
import type { PageRoute } from "../../routes.ts";

export const adminRoutes: PageRoute[] = [
  { path: "/admin", element: <div className="page"><h1>Admin</h1><p className="muted">Coming soon.</p></div>, nav: { label: "Admin", to: "/admin", order: 90 }, adminOnly: true },
];
