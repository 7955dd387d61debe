import { readFileSync, writeFileSync } from "node:fs";
import { InvalidArgumentError, type Command } from "commander";
import type { App } from "../../app.ts";
import type { LeaderboardRow } from "../../arena/leaderboard.ts";
import { withAppOrServer } from "../context.ts";
import { integer } from "../options.ts";
import { printTable } from "./models.ts";

const arenaOf = async (app: App) => (await import("../../arena/index.ts")).arenaOf(app);
/** Through the server's /v1/arena while it holds the embedded database. */
const remote = () => import("../remoteArena.ts");

const fmt = (v: number | null) => (v == null ? "-" : v.toFixed(0));

/** "Q4_K_M 1a2b3c4d" for a recorded variant: enough to tell two variants of one model apart. */
const variantLabel = (r: LeaderboardRow) => {
  const v = r.variant;
  if (!v) return "-";
  return [v.quantization, v.kind === "upstream" ? "upstream" : null, v.id].filter(Boolean).join(" ");
};

function date(v: string): Date {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError(`not a date: ${v} (use 2025-01-31 or an ISO timestamp)`);
  return d;
}

/** arena leaderboard | import | export: the blind-vote leaderboard and its FastChat-format votes. */
export function registerArena(program: Command) {
  const arena = program.command("arena").description("blind pairwise battles and the Bradley-Terry leaderboard");

  arena.command("leaderboard").description("ratings with 95% bootstrap CIs; every model variant that ever got a vote is listed")
    .option("--style-control", "remove the effect of answer length and markdown")
    .option("--category <c>", "only battles in this category (coding, maths, writing, other)")
    .option("--from <date>", "only battles from this date or time on", date)
    .option("--to <date>", "only battles before this date or time", date)
    .option("--rounds <n>", "bootstrap rounds", integer(1), 200)
    .option("--json", "machine-readable output")
    .action(async (o: { styleControl?: boolean; category?: string; from?: Date; to?: Date; rounds: number; json?: boolean }, cmd: Command) => {
      const opts = { styleControl: o.styleControl, category: o.category, from: o.from, to: o.to, rounds: o.rounds };
      const board = await withAppOrServer(cmd, async (app) => (await arenaOf(app)).leaderboard(opts), async (server) => (await remote()).remoteLeaderboard(server, opts));
      if (o.json) return console.log(JSON.stringify(board, null, 2));
      if (!board.rows.length) return console.log("no battles yet");
      const variants = board.rows.some((r) => r.variant);
      // Models in different groups never met, directly or through others: ranks restart per group.
      const groups = board.rows.some((r) => (r.group ?? 1) > 1);
      printTable([...(groups ? ["GROUP"] : []), "RANK", "MODEL", ...(variants ? ["VARIANT"] : []), "RATING", "95% CI", "VOTES", ""], board.rows.map((r) => [
        ...(groups ? [r.group == null ? "-" : String(r.group)] : []),
        r.rank == null ? "-" : String(r.rank), r.model, ...(variants ? [variantLabel(r)] : []), fmt(r.rating),
        r.ciLow == null ? "-" : `${fmt(r.ciLow)}..${fmt(r.ciHigh)}`, String(r.votes), r.provisional && r.votes > 0 ? "provisional" : "",
      ]));
      if (groups) console.log("ratings in different groups are not comparable: those models were never compared, even indirectly");
      if (board.style) console.log(`style coefficients: ${Object.entries(board.style).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(", ")}`);
    });

  arena.command("import <file>").description("import votes from FastChat battle-log JSONL (all or nothing)")
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const text = readFileSync(file, "utf8");
      const { imported, skipped } = await withAppOrServer(cmd, async (app) => (await arenaOf(app)).importFastChat(text),
        async (server) => (await remote()).remoteImportBattles(server, text));
      console.log(`imported ${imported} battle(s)${skipped ? `; skipped ${skipped} already imported (same question_id)` : ""}`);
    });

  arena.command("export [file]").description("export voted battles as FastChat battle-log JSONL (stdout by default)")
    .action(async (file: string | undefined, _o: unknown, cmd: Command) => {
      const lines = await withAppOrServer(cmd, async (app) => (await arenaOf(app)).exportLines(), async (server) => (await remote()).remoteExportBattles(server));
      const text = lines.length ? `${lines.join("\n")}\n` : "";
      if (file) { writeFileSync(file, text); console.error(`exported ${lines.length} battle(s) to ${file}`); }
      else process.stdout.write(text);
    });
}
