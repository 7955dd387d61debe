import type { Command } from "commander";
import { invalid } from "../../errors.ts";
import { withAppOrServer } from "../context.ts";
import { integer } from "../options.ts";
import { printTable } from "./models.ts";

/**
 * `freehold rerank <model> <query> [documents...]`: documents ordered by relevance to the query,
 * from a reranker model (documents as arguments, else one per line on standard input).
 */
export function registerRerank(program: Command) {
  program.command("rerank <model> <query> [documents...]").description("order documents by relevance to a query with a reranker model")
    .option("--top <n>", "show only the best n", integer(1))
    .option("--json", "machine-readable output")
    .action(async (name: string, query: string, given: string[], opts: { top?: number; json?: boolean }, cmd: Command) => {
      const documents = given.length ? given : (await readStdin()).split("\n").filter((l) => l.trim());
      if (!documents.length) throw invalid("no documents: give them as arguments or one per line on standard input");
      const scores = await withAppOrServer(cmd,
        async (app) => (await (await app.gateway.resolve(name)).rerank(query, documents)).scores,
        async (server) => (await import("../remote.ts")).remoteRerank(server, name, query, documents));
      const ranked = scores.map((score, index) => ({ index, score, document: documents[index] }))
        .sort((a, b) => b.score - a.score || a.index - b.index).slice(0, opts.top);
      if (opts.json) return console.log(JSON.stringify(ranked, null, 2));
      printTable(["RANK", "SCORE", "#", "DOCUMENT"], ranked.map((r, i) => [String(i + 1), r.score.toFixed(4), String(r.index + 1), oneLine(r.document)]));
    });
}

const oneLine = (s: string) => { const t = s.replace(/\s+/g, " ").trim(); return t.length > 80 ? `${t.slice(0, 79)}…` : t; };

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return "";
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
