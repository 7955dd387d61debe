import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { parseFastChat, toFastChat } from "../../arena/fastchat.ts";
import { leaderboard } from "../../arena/leaderboard.ts";
import { BattlesRepo } from "../../arena/votes.ts";
import { withApp } from "../context.ts";
import { printTable } from "./models.ts";

const fmt = (v: number | null) => (v == null ? "-" : v.toFixed(0));

/** arena leaderboard | import | export: the blind-vote leaderboard and its FastChat-format votes. */
export function registerArena(program: Command) {
  const arena = program.command("arena").description("blind pairwise battles and the Bradley-Terry leaderboard");

  arena.command("leaderboard").description("ratings with 95% bootstrap CIs; every model that ever battled is listed")
    .option("--style-control", "remove the effect of answer length and markdown")
    .option("--category <c>", "only battles in this category")
    .option("--rounds <n>", "bootstrap rounds", (v) => Math.max(1, Number(v) || 0), 200)
    .option("--json", "machine-readable output")
    .action(async (o: { styleControl?: boolean; category?: string; rounds: number; json?: boolean }, cmd: Command) =>
      withApp(cmd, async (app) => {
        const board = await leaderboard(app.db, { styleControl: o.styleControl, category: o.category, rounds: o.rounds });
        if (o.json) return console.log(JSON.stringify(board, null, 2));
        if (!board.rows.length) return console.log("no battles yet");
        printTable(["RANK", "MODEL", "RATING", "95% CI", "VOTES"], board.rows.map((r) => [
          r.rank == null ? "-" : String(r.rank), r.model, fmt(r.rating),
          r.ciLow == null ? "-" : `${fmt(r.ciLow)}..${fmt(r.ciHigh)}`, String(r.votes),
        ]));
        if (board.style) console.log(`style coefficients: ${Object.entries(board.style).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(", ")}`);
      }));

  arena.command("import <file>").description("import votes from FastChat battle-log JSONL (all or nothing)")
    .action(async (file: string, _o: unknown, cmd: Command) => withApp(cmd, async (app) => {
      const battles = parseFastChat(readFileSync(file, "utf8"));
      await app.db.transaction(async (tx) => {
        const repo = new BattlesRepo(tx);
        for (const b of battles) await repo.insert(b);
      });
      console.log(`imported ${battles.length} battle(s)`);
    }));

  arena.command("export [file]").description("export votes as FastChat battle-log JSONL (stdout by default)")
    .action(async (file: string | undefined, _o: unknown, cmd: Command) => withApp(cmd, async (app) => {
      const lines = (await new BattlesRepo(app.db).list()).map(toFastChat);
      const text = lines.length ? `${lines.join("\n")}\n` : "";
      if (file) { writeFileSync(file, text); console.error(`exported ${lines.length} battle(s) to ${file}`); }
      else process.stdout.write(text);
    }));
}
