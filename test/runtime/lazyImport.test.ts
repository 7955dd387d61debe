/** node-llama-cpp (~16 MB resident) is imported only when something needs it, not at start. */
import { expect, it } from "vitest";
import { loadedLlamaCpp } from "../../src/runtime/llamaCpp.ts";
import { startServer } from "../helpers/server.ts";

it("a started server with no models has not imported node-llama-cpp", async () => {
  const srv = await startServer({ models: {} });
  try {
    for (const path of ["/health", "/ready", "/v1/models", "/api/tags", "/api/ps", "/metrics", "/openapi.json"]) {
      expect((await fetch(srv.url + path)).status).toBe(200);
    }
    expect(() => loadedLlamaCpp()).toThrow(/before any model was loaded/);
  } finally {
    await srv.close();
  }
});

it("no module but runtime/llamaCpp.ts imports node-llama-cpp's values", async () => {
  const { readdirSync, readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const files = readdirSync("src", { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
  const eager = files.filter((f) => /^import (?!type )[^;]*from "node-llama-cpp"/m.test(readFileSync(join("src", f), "utf8")));
  expect(eager).toEqual([]);
});
