/** Route sets imported on first request (src/api/lazyRoutes.ts) and their declarations (src/api/routeSets.ts). */
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lazyRoutes, recordRoutes, type LazyRouteSet, type RouteSet } from "../../src/api/lazyRoutes.ts";
import * as sets from "../../src/api/routeSets.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { Client } from "./app/client.ts";

describe("lazyRoutes", () => {
  /** A set whose module "loads" when `load` is called, counted. */
  function fakeSet(register: RouteSet<[string]>, routes: LazyRouteSet<[string]>["routes"]) {
    const set = { routes, loads: 0, load: async () => { set.loads++; return register; } };
    return set;
  }

  async function serve(set: LazyRouteSet<[string]>): Promise<FastifyInstance> {
    const server = Fastify();
    // Hooks see the declared options before anything is loaded.
    server.addHook("onRequest", async (req, reply) => { reply.header("x-scope", String(req.routeOptions.config?.scope)); });
    lazyRoutes(server, set, "hello");
    await server.ready();
    return server;
  }

  it("loads the module on the first request only, and answers it with the module's handler", async () => {
    const set = fakeSet((s, greeting) => {
      s.get("/greet/:name", { config: { scope: "inference" } }, async (req) => ({ text: `${greeting}, ${(req.params as { name: string }).name}` }));
      s.post("/echo", async (req, reply) => reply.status(201).send(req.body));
    }, [["GET", "/greet/:name", { config: { scope: "inference" } }], ["POST", "/echo"]]);
    const server = await serve(set);
    expect(set.loads).toBe(0);
    const first = await server.inject({ method: "GET", url: "/greet/ada" });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ text: "hello, ada" });
    expect(first.headers["x-scope"]).toBe("inference");
    const echo = await server.inject({ method: "POST", url: "/echo", payload: { a: 1 } });
    expect(echo.statusCode).toBe(201);
    expect(echo.json()).toEqual({ a: 1 });
    expect(set.loads).toBe(1);
    await server.close();
  });

  it("fails loudly when the declaration no longer matches the module", async () => {
    const set = fakeSet((s) => {
      s.get("/a", { config: { scope: "admin" } }, async () => "a");
      s.get("/b", async () => "b");
    }, [["GET", "/a", { config: { scope: "inference" } }], ["GET", "/c"]]);
    const server = await serve(set);
    const res = await server.inject({ method: "GET", url: "/a" });
    expect(res.statusCode).toBe(500);
    expect(res.json().message).toMatch(/GET \/c is declared but not registered.*GET \/a is registered with options.*GET \/b is registered but not declared/);
    await server.close();
  });

  it("refuses a module that does more than add routes", () => {
    const register: RouteSet<[]> = (s) => { s.addHook("onRequest", async () => {}); };
    expect(() => recordRoutes({ routes: [], load: async () => register }, register, [])).toThrow(/may only add routes, not use "addHook"/);
  });
});

describe("every lazily loaded set in src/api/routeSets.ts", () => {
  let srv: TestServer;
  beforeAll(async () => { srv = await startServer({ models: {} }); });
  afterAll(() => srv?.close());

  it("declares exactly the routes its modules register", async () => {
    const all = Object.entries(sets) as [string, LazyRouteSet<unknown[]>][];
    expect(all.map(([name]) => name).sort()).toEqual(["admin", "anthropicMessages", "arena", "evals", "llamaCppRoutes", "ollamaGeneration", "openaiGeneration", "webApp"]);
    for (const [name, set] of all) {
      const args = [srv.app, () => ({ id: "x", admin: true, owner: "x" })];
      const handlers = recordRoutes(set, await set.load(), args);
      expect([...handlers.keys()].sort(), name).toEqual(set.routes.map(([m, url]) => `${m} ${url}`).sort());
    }
  });

  it("answers the first request to each set as the eager routes did", async () => {
    const chat = await fetch(`${srv.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(chat.status).toBe(400);
    expect((await chat.json()).error).toMatchObject({ type: "invalid_request_error" });
    const ollama = await fetch(`${srv.url}/api/generate`, { method: "POST", body: JSON.stringify({ model: "nope", prompt: "hi" }) }); // form-typed, as curl -d sends it
    expect(ollama.status).toBe(404);
    expect(await (await fetch(`${srv.url}/v1/arena/models`)).json()).toEqual({ models: [] });
    const suites = await fetch(`${srv.url}/v1/evals/suites`, { method: "POST", headers: { "content-type": "application/jsonl" }, body: "not json\n" });
    expect(suites.status).toBe(400); // the JSONL body parser is there before the module loads
    expect((await suites.json()).error.message).toMatch(/suite.jsonl:1: not valid JSON/);
    const web = new Client(srv.url);
    const signup = await web.req("POST", "/app/api/signup", { email: "ada@example.org", password: "correct horse battery", displayName: "Ada" });
    expect(signup.status).toBe(201);
    await web.login("ada@example.org", "correct horse battery");
    expect((await web.json("GET", "/app/api/session")).user).toMatchObject({ email: "ada@example.org", role: "admin" });
  });
});
