import { type Command, Option } from "commander";
import { createInterface } from "node:readline/promises";
import { invalid } from "../../errors.ts";
import { withinContext } from "../../gateway/fitContext.ts";
import type { ChatMessage, FinishReason } from "../../runtime/types.ts";
import { ChatSession, type ChatParams } from "../chatSession.ts";
import { errorText, withAppOrServer } from "../context.ts";
import { integer, decimal } from "../options.ts";
import type { ChatOptions } from "../remote.ts";

interface RunOptions { system?: string; temperature?: number; maxTokens?: number; seed?: number; suffix?: string; verbose?: boolean; format?: string; prediction?: string; draft?: string }
interface Answer {
  text: string; finishReason: FinishReason;
  usage?: { promptTokens: number; completionTokens: number; acceptedPredictionTokens?: number; rejectedPredictionTokens?: number; draftTokens?: number; acceptedDraftTokens?: number };
}
/** A model to chat with: the local gateway's backend, or a running server's API. */
type Chat = (messages: ChatMessage[], opts: ChatOptions) => Promise<Answer>;
/** Where the chat's models come from (/load) and go (/save): this machine's store, or a running server. */
interface Models {
  open(model: string): Promise<Chat>;
  save(model: string, from: string, preset: ReturnType<ChatSession["preset"]>): Promise<void>;
}

/**
 * `freehold run <model> [prompt]`: one answer, or an interactive chat. In the chat, Ctrl-C stops
 * the answer being generated and returns to the prompt; Ctrl-C at an empty prompt or /bye quits.
 */
export function registerRun(program: Command) {
  program.command("run <model> [prompt...]").description("chat with a model in the terminal")
    .option("--system <text>", "system prompt")
    .option("--temperature <t>", "sampling temperature", decimal(0))
    .option("--max-tokens <n>", "maximum tokens per answer", integer(1))
    .option("--seed <n>", "random seed", integer(0, 2 ** 32 - 1))
    .addOption(new Option("--format <format>", "answers in this format (a grammar holds the model to it)").choices(["json"]))
    .option("--verbose", "after each answer, its token counts, durations and rates (as ollama run --verbose)")
    .option("--suffix <text>", "fill in the middle: the prompt is the text before, this the text after (code models with FIM tokens)")
    .option("--prediction <file>", "the answer will mostly repeat this file (an edit): its text is drafted ahead, for a sooner answer (OpenAI's Predicted Outputs)")
    .option("--draft <model>", "a smaller model of the same vocabulary drafts the answer, which this one checks in batches (speculative decoding)")
    .action(async (name: string, words: string[], opts: RunOptions, cmd: Command) => {
      if (opts.suffix !== undefined) checkInsert(words, opts);
      if (opts.prediction !== undefined) opts.prediction = await readPrediction(words, opts);
      return withAppOrServer(cmd,
        async (app) => {
          const backend = await app.gateway.resolve(name);
          if (opts.suffix !== undefined) return void await say(opts, (o) => backend.complete(words.join(" "), { ...o, suffix: opts.suffix }));
          await converse(name, words, opts, {
            open: async (model) => {
              const b = await app.gateway.resolve(model);
              return (messages, { json, ...o }) => b.chat(messages, { ...o, cacheScope: "cli", ...(json ? { format: { type: "json_object" } } : {}) });
            },
            save: async (model, from, preset) => {
              const [{ checkPreset }, { deriveModel }] = await Promise.all([import("../../models/presetParameters.ts"), import("../../models/derive.ts")]);
              await deriveModel(app, model, from, checkPreset(preset));
            },
          });
        },
        async (server) => {
          const remote = await import("../remote.ts");
          if (opts.suffix !== undefined) return void await say(opts, (o) => remote.remoteInsert(server, name, words.join(" "), opts.suffix!, o));
          await converse(name, words, opts, {
            open: (model) => remote.remoteChat(server, model),
            save: (model, from, preset) => remote.remoteCreate(server, { model, from, ...preset }),
          });
        });
    });
}

/** --prediction's file, read: a one-shot chat's expected answer. */
async function readPrediction(words: string[], opts: RunOptions): Promise<string> {
  if (!words.length) throw invalid("--prediction needs a prompt: it predicts one answer");
  if (opts.suffix !== undefined) throw invalid("--prediction does not take --suffix");
  const { readFile } = await import("node:fs/promises");
  return readFile(opts.prediction!, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw invalid(e.code === "ENOENT" ? `no such file: ${opts.prediction}` : `cannot read ${opts.prediction}: ${e.message}`);
  });
}

function checkInsert(words: string[], opts: RunOptions) {
  if (!words.length) throw invalid("--suffix needs a prompt: the text before the insertion");
  if (opts.system || opts.format) throw invalid(`--suffix (fill in the middle) does not take ${opts.system ? "--system" : "--format"}`);
}

/** Streams one answer to stdout, ending it with a newline once anything was written; with `verbose`, its statistics after it. */
async function say(opts: ChatParams & { verbose?: boolean; prediction?: string; draft?: string }, send: (o: ChatOptions) => Promise<Answer>, signal?: AbortSignal): Promise<Answer> {
  let started = false;
  const t0 = performance.now();
  let first = 0;
  const answer = await send({
    temperature: opts.temperature, maxTokens: opts.maxTokens, seed: opts.seed, json: opts.json, signal,
    ...(opts.prediction !== undefined ? { prediction: opts.prediction } : {}),
    ...(opts.draft !== undefined ? { draftModel: opts.draft } : {}),
    onDelta: (d) => {
      if (!d.text) return;
      if (!started) first = performance.now();
      started = true;
      process.stdout.write(d.text);
    },
  }).finally(() => { if (started) process.stdout.write("\n"); });
  if (opts.verbose) process.stdout.write(answerStats(answer, t0, first, performance.now()));
  return answer;
}

/**
 * ollama run --verbose's lines, measured here: the prompt's time is until the first piece of the
 * answer (loading and queueing included, as the client sees it), the answer's from there to the end.
 */
export function answerStats(a: Answer, t0: number, first: number, end: number): string {
  const promptMs = (first || end) - t0, evalMs = first ? end - first : 0;
  const rate = (n: number, ms: number) => (ms > 0 ? `${((n * 1000) / ms).toFixed(2)} tokens/s` : "n/a");
  const secs = (ms: number) => `${(ms / 1000).toFixed(3)}s`;
  const u = a.usage;
  return [
    `total duration:       ${secs(end - t0)}`,
    ...(u ? [`prompt eval count:    ${u.promptTokens} token(s)`] : []),
    `prompt eval duration: ${secs(promptMs)}`,
    ...(u ? [`prompt eval rate:     ${rate(u.promptTokens, promptMs)}`, `eval count:           ${u.completionTokens} token(s)`] : []),
    `eval duration:        ${secs(evalMs)}`,
    // The first token ends the prompt's time, so the rate counts the tokens after it.
    ...(u ? [`eval rate:            ${rate(Math.max(0, u.completionTokens - 1), evalMs)}`] : []),
    ...(u?.acceptedPredictionTokens !== undefined
      ? [`prediction:           ${u.acceptedPredictionTokens} token(s) kept, ${u.rejectedPredictionTokens ?? 0} thrown away`] : []),
    ...(u?.draftTokens !== undefined ? [`draft:                ${u.acceptedDraftTokens ?? 0} of ${u.draftTokens} drafted token(s) kept`] : []),
  ].join("\n") + "\n";
}

async function converse(first: string, words: string[], opts: RunOptions, models: Models) {
  let name = first;
  let chat = await models.open(name);
  const session = new ChatSession(opts.system, { temperature: opts.temperature, maxTokens: opts.maxTokens, seed: opts.seed, json: opts.format === "json" }, opts.verbose);
  const reply = (messages: ChatMessage[], signal?: AbortSignal) => say({ ...session.params, verbose: session.verbose, draft: opts.draft }, (o) => chat(messages, o), signal);

  if (words.length) {
    const messages: ChatMessage[] = [...session.history, { role: "user", content: words.join(" ") }];
    await say({ ...session.params, verbose: session.verbose, prediction: opts.prediction, draft: opts.draft }, (o) => chat(messages, o));
    return;
  }

  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  let generating: AbortController | undefined;
  let closed = false, toldDropped = false;
  rl.on("SIGINT", () => {
    if (generating) generating.abort();
    else rl.close(); // ends the loop below
  });
  rl.on("close", () => { closed = true; });
  // Piped input ends (and closes readline, which then must not be used) before its lines are
  // answered; each still gets its prompt.
  const prompt = (text = ">>> ") => (closed ? process.stdout.write(text) : (rl.setPrompt(text), rl.prompt()));
  console.log(`chatting with ${name}: /bye to quit, /? for commands, Ctrl-C stops an answer`);
  prompt();
  // Iterated rather than rl.question(): lines piped in arrive at once, and the iterator queues
  // them (even past the input's end) where question() lost all but the first.
  for await (const input of rl) {
    const said = session.line(input);
    if ("quit" in said) break;
    if ("more" in said) { prompt("... "); continue; }
    if ("output" in said) console.log(said.output);
    try {
      if ("load" in said) {
        chat = await models.open(said.load);
        name = said.load;
        session.restart();
        console.log(`chatting with ${name}`);
      }
      if ("save" in said) {
        await models.save(said.save, name, session.preset());
        console.log(`saved as ${said.save}: freehold run ${said.save} goes on from here`);
      }
    } catch (e) {
      process.stderr.write(`error: ${errorText(e)}\n`);
    }
    if ("message" in said) {
      const abort = generating = new AbortController();
      try {
        const { answer, dropped } = await answerFitting(session.history, said.message, (messages) => reply(messages, abort.signal));
        if (answer.finishReason === "cancelled") console.log("[stopped]");
        if (dropped && !toldDropped) {
          console.log("[older turns were dropped: the conversation no longer fits the model's context]");
          toldDropped = true;
        }
      } catch (e) {
        // Stopped before the first token (loading, queued, prompt): nothing to keep. Any other
        // error ends this answer only; the conversation so far is kept.
        if (abort.signal.aborted) console.log("[stopped]");
        else process.stderr.write(`error: ${errorText(e)}\n`);
      } finally {
        generating = undefined;
      }
    }
    prompt();
  }
  rl.close();
}

/**
 * Sends the conversation and `line`, dropping the oldest turns while it does not fit the context
 * (gateway/fitContext.ts). `history` changes only when an answer comes, so a message too long on
 * its own leaves the conversation as it was.
 */
export async function answerFitting(history: ChatMessage[], line: string, send: (messages: ChatMessage[]) => Promise<Answer>): Promise<{ answer: Answer; dropped: number }> {
  const { result, sent, dropped } = await withinContext([...history, { role: "user", content: line }], send);
  history.splice(0, history.length, ...sent, { role: "assistant", content: result.text });
  return { answer: result, dropped };
}
