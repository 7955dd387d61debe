import { Ollama, type Message } from "ollama";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startServer, type TestServer } from "../../helpers/server.ts";

/**
 * options.num_ctx as Ollama clients use it (Open WebUI's "Context Length"): the model runs with
 * that context, capped at its trained length. Here the server's usual context is 256 tokens and
 * the generated model's trained length 2048.
 */
let s: TestServer;
let ollama: Ollama;
beforeAll(async () => {
  s = await startServer({ models: { tiny: { shape: "tiny" } }, app: { runtime: { contextSize: 256 } } });
  ollama = new Ollama({ host: s.url });
});
afterAll(async () => { await s?.close(); });

/** Context sizes of the loaded instances of "tiny", from /api/ps. */
const contexts = async () => {
  const ps = await (await fetch(`${s.url}/api/ps`)).json() as { models: { name: string; context_length: number }[] };
  return ps.models.filter((m) => m.name === "tiny:latest").map((m) => m.context_length).sort((a, b) => a - b);
};

/** 12 turns of about 40 tokens each: more than 256 tokens in all. */
const conversation: Message[] = Array.from({ length: 12 }, (_, i) => [
  { role: "user", content: `Question ${i}: tell me about the river, the stone and the lantern near the copper orchard.` },
  { role: "assistant", content: `Answer ${i}: the velvet thunder rolled over the meadow and the harbor signal glowed.` },
]).flat().concat({ role: "user", content: "And now?" });

it("a conversation longer than the usual context keeps every turn with a larger num_ctx, in an instance of its own", async () => {
  const usual = await ollama.chat({ model: "tiny", messages: conversation, options: { num_predict: 2, seed: 1 } });
  expect(usual.prompt_eval_count).toBeLessThanOrEqual(256); // oldest turns dropped to fit
  expect(await contexts()).toEqual([256]);

  const wide = await ollama.chat({ model: "tiny", messages: conversation, options: { num_predict: 2, seed: 1, num_ctx: 1024 } });
  expect(wide.prompt_eval_count).toBeGreaterThan(256); // all of it
  expect(wide.prompt_eval_count).toBeGreaterThan(usual.prompt_eval_count);
  expect(await contexts()).toEqual([256, 1024]); // the usual instance stays for other requests

  // The same num_ctx again reuses that instance; a smaller one runs in the usual context.
  await ollama.generate({ model: "tiny", prompt: "hi", options: { num_predict: 1, num_ctx: 1024 } });
  await ollama.generate({ model: "tiny", prompt: "hi", options: { num_predict: 1, num_ctx: 128 } });
  expect(await contexts()).toEqual([256, 1024]);
});

it("num_ctx beyond the trained length is capped at it; preloading takes num_ctx too; keep_alive 0 unloads every instance", async () => {
  const r = await ollama.chat({ model: "tiny", messages: [], options: { num_ctx: 1_000_000 } });
  expect(r.done_reason).toBe("load");
  expect(await contexts()).toContain(2048);
  await ollama.chat({ model: "tiny", messages: [], keep_alive: 0 });
  expect(await contexts()).toEqual([]);
});

it("a preset's num_ctx (a Modelfile's PARAMETER num_ctx, as Claude Code setups use) gives every request that context, also on /v1", async () => {
  await s.app.models.copy("tiny", "tiny-long", { parameters: { num_ctx: 1024 } });
  const r = await ollama.chat({ model: "tiny-long", messages: conversation, options: { num_predict: 2, seed: 1 } });
  expect(r.prompt_eval_count).toBeGreaterThan(256); // nothing dropped
  // The budget check knows the larger context: 600 tokens fit in 1024, not in the usual 256.
  const res = await fetch(`${s.url}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "tiny-long", messages: [{ role: "user", content: "hi" }], max_tokens: 600 }),
  });
  expect(res.status).toBe(200);
  const plain = await fetch(`${s.url}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 600 }),
  });
  expect(plain.status).toBe(400);
});
