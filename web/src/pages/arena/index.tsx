/** The Arena area: blind battles between two models, and the leaderboard their votes build. */
import type { PageRoute } from "../../routes.ts";
import { ArenaPage } from "./ArenaPage.tsx";
import { LeaderboardPage } from "./LeaderboardPage.tsx";

export const arenaRoutes: PageRoute[] = [
  { path: "/arena/:id?", element: <ArenaPage />, nav: { label: "Arena", to: "/arena", order: 20 } },
  { path: "/leaderboard", element: <LeaderboardPage />, nav: { label: "Leaderboard", to: "/leaderboard", order: 21 } },
];
