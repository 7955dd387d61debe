import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { cacheScopeOf } from "../../auth/hook.ts";
import { invalid } from "../../errors.ts";
import type { Delta, GenerateResult, Prompt, TokenLogprob } from "../../runtime/types.ts";
import { checkBudget, runChoices, type OpenAIOptions, type StreamHooks } from "./generate.ts";
import { parseWire } from "./parse.ts";
import { finishReason, newMeta, textChoice, textCompletion, textLogprobs, usage, usageChunk, type Meta } from "./present.ts";
import { completionRequest } from "./schemas.ts";
import { SseStream } from "./sse.ts";
import { completionPlan, rejectUnsupported, type CompletionPlan } from "./translate.ts";

/** Legacy text completions: one choice per prompt × n, numbered prompt-major as OpenAI does. */
export function completionRoutes(server: FastifyInstance, app: App, opts: OpenAIOptions) {
  server.post("/v1/completions", async (req, reply) => {
    const body = parseWire(completionRequest, req.body);
    rejectUnsupported(req.body as Record<string, unknown>);
    const plan = completionPlan(body);
    const backend = await app.gateway.resolve(plan.model);
    if (plan.echo && backend.kind === "upstream" && plan.prompts.some((p) => typeof p !== "string")) {
      throw invalid("echo of a token-array prompt needs a local model: an upstream's tokens cannot be read here", "echo");
    }
    await checkBudget(plan, backend, opts);
    const meta = newMeta("cmpl", plan.model);
    const count = plan.prompts.length * plan.n;
    const promptOf = (i: number) => plan.prompts[Math.floor(i / plan.n)];
    const cacheScope = cacheScopeOf(req);
    const run = (i: number, o: Parameters<typeof backend.complete>[1]) => backend.complete(promptOf(i), { ...o, cacheScope });
    if (!plan.stream) {
      const results = await runChoices({ reply, plan, count, run });
      const choices = results.map((r, i) => {
        const prompt = promptOf(i);
        const echo = !plan.echo ? "" : typeof prompt === "string" ? prompt : r.promptText ?? "";
        // A scored prompt's tokens come first, as OpenAI lists them (the first with a null logprob).
        const lps = r.promptLogprobs ? [...r.promptLogprobs, ...(r.logprobs ?? [])] : r.logprobs;
        return textChoice(i, echo + r.text, finishReason(r.finishReason), textLogprobs(lps, r.promptLogprobs ? 0 : echo.length));
      });
      return textCompletion(meta, choices, { usage: usage(results, plan.n) });
    }
    const sse = new SseStream(req, reply);
    try {
      const results = await runChoices({ reply, plan, count, run, hooks: completionStream(sse, meta, plan, promptOf) });
      if (plan.includeUsage) sse.send(usageChunk(meta, "text_completion", usage(results, plan.n)));
      sse.end();
    } catch (e) {
      sse.fail(e);
    }
    return reply;
  });
}

/**
 * Text deltas → `text_completion` chunks; echo sends the prompt as each choice's first piece
 * (with its tokens' logprobs when it was scored, as the runtime reports before the answer).
 */
function completionStream(sse: SseStream, meta: Meta, plan: CompletionPlan, promptOf: (i: number) => Prompt): StreamHooks {
  const extra = plan.includeUsage ? { usage: null } : {};
  const streamed: string[] = [];
  const echoed: number[] = [];
  const prompts: NonNullable<Delta["prompt"]>[] = [];
  // Logprobs may arrive ahead of their text (a token can be half a character): held for the next piece.
  const pending: TokenLogprob[][] = [];
  const send = (i: number, text: string, finish: string | null, logprobs: unknown = null) =>
    sse.send(textCompletion(meta, [textChoice(i, text, finish, logprobs)], extra));
  const takeLogprobs = (i: number, offset: number) => {
    const lps = pending[i];
    pending[i] = [];
    return lps?.length ? textLogprobs(lps, offset) : null;
  };
  const begin = (i: number) => {
    if (streamed[i] !== undefined) return;
    streamed[i] = "";
    echoed[i] = 0;
    if (!plan.echo) return;
    const prompt = promptOf(i);
    const text = typeof prompt === "string" ? prompt : prompts[i]?.text ?? "";
    echoed[i] = text.length;
    send(i, text, null, prompts[i]?.logprobs ? textLogprobs(prompts[i].logprobs, 0) : null);
  };
  return {
    onDelta(i, d) {
      if (d.prompt) {
        prompts[i] = d.prompt;
        begin(i);
      }
      if (d.logprobs?.length) (pending[i] ??= []).push(...d.logprobs);
      if (!d.text) return;
      begin(i);
      const offset = echoed[i] + streamed[i].length;
      streamed[i] += d.text;
      send(i, d.text, null, takeLogprobs(i, offset));
    },
    onDone(i, r: GenerateResult) {
      begin(i);
      const tail = r.text.startsWith(streamed[i]) ? r.text.slice(streamed[i].length) : "";
      const offset = echoed[i] + streamed[i].length;
      if (tail) send(i, tail, null, takeLogprobs(i, offset));
      send(i, "", finishReason(r.finishReason), takeLogprobs(i, offset + tail.length));
    },
  };
}
