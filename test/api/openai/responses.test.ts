import OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startServer, type TestServer } from "../../helpers/server.ts";

/** OpenAI's Responses API (POST /v1/responses and stored answers), driven with the official SDK. */
let s: TestServer;
let ai: OpenAI;
let other: OpenAI;

beforeAll(async () => {
  s = await startServer({ models: { tiny: { shape: "tiny" } }, config: { server: { requireAuth: true } } });
  ai = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: (await s.app.auth.create({ name: "alice" })).secret, maxRetries: 0 });
  other = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: (await s.app.auth.create({ name: "bob" })).secret, maxRetries: 0 });
});
afterAll(async () => { await s?.close(); });

const WEATHER = {
  type: "function" as const, name: "get_weather", strict: true, description: "Weather for a city",
  // An enum keeps the random-weight model's arguments short enough to finish.
  parameters: { type: "object", properties: { city: { type: "string", enum: ["Paris", "Oslo", "Lima"] } }, required: ["city"], additionalProperties: false },
};

describe("POST /v1/responses", () => {
  test("an answer is what chat completions gives for the same conversation, in the Responses shape", async () => {
    const r = await ai.responses.create({ model: "tiny", instructions: "Be brief.", input: "Hello there", max_output_tokens: 6, temperature: 0 });
    const chat = await ai.chat.completions.create({
      model: "tiny", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello there" }], max_tokens: 6, temperature: 0,
    });
    expect(r).toMatchObject({ object: "response", model: "tiny", instructions: "Be brief.", store: true, max_output_tokens: 6 });
    expect(r.id).toMatch(/^resp_/);
    expect(r.output_text).toBe(chat.choices[0].message.content);
    const message = r.output.find((o) => o.type === "message")!;
    expect(message).toMatchObject({ role: "assistant", content: [{ type: "output_text", annotations: [] }] });
    expect(r.usage).toMatchObject({ input_tokens: chat.usage!.prompt_tokens, output_tokens: chat.usage!.completion_tokens });
    expect(r.usage!.total_tokens).toBe(r.usage!.input_tokens + r.usage!.output_tokens);
    // Cut by max_output_tokens: incomplete, and said why.
    if (chat.choices[0].finish_reason === "length") {
      expect(r.status).toBe("incomplete");
      expect(r.incomplete_details).toEqual({ reason: "max_output_tokens" });
    } else {
      expect(r.status).toBe("completed");
    }
  });

  test("streamed: typed events in OpenAI's order, which the SDK assembles into the stored answer", async () => {
    const events: ResponseStreamEvent[] = [];
    const stream = ai.responses.stream({ model: "tiny", input: [{ role: "user", content: "Tell me a story" }], max_output_tokens: 12, temperature: 0 });
    stream.on("event", (e) => events.push(e));
    const final = await stream.finalResponse();
    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]);
    expect(types.at(-1)).toMatch(/^response\.(completed|incomplete)$/);
    expect(types.slice(-4, -1)).toEqual(["response.output_text.done", "response.content_part.done", "response.output_item.done"]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.filter((e) => e.type === "response.output_text.delta").map((e) => (e as { delta: string }).delta).join("");
    expect(deltas).toBe(final.output_text);
    expect(deltas.length).toBeGreaterThan(0);
    const whole = await ai.responses.create({ model: "tiny", input: [{ role: "user", content: "Tell me a story" }], max_output_tokens: 12, temperature: 0 });
    expect(final.output_text).toBe(whole.output_text);
    // Stored as streamed: the same object comes back by id.
    const got = await ai.responses.retrieve(final.id);
    const sdkFree = (o: unknown) => JSON.parse(JSON.stringify(o, (k, v) => (k === "parsed" ? undefined : v))); // the SDK's stream helper adds `parsed`
    expect(got.output).toEqual(sdkFree(final.output));
    expect(got.usage).toEqual(final.usage);
  });

  test("previous_response_id continues a stored conversation (its input and answer, not its instructions)", async () => {
    const first = await ai.responses.create({ model: "tiny", instructions: "Answer in French.", input: "Name a river.", max_output_tokens: 5, temperature: 0 });
    const next = await ai.responses.create({ model: "tiny", previous_response_id: first.id, input: "And a mountain?", max_output_tokens: 5, temperature: 0 });
    const spelled = await ai.chat.completions.create({
      model: "tiny", max_tokens: 5, temperature: 0,
      messages: [{ role: "user", content: "Name a river." }, { role: "assistant", content: first.output_text }, { role: "user", content: "And a mountain?" }],
    });
    expect(next.previous_response_id).toBe(first.id);
    expect(next.usage!.input_tokens).toBe(spelled.usage!.prompt_tokens);
    expect(next.output_text).toBe(spelled.choices[0].message.content);
    const items = await ai.responses.inputItems.list(first.id);
    expect(items.data).toMatchObject([{ type: "message", role: "user", content: [{ type: "input_text", text: "Name a river." }] }]);
  });

  test("stored answers belong to their key: another key can neither read, continue nor delete them", async () => {
    const mine = await ai.responses.create({ model: "tiny", input: "secret plans", max_output_tokens: 2 });
    await expect(other.responses.retrieve(mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.responses.create({ model: "tiny", input: "more", previous_response_id: mine.id }))
      .rejects.toMatchObject({ status: 404, param: "previous_response_id" });
    await expect(other.responses.delete(mine.id)).rejects.toMatchObject({ status: 404 });
    expect((await ai.responses.retrieve(mine.id)).id).toBe(mine.id);
    await ai.responses.delete(mine.id);
    await expect(ai.responses.retrieve(mine.id)).rejects.toMatchObject({ status: 404 });
    // store: false keeps nothing.
    const unkept = await ai.responses.create({ model: "tiny", input: "x", max_output_tokens: 2, store: false });
    expect((unkept as unknown as { store: boolean }).store).toBe(false);
    await expect(ai.responses.retrieve(unkept.id)).rejects.toMatchObject({ status: 404 });
  });

  test("stored answers expire after responses.retentionDays (default 30): not returned, not continued, then purged", async () => {
    const old = await ai.responses.create({ model: "tiny", input: "last month", max_output_tokens: 2 });
    const recent = await ai.responses.create({ model: "tiny", input: "today", max_output_tokens: 2 });
    await s.app.db.query("UPDATE responses SET created_at = now() - interval '31 days' WHERE id = $1", [old.id]);
    await expect(ai.responses.retrieve(old.id)).rejects.toMatchObject({ status: 404 });
    await expect(ai.responses.create({ model: "tiny", input: "more", previous_response_id: old.id })).rejects.toMatchObject({ status: 404 });
    const { ResponsesRepo } = await import("../../../src/store/repos/responses.ts");
    expect(await new ResponsesRepo(s.app.db).purge()).toBe(1);
    expect(await s.app.db.query("SELECT id FROM responses WHERE id = ANY($1)", [[old.id, recent.id]])).toEqual([{ id: recent.id }]);
    expect((await ai.responses.retrieve(recent.id)).id).toBe(recent.id);
    await expect(startServer({ models: {}, config: { responses: { retentionDays: 0 } } })).rejects.toThrow(/responses\.retentionDays in config\.json is 0/);
  });

  test("a function call round trip: the call, its output sent back as items, then an answer", async () => {
    const called = await ai.responses.create({ model: "tiny", input: "Weather in Paris?", tools: [WEATHER], tool_choice: "required", max_output_tokens: 40 });
    const call = called.output.find((o) => o.type === "function_call")!;
    expect(call).toMatchObject({ type: "function_call", name: "get_weather", status: "completed" });
    expect(call.call_id).toBeTruthy();
    expect(() => JSON.parse(call.arguments)).not.toThrow(); // the arguments' schema was enforced by grammar
    const answered = await ai.responses.create({
      model: "tiny", tools: [WEATHER], max_output_tokens: 6, temperature: 0,
      input: [
        { role: "user", content: "Weather in Paris?" },
        { type: "function_call", call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: "function_call_output", call_id: call.call_id, output: "{\"celsius\": 21}" },
      ],
    });
    expect(answered.status).not.toBe("failed");
    expect(answered.usage!.input_tokens).toBeGreaterThan(called.usage!.input_tokens);
    // Streamed, the call's arguments arrive as deltas that add up to the final item's.
    const events: ResponseStreamEvent[] = [];
    const stream = ai.responses.stream({ model: "tiny", input: "Weather in Oslo?", tools: [WEATHER], tool_choice: { type: "function", name: "get_weather" }, max_output_tokens: 40 });
    stream.on("event", (e) => events.push(e));
    const final = await stream.finalResponse();
    const streamedCall = final.output.find((o) => o.type === "function_call")!;
    const args = events.filter((e) => e.type === "response.function_call_arguments.delta").map((e) => (e as { delta: string }).delta).join("");
    expect(args).toBe(streamedCall.arguments);
    expect(events.some((e) => e.type === "response.function_call_arguments.done")).toBe(true);
  });

  test("text.format json_schema: the answer parses and validates", async () => {
    const r = await ai.responses.create({
      model: "tiny", input: "A person, as JSON", max_output_tokens: 80,
      text: { format: { type: "json_schema", name: "person", strict: true, schema: { type: "object", properties: { name: { type: "string" }, age: { type: "integer" } }, required: ["name", "age"], additionalProperties: false } } },
    });
    if (r.status === "completed") {
      const v = JSON.parse(r.output_text);
      expect(typeof v.name).toBe("string");
      expect(Number.isInteger(v.age)).toBe(true);
    }
    expect(r.text?.format).toMatchObject({ type: "json_schema", name: "person" });
  });

  test("what cannot be honoured is refused with the field named", async () => {
    const post = async (body: object) => {
      const res = await fetch(`${s.url}/v1/responses`, { method: "POST", headers: { authorization: `Bearer ${ai.apiKey}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, json: await res.json() };
    };
    const cases: [object, number, string | null][] = [
      [{ model: "tiny", input: "x", tools: [{ type: "web_search" }] }, 400, "tools.0.type"],
      [{ model: "tiny", input: [{ role: "user", content: [{ type: "input_image", image_url: "data:," }] }] }, 400, "input.0.content.0"],
      [{ model: "tiny", input: "x", background: true }, 400, "background"],
      [{ model: "tiny", input: [] }, 400, "input"],
      [{ model: "tiny", input: [{ type: "function_call_output" }] }, 400, null],
      [{ model: "tiny", input: "x", text: { format: { type: "json_schema", name: "x", schema: { type: "string", pattern: "a+" } } } }, 400, null],
      [{ model: "tiny", input: "x", tool_choice: "required" }, 400, "tool_choice"],
      [{ model: "nope", input: "x" }, 404, null],
      [{ model: "tiny", input: "x", previous_response_id: "resp_missing" }, 404, "previous_response_id"],
    ];
    for (const [body, status, param] of cases) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.json.error.message.length).toBeGreaterThan(0);
      if (param) expect(r.json.error.param, JSON.stringify(body)).toBe(param);
    }
  });
});
