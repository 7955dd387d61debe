import type { Command } from "commander";
import { createInterface } from "node:readline/promises";
import type { ChatMessage } from "../../runtime/types.ts";
import { withApp } from "../context.ts";

/**
 * `freehold run <model> [prompt]`: one answer, or an interactive chat. In the chat, Ctrl-C stops
 * the answer being generated and returns to the prompt; Ctrl-C at an empty prompt or /bye quits.
 */
export function registerRun(program: Command) {
  program.command("run <model> [prompt...]").description("chat with a model in the terminal")
    .option("--system <text>", "system prompt")
    .option("--temperature <t>", "sampling temperature", parseFloat)
    .option("--max-tokens <n>", "maximum tokens per answer", (v) => parseInt(v, 10))
    .option("--seed <n>", "random seed", (v) => parseInt(v, 10))
    .action(async (name: string, words: string[], opts: { system?: string; temperature?: number; maxTokens?: number; seed?: number }, cmd: Command) =>
      withApp(cmd, async (app) => {
        const backend = await app.gateway.resolve(name);
        const history: ChatMessage[] = opts.system ? [{ role: "system", content: opts.system }] : [];
        const sampling = { temperature: opts.temperature, maxTokens: opts.maxTokens, seed: opts.seed };
        const ask = async (signal?: AbortSignal) => {
          const r = await backend.chat(history, {
            ...sampling, signal,
            onDelta: (d) => { if (d.text) process.stdout.write(d.text); },
          });
          process.stdout.write("\n");
          history.push({ role: "assistant", content: r.text });
          return r;
        };

        if (words.length) {
          history.push({ role: "user", content: words.join(" ") });
          await ask();
          return;
        }

        const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
        let generating: AbortController | undefined;
        let closed = false;
        rl.on("SIGINT", () => {
          if (generating) { generating.abort(); return; }
          closed = true;
          rl.close();
        });
        rl.on("close", () => { closed = true; });
        console.log(`chatting with ${name}: /bye to quit, Ctrl-C stops an answer`);
        while (!closed) {
          let line: string;
          try { line = (await rl.question(">>> ")).trim(); } catch { break; }
          if (line === "/bye" || line === "/exit") break;
          if (!line) continue;
          history.push({ role: "user", content: line });
          generating = new AbortController();
          try {
            const r = await ask(generating.signal);
            if (r.finishReason === "cancelled") console.log("[stopped]");
          } finally {
            generating = undefined;
          }
        }
        rl.close();
      }));
}
