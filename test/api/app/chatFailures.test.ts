/**
 * A failed answer (prompt too long for the context, upstream dying mid-stream) is stored as an
 * assistant message carrying the error, so the conversation stays usable: follow-ups, regenerate
 * and edit all work afterwards, and an empty failed turn is not fed back to the model.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedUpstream, type Script, type ScriptedUpstream } from "../../helpers/scriptedUpstream.ts";
import { startServer, type TestServer } from "../../helpers/server.ts";
import { type Client, newUser } from "./client.ts";

let srv: TestServer, up: ScriptedUpstream, alice: Client;
let script: Script = () => ({ text: "A fine answer." });
beforeAll(async () => {
  up = await startScriptedUpstream((req) => script(req));
  srv = await startServer({ models: { tiny: { shape: "tiny" } } });
  await srv.app.upstreams.add({ name: "scripted", baseUrl: up.url });
  alice = await newUser(srv.url, "alice@example.com");
});
afterAll(async () => { await srv?.close(); await up?.close(); });

const newConv = async (model: string) => (await alice.json("POST", "/app/api/conversations", { model, params: { maxTokens: 6, temperature: 0 } }, 201)).conversation.id as string;
const view = async (id: string) => (await alice.json("GET", `/app/api/conversations/${id}`)).conversation;

/** Streams a few words, then drops the connection as a crashed engine would. */
const dyingStream: Script = () => ({
  raw: (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    const chunk = (content: string) => `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    res.write(chunk("Partial ") + chunk("answer"));
    setTimeout(() => res.destroy(), 50);
  },
});

describe("a conversation that outgrows the context", () => {
  it("keeps answering: the oldest turns are left out of what the model sees, nothing is deleted", async () => {
    const id = await newConv("tiny");
    const words = (i: number) => Array.from({ length: 150 }, (_, k) => `t${i}w${k}`).join(" ");
    for (let i = 0; i < 8; i++) {
      const done = (await alice.stream(`/app/api/conversations/${id}/messages`, { content: words(i) })).at(-1);
      expect(done, `turn ${i}`).toMatchObject({ done: true, message: { role: "assistant", error: null } });
    }
    expect((await view(id)).messages).toHaveLength(16);
  });
});

describe("a failed answer", () => {
  it("after a prompt longer than the context: stored with its error, and the next message works", async () => {
    const id = await newConv("tiny");
    await alice.stream(`/app/api/conversations/${id}/messages`, { content: "hello" });
    const long = await alice.req("POST", `/app/api/conversations/${id}/messages`, { content: "hello world ".repeat(1500) });
    expect(long.status).toBe(400);
    expect((await long.json()).error).toMatch(/context/);
    const failed = (await view(id)).messages;
    expect(failed.map((m: any) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(failed[3]).toMatchObject({ content: "", error: expect.stringMatching(/context/) });
    expect(failed[1].error).toBeNull();

    const done = (await alice.stream(`/app/api/conversations/${id}/messages`, { content: "short follow-up" })).at(-1);
    expect(done).toMatchObject({ done: true, message: { role: "assistant", error: null } });
    expect((await view(id)).messages.map((m: any) => m.content.slice(0, 15))).toEqual(
      ["hello", failed[1].content.slice(0, 15), "hello world hel", "", "short follow-up", done.message.content.slice(0, 15)]);

    // Editing the too-long prompt branches off as usual.
    const edited = (await alice.stream(`/app/api/conversations/${id}/messages`, { content: "shorter", parentId: failed[1].id })).at(-1);
    expect(edited.message.error).toBeNull();
  });

  it("mid-stream upstream failure keeps the partial text; the empty one is left out of the next turn's history", async () => {
    const id = await newConv("scripted");
    script = dyingStream;
    const events = await alice.stream(`/app/api/conversations/${id}/messages`, { content: "first question" });
    expect(events.at(-1)).toMatchObject({ error: expect.any(String) });
    const partial = (await view(id)).messages[1];
    expect(partial).toMatchObject({ role: "assistant", content: "Partial answer", stopped: false, error: expect.any(String) });

    // Regenerating the failed answer works and asks with the same prompt.
    script = () => ({ text: "Recovered." });
    const regen = (await alice.stream(`/app/api/messages/${partial.id}/regenerate`, {})).at(-1).message;
    expect(regen).toMatchObject({ content: "Recovered.", error: null, parentId: partial.parentId });
    expect(up.requests.at(-1)!.body.messages).toEqual([{ role: "user", content: "first question" }]);
    expect((await view(id)).messages[1].siblingIds).toEqual([partial.id, regen.id]);

    // Back on the failed branch: its partial text is context for the next turn, as a stopped answer's is.
    await alice.json("POST", `/app/api/messages/${partial.id}/select`, {});
    await alice.stream(`/app/api/conversations/${id}/messages`, { content: "go on" });
    expect(up.requests.at(-1)!.body.messages.map((m: any) => m.content)).toEqual(["first question", "Partial answer", "go on"]);

    // A failure before any text: that turn (prompt and empty answer) is left out of the next request.
    script = () => ({ error: { status: 500, message: "engine exploded", type: "server_error" } });
    const res = await alice.req("POST", `/app/api/conversations/${id}/messages`, { content: "doomed" });
    expect(res.status).toBe(502);
    const last = (await view(id)).messages.at(-1);
    expect(last).toMatchObject({ role: "assistant", content: "", error: expect.any(String) });
    script = () => ({ text: "Fine again." });
    await alice.stream(`/app/api/conversations/${id}/messages`, { content: "retry" });
    expect(up.requests.at(-1)!.body.messages.map((m: any) => m.content)).toEqual(["first question", "Partial answer", "go on", expect.any(String), "retry"]);
    const md = await (await alice.req("GET", `/app/api/conversations/${id}/export?format=md`)).text();
    expect(md).toContain("failed");
  });
});
