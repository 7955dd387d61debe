import OpenAI from "openai";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startServer, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => { s = await startServer({ models: { tiny: { shape: "tiny" } } }); });
afterAll(() => s?.close());

test("loopback without requireAuth stays open: no key, or any key, works", async () => {
  const ai = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: "anything", maxRetries: 0 });
  expect((await ai.models.list()).data.map((m) => m.id)).toContain("tiny");
  const bare = await fetch(`${s.url}/api/tags`);
  expect(bare.status).toBe(200);
  const r = await ai.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 2 });
  expect(r.choices).toHaveLength(1);
});
