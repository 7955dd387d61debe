import { afterAll, beforeAll, expect, test } from "vitest";
import { startServer, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => { s = await startServer({ models: {} }); });
afterAll(() => s?.close());

test("GET /openapi.json documents Freehold's own routes, bodies from the zod schemas", async () => {
  const res = await fetch(`${s.url}/openapi.json`);
  expect(res.status).toBe(200);
  const doc = await res.json();
  expect(doc.openapi).toBe("3.1.0");
  for (const path of ["/health", "/ready", "/metrics", "/openapi.json", "/v1/models", "/v1/models/{model}", "/v1/chat/completions", "/v1/embeddings", "/api/chat", "/api/tags"]) {
    expect(doc.paths, path).toHaveProperty([path]);
  }
  const chat = doc.paths["/v1/chat/completions"].post;
  expect(chat.responses["200"].content).toHaveProperty(["text/event-stream"]);
  const body = resolve(doc, chat.requestBody.content["application/json"].schema.$ref);
  expect(body.properties).toHaveProperty("messages");
  expect(body.required).toEqual(expect.arrayContaining(["model", "messages"]));
  expect(doc.paths["/api/chat"].post.requestBody).toBeDefined();
  expect(doc.paths["/v1/models/{model}"].get.parameters[0]).toMatchObject({ name: "model", in: "path" });
  const newKey = resolve(doc, doc.paths["/v1/keys"].post.requestBody.content["application/json"].schema.$ref);
  expect(newKey.properties.scopes.items.enum).toEqual(["inference", "models", "admin"]);
  expect(doc.paths["/v1/upstreams/{name}"].delete).toMatchObject({ tags: ["Admin"], parameters: [{ name: "name", in: "path" }] });
  // Every reference points somewhere.
  for (const ref of JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)) expect(resolve(doc, ref[1]), ref[1]).toBeDefined();
});

const resolve = (doc: any, ref: string) => ref.replace(/^#\//, "").split("/").reduce((o, k) => o?.[k], doc);
