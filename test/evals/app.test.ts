/** The web app's evals routes: owners and admins, and suites built from feedback and the feed. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseSuite } from "../../src/evals/suite.ts";
import { Client, newUser } from "../api/app/client.ts";
import { startScriptedUpstream, type ScriptedUpstream } from "../helpers/scriptedUpstream.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { line, until } from "./http.ts";
import { lastUser } from "./setup.ts";

const TIDES = "Tides come from the Moon's gravity pulling the oceans.\nThe Sun adds a smaller pull, so spring and neap tides alternate.";
const ANSWERS: Record<string, string> = { "Capital of France?": "Paris.", "And of Italy?": "Rome.", "Explain tides": TIDES };

let srv: TestServer;
let up: ScriptedUpstream;
let alice: Client, bob: Client, carol: Client;
const ids: Record<string, string> = {};
const E = "/app/api/evals";

/** bob's answer to `content` in conversation `conv` (streamed through the real chat route). */
async function ask(conv: string, content: string): Promise<string> {
  return (await bob.stream(`/app/api/conversations/${conv}/messages`, { content })).at(-1).message.id;
}

beforeAll(async () => {
  srv = await startServer({ models: {} });
  up = await startScriptedUpstream((req) => {
    const q = lastUser(req.body);
    if (q.startsWith("You are grading")) return { text: "Close to the reference. Score: 8" };
    return { text: ANSWERS[q] ?? "no idea" };
  });
  await srv.app.upstreams.add({ name: "m", baseUrl: up.url });
  alice = await newUser(srv.url, "alice@example.com"); // first sign-up: admin
  bob = await newUser(srv.url, "bob@example.com", (await alice.json("POST", "/app/api/invites", {}, 201)).token);
  carol = await newUser(srv.url, "carol@example.com", (await alice.json("POST", "/app/api/invites", {}, 201)).token);

  const c1 = (await bob.json("POST", "/app/api/conversations", { model: "m" }, 201)).conversation.id;
  ids.paris = await ask(c1, "Capital of France?");
  ids.rome = await ask(c1, "And of Italy?");
  const c2 = (await bob.json("POST", "/app/api/conversations", { model: "m", systemPrompt: "Be brief." }, 201)).conversation.id;
  ids.tides = await ask(c2, "Explain tides");
  await bob.json("POST", `/app/api/messages/${ids.paris}/feedback`, { kind: "thumbs_up" }, 201);
  await bob.json("POST", `/app/api/messages/${ids.tides}/feedback`, { kind: "thumbs_up" }, 201);
  await bob.json("POST", `/app/api/messages/${ids.rome}/feedback`, { kind: "thumbs_down", reasons: ["wrong"] }, 201);
  const share = (await bob.json("POST", "/app/api/shares", { messageId: ids.paris }, 201)).share;
  await carol.json("POST", `/app/api/shares/${share.id}/like`, {});
  ids.share = share.id;
});
afterAll(async () => { await srv?.close(); await up?.close(); });

describe("/app/api/evals", () => {
  test("suites from feedback: liked answers become references (matched when short, judged when long), disliked ones the answer to beat", async () => {
    expect((await bob.req("POST", `${E}/suites/build`, { from: "feedback" })).status).toBe(403);

    const up1 = await alice.json("POST", `${E}/suites/build`, { from: "feedback", rating: "up", name: "liked" }, 201);
    expect(up1.suite).toMatchObject({ name: "liked", source: "feedback", cases: 2 });
    const liked = parseSuite(up1.jsonl).cases;
    expect(liked.find((c) => c.id === `feedback-${ids.paris}`)).toMatchObject({
      prompt: "Capital of France?", expected: "Paris.", scorer: { type: "normalized" }, tags: ["feedback", "rating:up", "model:m"],
    });
    expect(liked.find((c) => c.id === `feedback-${ids.tides}`)).toMatchObject({
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Explain tides" }],
      expected: TIDES, scorer: { type: "judge", options: { rubric: expect.stringContaining(TIDES) } },
    });

    const down = parseSuite((await alice.json("POST", `${E}/suites/build`, { from: "feedback", rating: "down", tags: ["wrong"] }, 201)).jsonl).cases;
    expect(down).toEqual([expect.objectContaining({
      id: `feedback-${ids.rome}`, expected: "Rome.", scorer: expect.objectContaining({ type: "pairwise" }), tags: ["feedback", "rating:down", "wrong", "model:m"],
      messages: [{ role: "user", content: "Capital of France?" }, { role: "assistant", content: "Paris." }, { role: "user", content: "And of Italy?" }],
    })]);
    expect((await alice.req("POST", `${E}/suites/build`, { from: "feedback", rating: "down", tags: ["unsafe"] })).status).toBe(400);
    expect((await alice.req("POST", `${E}/suites/build`, { from: "feedback", model: "other" })).status).toBe(400);
    expect((await alice.req("POST", `${E}/suites/build`, { from: "feedback", rating: "down", scorer: "normalized" })).status).toBe(400);

    // A built suite runs like any other: "Paris." matches, the judge gives the tides answer 8/10.
    const { run } = await alice.json("POST", `${E}/runs`, { suite: up1.suite.id, models: ["m"], judge: "m" }, 202);
    const done = await until(() => alice.json("GET", `${E}/runs/${run.id}`), (r) => r.run.status !== "running");
    expect(done.run.status).toBe("succeeded");
    expect(done.summary.models[0].score.mean).toBeCloseTo(0.9);
  });

  test("suites from the feed: shared answers with enough likes; any signed-in user may build them", async () => {
    const built = await carol.json("POST", `${E}/suites/build`, { from: "feed" }, 201);
    expect(parseSuite(built.jsonl).cases).toEqual([expect.objectContaining({
      id: `feed-${ids.share}`, prompt: "Capital of France?", expected: "Paris.", tags: ["feed", "likes:1", "model:m"],
    })]);
    expect(built.suite).toMatchObject({ source: "feed", owner: expect.stringMatching(/^user:/) });
    expect((await carol.req("POST", `${E}/suites/build`, { from: "feed", minLikes: 2 })).status).toBe(400);
  });

  test("runs belong to their owner: another member gets 404, an admin sees and manages them", async () => {
    const suite = (await bob.json("POST", `${E}/suites`, { name: "bob.jsonl", jsonl: line({ id: "a", prompt: "Capital of France?", expected: "Paris.", scorer: { type: "normalized" } }) }, 201)).suite;
    const { run } = await bob.json("POST", `${E}/runs`, { suite: suite.id, models: ["m"] }, 202);
    const done = await until(() => bob.json("GET", `${E}/runs/${run.id}`), (r) => r.run.status !== "running");
    expect(done.run).toMatchObject({ status: "succeeded", owner: expect.stringMatching(/^user:/), progress: [{ model: "m", done: 1, total: 1 }] });
    expect(done.summary.models[0].score.mean).toBe(1);

    for (const [method, path] of [["GET", `/runs/${run.id}`], ["GET", `/runs/${run.id}/results`], ["POST", `/runs/${run.id}/cancel`],
      ["POST", `/runs/${run.id}/resume`], ["GET", `/suites/${suite.id}`], ["GET", `/suites/${suite.id}/leaderboard`]] as const) {
      expect((await carol.req(method, E + path, method === "POST" ? {} : undefined)).status, `${method} ${path}`).toBe(404);
    }
    expect((await carol.json("GET", `${E}/runs`)).runs.map((r: any) => r.id)).not.toContain(run.id);
    expect((await carol.req("POST", `${E}/runs`, { suite: suite.id, models: ["m"] })).status).toBe(404);

    expect((await alice.json("GET", `${E}/runs`)).runs.map((r: any) => r.id)).toContain(run.id);
    expect((await alice.json("GET", `${E}/runs/${run.id}/results`)).results).toEqual([expect.objectContaining({ caseId: "a", output: "Paris.", score: 1 })]);
    expect((await alice.req("POST", `${E}/runs/${run.id}/cancel`, {})).status).toBe(409); // finished: nothing to cancel

    // Writes need the session's CSRF token, reads a session at all.
    expect((await bob.req("POST", `${E}/runs`, { suite: suite.id, models: ["m"] }, { csrf: false })).status).toBe(403);
    expect((await new Client(srv.url).req("GET", `${E}/suites`)).status).toBe(401);
  });
});
