/**
 * Prompt caching for conversations (src/runtime/promptCache.ts): time to first token of each
 * turn of a growing conversation, through `freehold serve` as shipped, the same server with a
 * `seed` in every request (seeded chats are never cached: the uncached baseline), and
 * `llama-server --parallel 1` (its `cache_prompt` is on by default), on the 1.1B shape at Q4_0.
 *
 *   node --import tsx bench/promptCache.ts [--quick] [--dry-run]
 *
 * Every server sees the same messages: the assistant turns are fixed text, not the model's
 * answers, so the conversations stay identical whatever each server generates.
 *
 * Then two conversations taking turns (A1, B1, A2, B2, ...), as a chat and an editor of one user,
 * or two people on a quiet server: Freehold keeps a sequence per conversation; llama-server
 * keeps one per slot, so it runs here with `--parallel 2` too. And a conversation while other
 * clients keep the server busy (under load).
 */
import { pathToFileURL } from "node:url";
import { benchModel } from "./lib/models.ts";
import { fmt, log, median, ratio } from "./lib/proc.ts";
import { machine, table, writeSection } from "./lib/report.ts";
import { nativeTools, startLlamaServer } from "./lib/native.ts";
import { startSideBySide } from "./lib/sideBySide.ts";
import { streamCompletion } from "./lib/sse.ts";

const THREADS = 2;
const WORDS = "river stone lantern copper orchard velvet thunder meadow harbor signal ember quartz willow falcon cedar prism canyon ribbon glacier tundra".split(" ");
/** About 100 tokens of distinct text. */
const text = (conv: number, turn: number, salt: number) => Array.from({ length: 40 }, (_, k) => WORDS[(conv * 11 + turn * 7 + k * (3 + salt)) % WORDS.length]).join(" ");

type Message = { role: "system" | "user" | "assistant"; content: string };
interface Server { name: string; url: string; model: string; extra: Record<string, unknown> }

export async function run(opts: { quick?: boolean; dryRun?: boolean } = {}): Promise<string> {
  const turns = opts.quick ? 4 : 6, conversations = opts.quick ? 1 : 3;
  const file = await benchModel("tinyllama-1.1b", "Q4_0", THREADS);
  const { freehold, native, stop } = await startSideBySide(file, "m", THREADS);
  try {
    const servers: Server[] = [
      { name: "Freehold", url: freehold.url, model: "m", extra: {} },
      { name: "Freehold, uncached (seed)", url: freehold.url, model: "m", extra: { seed: 1 } },
      { name: "llama-server", url: native.url, model: "m", extra: {} },
    ];
    const ask = (s: Server, messages: Message[]) =>
      streamCompletion(s.url, { model: s.model, messages, max_tokens: 16, temperature: 0, ...s.extra }, "/v1/chat/completions");
    for (const s of servers) await ask(s, [{ role: "user", content: "warm up" }]);
    // ttft[server][turn] over conversations
    const ttft = new Map(servers.map((s) => [s.name, Array.from({ length: turns }, () => [] as number[])]));
    for (let c = 0; c < conversations; c++) {
      // Each server runs the whole conversation in turn (its cache holds one), in a rotating order.
      for (const [k] of servers.entries()) {
        const s = servers[(k + c) % servers.length];
        const messages: Message[] = [{ role: "system", content: "You are a helpful assistant." }];
        for (let t = 0; t < turns; t++) {
          messages.push({ role: "user", content: text(c, t, 0) });
          ttft.get(s.name)![t].push((await ask(s, messages)).ttftMs);
          messages.push({ role: "assistant", content: text(c, t, 1) });
        }
        log("promptCache", `conversation ${c + 1}, ${s.name}: ${ttft.get(s.name)!.map((x) => fmt(x.at(-1)! / 1000, 2)).join(" ")} s`);
      }
    }
    const rows = Array.from({ length: turns }, (_, t) => {
      const [ours, uncached, server] = servers.map((s) => median(ttft.get(s.name)![t]));
      return [t + 1, fmt(ours / 1000, 2), fmt(uncached / 1000, 2), fmt(server / 1000, 2), ratio(uncached, ours), ratio(server, ours)];
    });
    const interleaved = await interleave(servers, file, ask, turns, conversations);
    const loaded = await underLoad(servers, file, ask, turns, conversations);
    const md = [
      "## Prompt caching: time to first token along a conversation",
      "",
      `Machine: ${machine()}. Method: \`bench/promptCache.ts\`. ${conversations} conversation(s) of ${turns} turns on the TinyLlama-1.1B shape at Q4_0, ` +
      "each turn a ~100-token user message after the previous ~100-token assistant message (turn N's prompt: ~200N tokens) (fixed text, so every server sees the same conversation), " +
      "streamed through `POST /v1/chat/completions` (16 tokens, temperature 0); time to first token as the client sees it, median over conversations. " +
      "`freehold serve` as shipped; the same server with a `seed` in every request, which is never cached (the uncached baseline); " +
      `\`llama-server --parallel 1 -c 4096 -t ${THREADS}\` with its default \`cache_prompt\`. Each server runs a whole conversation at a time, in rotating order.`,
      "",
      table(["turn", "TTFT s Freehold", "TTFT s Freehold uncached", "TTFT s llama-server", "uncached / cached", "llama-server / Freehold"], rows),
      "",
      "Two conversations taking turns (A1, B1, A2, B2, ..., the same kind of turns, on the same key-less server: one caller), as a chat and an editor of one user, or two people on a quiet server. " +
      "Freehold keeps a sequence per conversation and gives each turn the one its prompt continues (it kept only one before this table was added, so each turn found the other conversation's tokens and evaluated all but the system prompt again: measured on 2026-11-25 with a first version of this change that did the same, 0.80, 2.42, 4.03, 5.72, 7.53 and 9.90 s for turns 1-6, as uncached); " +
      "llama-server keeps one per slot and, with one slot, saves the other conversation's state to host memory and restores it (its `--cache-ram` prompt cache, 8 GiB by default): " +
      `it runs with \`--parallel 1\` and \`--parallel 2 -c 8192\`. Median over ${conversations} pair(s) of conversations, both conversations' turns together.`,
      "",
      table(["turn", "TTFT s Freehold", "TTFT s Freehold uncached", "TTFT s llama-server -np 1", "TTFT s llama-server -np 2", "uncached / cached", "llama-server -np 2 / Freehold"], interleaved),
      "",
      `Under load: the same kind of conversation while ${BACKGROUND} other clients keep streaming completions on the same server (each ~40-token prompt distinct, 64 tokens, ` +
      "EOS banned, the next request as soon as one ends), so every turn arrives while other sequences generate. Freehold reuses a kept conversation there too, " +
      "between two decodes (src/runtime/prefixReuse.ts: its sequence cut to the shared prefix, or the prefix copied into the sequence the request is given); " +
      "before, a turn that arrived under load evaluated the whole conversation again, as the uncached column does. " +
      `llama-server runs with \`--parallel ${BACKGROUND + 1} -c ${(BACKGROUND + 1) * 4096}\` (a slot per client). Median over ${conversations} conversation(s), servers in rotating order.`,
      "",
      table(["turn", "TTFT s Freehold", "TTFT s Freehold uncached", `TTFT s llama-server -np ${BACKGROUND + 1}`, "uncached / cached", "llama-server / Freehold"], loaded),
    ].join("\n");
    if (!opts.dryRun) writeSection("promptCache", md);
    return md;
  } finally {
    await stop();
  }
}

/** Two conversations in alternation on each server (and on a llama-server with two slots): time to first token per turn. */
async function interleave(servers: Server[], file: string, ask: (s: Server, m: Message[]) => Promise<{ ttftMs: number }>, turns: number, pairs: number) {
  const tools = await nativeTools({ smokeModel: file });
  const two = await startLlamaServer(tools.server!, file, ["-c", "8192", "-t", String(THREADS), "--parallel", "2", "--no-webui"]);
  try {
    const all: Server[] = [...servers, { name: "llama-server -np 2", url: two.url, model: "m", extra: {} }];
    await ask(all[3], [{ role: "user", content: "warm up" }]);
    const ttft = new Map(all.map((s) => [s.name, Array.from({ length: turns }, () => [] as number[])]));
    for (let c = 0; c < pairs; c++) {
      for (const [k] of all.entries()) {
        const s = all[(k + c) % all.length];
        const talks: Message[][] = [0, 1].map(() => [{ role: "system", content: "You are a helpful assistant." }]);
        for (let t = 0; t < turns; t++) {
          for (const [i, messages] of talks.entries()) {
            messages.push({ role: "user", content: text(10 + 2 * c + i, t, 0) });
            ttft.get(s.name)![t].push((await ask(s, messages)).ttftMs);
            messages.push({ role: "assistant", content: text(10 + 2 * c + i, t, 1) });
          }
        }
        log("promptCache", `interleaved pair ${c + 1}, ${s.name}: ${ttft.get(s.name)!.map((x) => fmt(median(x.slice(-2)) / 1000, 2)).join(" ")} s`);
      }
    }
    return Array.from({ length: turns }, (_, t) => {
      const [ours, uncached, one, twoSlots] = all.map((s) => median(ttft.get(s.name)![t]));
      return [t + 1, fmt(ours / 1000, 2), fmt(uncached / 1000, 2), fmt(one / 1000, 2), fmt(twoSlots / 1000, 2), ratio(uncached, ours), ratio(twoSlots, ours)];
    });
  } finally {
    await two.stop();
  }
}

const BACKGROUND = 2;

/** One conversation per server at a time while BACKGROUND clients stream completions on the same server: time to first token per turn. */
async function underLoad(servers: Server[], file: string, ask: (s: Server, m: Message[]) => Promise<{ ttftMs: number }>, turns: number, conversations: number) {
  const tools = await nativeTools({ smokeModel: file });
  const wide = await startLlamaServer(tools.server!, file, ["-c", String((BACKGROUND + 1) * 4096), "-t", String(THREADS), "--parallel", String(BACKGROUND + 1), "--no-webui"]);
  try {
    const all: Server[] = [servers[0], servers[1], { name: "llama-server", url: wide.url, model: "m", extra: {} }];
    await ask(all[2], [{ role: "user", content: "warm up" }]);
    const ttft = new Map(all.map((s) => [s.name, Array.from({ length: turns }, () => [] as number[])]));
    let id = 0;
    for (let c = 0; c < conversations; c++) {
      for (const [k] of all.entries()) {
        const s = all[(k + c) % all.length];
        let stop = false;
        const background = Array.from({ length: BACKGROUND }, async () => {
          while (!stop) {
            const words = Array.from({ length: 16 }, (_, j) => WORDS[(id * 7 + j * 3) % WORDS.length]);
            await streamCompletion(s.url, { model: s.model, prompt: `job ${id++}: ${words.join(" ")}`, max_tokens: 64, temperature: 0, logit_bias: { "2": -100, "260": -100 } });
          }
        });
        await new Promise((r) => setTimeout(r, 1500)); // the background is generating
        const messages: Message[] = [{ role: "system", content: "You are a helpful assistant." }];
        for (let t = 0; t < turns; t++) {
          messages.push({ role: "user", content: text(20 + c, t, 0) });
          ttft.get(s.name)![t].push((await ask(s, messages)).ttftMs);
          messages.push({ role: "assistant", content: text(20 + c, t, 1) });
        }
        stop = true;
        await Promise.all(background);
        log("promptCache", `under load, conversation ${c + 1}, ${s.name}: ${ttft.get(s.name)!.map((x) => fmt(x.at(-1)! / 1000, 2)).join(" ")} s`);
      }
    }
    return Array.from({ length: turns }, (_, t) => {
      const [ours, uncached, server] = all.map((s) => median(ttft.get(s.name)![t]));
      return [t + 1, fmt(ours / 1000, 2), fmt(uncached / 1000, 2), fmt(server / 1000, 2), ratio(uncached, ours), ratio(server, ours)];
    });
  } finally {
    await wide.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run({ quick: process.argv.includes("--quick"), dryRun: process.argv.includes("--dry-run") }));
}
