import type { FastifyInstance, FastifyRequest } from "fastify";
import type { App } from "../../../app.ts";
import { cacheScopeOf } from "../../../auth/hook.ts";
import { notFound } from "../../../errors.ts";
import type { Backend } from "../../../gateway/types.ts";
import type { ChatMessage, GenerateResult } from "../../../runtime/types.ts";
import { ResponsesRepo } from "../../../store/repos/responses.ts";
import { retentionDays } from "./retention.ts";
import { forcedToolCall, mustCallTool } from "../forcedTools.ts";
import { checkBudget, runChoices, type OpenAIOptions } from "../generate.ts";
import { parseWire } from "../parse.ts";
import { SseStream } from "../sse.ts";
import { newId, OutputBuilder, responseObject, type Emit } from "./output.ts";
import { responseRequest, type ResponseRequest } from "./schema.ts";
import { responsePlan } from "./translate.ts";

/**
 * OpenAI's Responses API on the same generation path as /v1/chat/completions: POST
 * /v1/responses (whole or streamed as typed events), and for stored answers (`store`, on by
 * default as at OpenAI) `previous_response_id`, GET, DELETE and the input items. Stored answers
 * belong to the API key (or web user, or open server) that made them.
 */
export function responseRoutes(server: FastifyInstance, app: App, opts: OpenAIOptions) {
  const repo = new ResponsesRepo(app.db, retentionDays(app.config));

  server.post("/v1/responses", async (req, reply) => {
    const body = parseWire(responseRequest, req.body);
    const owner = cacheScopeOf(req);
    const earlier = body.previous_response_id ? await conversationOf(repo, body.previous_response_id, owner) : [];
    const plan = responsePlan(body, earlier);
    const backend = await app.gateway.resolve(plan.model);
    await checkBudget(plan, backend, opts);
    const id = newId("resp");
    const createdAt = Math.floor(Date.now() / 1000);
    const store = body.store ?? true;
    const forced = mustCallTool(backend, plan.opts);
    const run = (_: number, o: Parameters<Backend["chat"]>[1]) =>
      forced ? forcedToolCall(backend, plan.messages, { ...o, cacheScope: owner }) : backend.chat(plan.messages, { ...o, cacheScope: owner });
    const object = (out: OutputBuilder, result?: GenerateResult, error?: { code: string; message: string }) => responseObject({
      id, createdAt, req: body, store, output: out.items, result, error,
      status: error ? "failed" : !result ? "in_progress" : result.finishReason === "length" ? "incomplete" : "completed",
    });
    const keep = async (response: ReturnType<typeof object>, result: GenerateResult) => {
      if (!store) return;
      const own = plan.messages.slice(body.instructions ? 1 : 0);
      await repo.insert({ id, owner, conversation: [...own, answerMessage(result)], inputItems: inputItems(body), response });
    };

    if (!plan.stream) {
      const [result] = await runChoices({ reply, plan, count: 1, run });
      const out = new OutputBuilder();
      out.finish(result);
      const response = object(out, result);
      await keep(response, result);
      return response;
    }

    // Headers and `response.created` wait for the first output, so that a request refused before
    // anything is generated (queue full, prompt too long) still gets its own status code.
    const sse = new SseStream(req, reply);
    let seq = 0;
    let begun = false;
    const send: Emit = (type, fields) => sse.event(type, { type, sequence_number: seq++, ...fields });
    const emit: Emit = (type, fields) => {
      if (!begun) {
        begun = true;
        send("response.created", { response: object(out) });
        send("response.in_progress", { response: object(out) });
      }
      send(type, fields);
    };
    const out = new OutputBuilder(emit);
    try {
      const [result] = await runChoices({ reply, plan, count: 1, run, hooks: { onDelta: (_, d) => out.push(d), onDone: (_, r) => out.finish(r) } });
      const response = object(out, result);
      await keep(response, result);
      emit(response.status === "incomplete" ? "response.incomplete" : "response.completed", { response });
      sse.end("");
    } catch (e) {
      sse.fail(e, (err) => {
        const fields = { type: "response.failed", sequence_number: seq++, response: object(out, undefined, { code: err.code, message: err.message }) };
        return `event: response.failed\ndata: ${JSON.stringify(fields)}\n\n`;
      });
    }
    return reply;
  });

  server.get<{ Params: { id: string } }>("/v1/responses/:id", async (req) => (await stored(repo, req)).response);

  server.delete<{ Params: { id: string } }>("/v1/responses/:id", async (req) => {
    if (!(await repo.remove(req.params.id, cacheScopeOf(req)))) throw missing(req.params.id);
    return { id: req.params.id, object: "response", deleted: true };
  });

  server.get<{ Params: { id: string } }>("/v1/responses/:id/input_items", async (req) => {
    const data = (await stored(repo, req)).inputItems as { id: string }[];
    return { object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false };
  });
}

const missing = (id: string, param?: string) => notFound(`no response with id '${id}'`, param);

async function stored(repo: ResponsesRepo, req: FastifyRequest<{ Params: { id: string } }>) {
  const r = await repo.get(req.params.id, cacheScopeOf(req));
  if (!r) throw missing(req.params.id);
  return r;
}

async function conversationOf(repo: ResponsesRepo, id: string, owner: string): Promise<ChatMessage[]> {
  const r = await repo.get(id, owner);
  if (!r) throw missing(id, "previous_response_id");
  return r.conversation;
}

/** The answer as the next turn's history sees it: its text and the calls it made (thinking is dropped, as chat templates drop it). */
function answerMessage(r: GenerateResult): ChatMessage {
  return { role: "assistant", content: r.text, ...(r.toolCalls?.length ? { toolCalls: r.toolCalls } : {}) };
}

/** The request's input as items with ids, as GET …/input_items lists them. */
function inputItems(body: ResponseRequest): unknown[] {
  const items = typeof body.input === "string"
    ? [{ type: "message", role: "user", content: [{ type: "input_text", text: body.input }] }]
    : body.input.map((i) => ("type" in i && i.type ? i : { type: "message", ...i }));
  return items.map((i) => ({ id: newId(i.type === "function_call" ? "fc" : i.type === "function_call_output" ? "fco" : "msg"), ...i }));
}
