import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadProbes } from "../../src/evals/sycophancy/probes.ts";
import { startScriptedUpstream, type ScriptedUpstream } from "../helpers/scriptedUpstream.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { line, until, v1 } from "./http.ts";
import { lastUser } from "./setup.ts";

const N = 8;
const echo = Array.from({ length: N }, (_, i) => line({ id: `q${i}`, prompt: `echo ${i}`, expected: String(i) })).join("\n");
let srv: TestServer;
let up: ScriptedUpstream;
let api: ReturnType<typeof v1>;
let echoId: string;
// "gated" holds case 3 onwards until the test opens the gate.
let gate: Promise<void> = Promise.resolve();
let openGate = () => {};
const requestsFor = (model: string) => up.requests.filter((r) => r.body?.model === model).length;

beforeAll(async () => {
  srv = await startServer({ models: {} });
  // "m" answers every case right; "half" gets odd cases wrong.
  up = await startScriptedUpstream(async (req) => {
    const n = Number(lastUser(req.body).split(" ")[1]);
    if (req.body.model === "gated" && n >= 3) await gate;
    return { text: req.body.model === "half" && n % 2 ? "wrong" : String(n), usage: { prompt: 3, completion: 2 } };
  });
  for (const name of ["m", "half", "gated"]) await srv.app.upstreams.add({ name, baseUrl: up.url });
  api = v1(srv.url);
  echoId = (await api.json("POST", "/suites?name=echo.jsonl", echo, 201, "application/x-ndjson")).suite.id;
});
afterAll(async () => { openGate(); await srv?.close(); await up?.close(); });

const settle = (id: string) => until(() => api.json("GET", `/runs/${id}`), (r) => r.run.status !== "running");

describe("/v1/evals", () => {
  test("suites: the built-in one listed, JSONL imported, bad lines a line-numbered 400 in OpenAI's shape", async () => {
    const { suites } = await api.json("GET", "/suites");
    expect(suites[0]).toMatchObject({ id: "builtin-sycophancy", source: "builtin", cases: loadProbes().length });
    expect(suites.find((s: any) => s.id === echoId)).toMatchObject({ name: "echo.jsonl", source: "imported", cases: N });
    const shown = (await api.json("GET", `/suites/${echoId}`)).suite;
    expect(shown.cases.map((c: any) => c.id)).toEqual(Array.from({ length: N }, (_, i) => `q${i}`));
    const builtin = (await api.json("GET", "/suites/builtin-sycophancy")).suite;
    expect(builtin.cases[0].scorer.type).toBe("sycophancy");

    const bad = await api.call("POST", "/suites", { name: "bad.jsonl", jsonl: `${line({ id: "a", prompt: "p", expected: "e" })}\n{oops` });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_request", message: expect.stringMatching(/^bad\.jsonl:2: not valid JSON/) });
    const badCase = await api.call("POST", "/suites?name=s.jsonl", `${line({ id: "a", prompt: "p", expected: "e" })}\n\n${line({ id: "b", prompt: "p" , scorer: { type: "choice" } })}`, "application/x-ndjson");
    expect(badCase.body.error.message).toMatch(/^s\.jsonl:3: .*choices and answer/);
    // Cases that used to import and then fail (or score 0) at run time are refused at import.
    const ok = line({ id: "a", prompt: "p", expected: "e" });
    for (const [c, msg] of [
      [{ id: "r", prompt: "p", expected: "(", scorer: { type: "regex" } }, /^r\.jsonl:2: expected: bad regular expression/],
      [{ id: "r", prompt: "p", expected: "abc", scorer: { type: "numeric" } }, /^r\.jsonl:2: expected: a numeric case needs a number/],
      [{ id: "r", prompt: "p", choices: ["x", "y"], answer: "E", scorer: { type: "choice" } }, /^r\.jsonl:2: answer: answer must be a letter A-B/],
    ] as const) {
      const r = await api.call("POST", "/suites?name=r.jsonl", `${ok}\n${line(c)}`, "application/x-ndjson");
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(msg);
    }
    expect((await api.call("GET", "/suites/nope")).status).toBe(404);
  });

  test("a run goes on in the background: progress per model, summary with CIs, paired differences, disagreements, results, leaderboard column", async () => {
    const { run } = await api.json("POST", "/runs", { suite: echoId, models: ["m", "half"], concurrency: 2 }, 202);
    expect(run).toMatchObject({ suiteId: echoId, suiteName: "echo.jsonl", models: ["m", "half"], total: 2 * N, options: { concurrency: 2 } });
    const { run: done, summary } = await settle(run.id);
    expect(done).toMatchObject({ status: "succeeded", active: false, done: 2 * N, progress: [{ model: "m", done: N, total: N }, { model: "half", done: N, total: N }] });
    expect(summary.models.map((m: any) => [m.model, m.score.mean, m.score.n])).toEqual([["m", 1, N], ["half", 0.5, N]]);
    expect(summary.models[1].score.low).toBeLessThan(0.5);
    expect(summary.models[1].score.high).toBeGreaterThan(0.5);
    expect(summary.pairs).toEqual([expect.objectContaining({ a: "m", b: "half", diff: expect.objectContaining({ mean: 0.5 }), disagree: ["q1", "q3", "q5", "q7"] })]);

    const { results } = await api.json("GET", `/runs/${run.id}/results?model=half`);
    expect(results).toHaveLength(N);
    expect(results.find((r: any) => r.caseId === "q1")).toMatchObject({ output: "wrong", score: 0, promptTokens: 3, completionTokens: 2 });
    expect((await api.json("GET", `/runs/${run.id}/results?case=q2`)).results.map((r: any) => r.model).sort()).toEqual(["half", "m"]);
    expect((await api.json("GET", `/runs?suite=${echoId}`)).runs.map((r: any) => r.id)).toContain(run.id);

    const { column } = await api.json("GET", `/suites/${echoId}/leaderboard`);
    expect(column).toMatchObject({ label: "Eval: echo.jsonl (mean score, 95% CI)", cases: N });
    expect(column.rows.map((r: any) => [r.model, r.mean, r.n, r.runId])).toEqual([["m", 1, N, run.id], ["half", 0.5, N, run.id]]);
    expect((await api.call("POST", `/runs/${run.id}/resume`)).status).toBe(409); // nothing left to do
  });

  test("cancel stops a run where it is; resume runs only the cases not finished", async () => {
    gate = new Promise((ok) => { openGate = ok; });
    const { run } = await api.json("POST", "/runs", { suite: echoId, models: ["gated"] }, 202);
    await until(() => api.json("GET", `/runs/${run.id}`), (r) => r.run.done === 3 && requestsFor("gated") === 4);
    const cancelled = (await api.json("POST", `/runs/${run.id}/cancel`)).run;
    expect(cancelled).toMatchObject({ status: "cancelled", active: false, done: 3, total: N });
    expect((await api.call("POST", `/runs/${run.id}/cancel`)).status).toBe(409);
    openGate();
    const resumed = (await api.json("POST", `/runs/${run.id}/resume`, undefined, 202)).run;
    expect(resumed).toMatchObject({ status: "running", done: 3 });
    expect((await settle(run.id)).run).toMatchObject({ status: "succeeded", done: N });
    // The case in flight at the cancel (q3) was not stored, so it ran again; q0-q2 did not.
    expect(requestsFor("gated")).toBe(4 + (N - 3));
  });

  test("an unreachable model fails the run with a clear message; it resumes once the model is back", async () => {
    let down = true;
    const target = Number(new URL(up.url).port);
    const sockets = new Set<Socket>();
    const fwd = createServer((c) => {
      if (down) return c.destroy();
      const u = connect(target, "127.0.0.1");
      sockets.add(c).add(u);
      c.pipe(u).pipe(c);
      c.on("error", () => u.destroy()); u.on("error", () => c.destroy());
    });
    await new Promise<void>((ok) => fwd.listen(0, "127.0.0.1", ok));
    await srv.app.upstreams.add({ name: "flaky", baseUrl: `http://127.0.0.1:${(fwd.address() as AddressInfo).port}/v1`, remoteModel: "m" });
    try {
      const { run } = await api.json("POST", "/runs", { suite: echoId, models: ["flaky"], concurrency: 2 }, 202);
      const failed = (await settle(run.id)).run;
      expect(failed).toMatchObject({ status: "failed", done: 0, error: expect.stringMatching(/flaky.*unreachable|unreachable.*flaky/) });
      down = false;
      await api.json("POST", `/runs/${run.id}/resume`, undefined, 202);
      const { run: ok, summary } = await settle(run.id);
      expect(ok).toMatchObject({ status: "succeeded", error: null, done: N });
      expect(summary.models[0].score.mean).toBe(1);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((ok) => fwd.close(ok));
    }
  });

  test("bad starts are refused before any run exists", async () => {
    const before = (await api.json("GET", "/runs")).runs.length;
    expect((await api.call("POST", "/runs", { suite: echoId, models: ["no-such-model"] })).status).toBe(404);
    expect((await api.call("POST", "/runs", { suite: "no-such-suite", models: ["m"] })).status).toBe(404);
    expect((await api.call("POST", "/runs", { suite: echoId, models: ["m"], judge: "no-such-judge" })).status).toBe(404);
    const empty = await api.call("POST", "/runs", { suite: echoId, models: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.param).toBe("models");
    expect((await api.json("GET", "/runs")).runs.length).toBe(before);
    expect((await api.call("GET", "/runs/nope")).status).toBe(404);
  });
});

describe("/v1/evals with API keys", () => {
  let auth: TestServer;
  beforeAll(async () => {
    auth = await startServer({ models: {}, config: { server: { requireAuth: true } } });
    await auth.app.upstreams.add({ name: "m", baseUrl: up.url });
  });
  afterAll(() => auth?.close());

  test("a key sees its own suites and runs only; another key gets 404; an admin key sees all", async () => {
    const [a, b, admin] = [
      await auth.app.auth.create({ name: "a" }), await auth.app.auth.create({ name: "b" }),
      await auth.app.auth.create({ name: "root", scopes: ["admin"] }),
    ];
    const asA = v1(auth.url, a.secret), asB = v1(auth.url, b.secret), asAdmin = v1(auth.url, admin.secret);
    expect((await v1(auth.url).call("GET", "/suites")).status).toBe(401);
    const suite = (await asA.json("POST", "/suites", { name: "mine.jsonl", jsonl: echo }, 201)).suite;
    const { run } = await asA.json("POST", "/runs", { suite: suite.id, models: ["m"] }, 202);
    await until(() => asA.json("GET", `/runs/${run.id}`), (r) => r.run.status !== "running");
    expect((await asA.json("GET", "/runs")).runs.map((r: any) => r.id)).toEqual([run.id]);

    expect((await asB.call("GET", `/runs/${run.id}`)).status).toBe(404);
    expect((await asB.call("GET", `/runs/${run.id}/results`)).status).toBe(404);
    expect((await asB.call("POST", `/runs/${run.id}/resume`)).status).toBe(404);
    expect((await asB.call("GET", `/suites/${suite.id}`)).status).toBe(404);
    expect((await asB.call("POST", "/runs", { suite: suite.id, models: ["m"] })).status).toBe(404);
    expect((await asB.json("GET", "/runs")).runs).toEqual([]);
    expect((await asB.json("GET", "/suites")).suites.map((s: any) => s.id)).toEqual(["builtin-sycophancy"]);
    const built = await asB.call("POST", "/suites/build", { from: "feedback" });
    expect(built.status).toBe(403); // other users' conversations: admins only

    expect((await asAdmin.json("GET", `/runs/${run.id}`)).run).toMatchObject({ owner: `key:${a.key.id}`, status: "succeeded" });
    expect((await asAdmin.json("GET", "/runs")).runs.map((r: any) => r.id)).toContain(run.id);
  });
});
