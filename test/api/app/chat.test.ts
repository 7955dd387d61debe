import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../../helpers/server.ts";
import { Client, newUser } from "./client.ts";

let srv: TestServer;
let alice: Client;
let convId: string;
const short = { maxTokens: 8, temperature: 0 };
beforeAll(async () => {
  srv = await startServer({ models: { tiny: { shape: "tiny" } } });
  alice = await newUser(srv.url, "alice@example.com");
  convId = (await alice.json("POST", "/app/api/conversations", { model: "tiny", title: "Greetings", params: short }, 201)).conversation.id;
});
afterAll(() => srv?.close());

const view = async () => (await alice.json("GET", `/app/api/conversations/${convId}`)).conversation;

describe("conversations", () => {
  it("streams an answer as SSE and stores both messages", async () => {
    const events = await alice.stream(`/app/api/conversations/${convId}/messages`, { content: "hello there" });
    const done = events.at(-1);
    expect(done.done).toBe(true);
    const streamed = events.filter((e) => e.delta).map((e) => e.delta).join("");
    expect(streamed.length).toBeGreaterThan(0);
    expect(done.message).toMatchObject({ role: "assistant", content: streamed, model: "tiny", stopped: false });
    const c = await view();
    expect(c.messages.map((m: any) => m.role)).toEqual(["user", "assistant"]);
    expect(c.messages[1].id).toBe(done.message.id);
  });

  it("regenerates as a sibling and keeps the old answer; switching between alternatives", async () => {
    const before = (await view()).messages[1];
    const events = await alice.stream(`/app/api/messages/${before.id}/regenerate`, { params: { seed: 7, temperature: 1 } });
    const fresh = events.at(-1).message;
    expect(fresh.parentId).toBe(before.parentId);
    const c = await view();
    expect(c.messages[1].id).toBe(fresh.id);
    expect(c.messages[1].siblingIds).toEqual([before.id, fresh.id]);
    const back = (await alice.json("POST", `/app/api/messages/${before.id}/select`, {})).conversation;
    expect(back.messages[1].id).toBe(before.id);
    const fb = (await srv.app.feedback.list({ kind: "regenerate" }))[0];
    expect(fb).toMatchObject({ messageId: before.id, model: "tiny" });
  });

  it("edit and resend branches from an earlier message", async () => {
    const first = (await view()).messages[0];
    await alice.stream(`/app/api/conversations/${convId}/messages`, { content: "hi again (edited)", parentId: null });
    const c = await view();
    expect(c.messages[0].content).toBe("hi again (edited)");
    expect(c.messages[0].siblingIds).toEqual([first.id, c.messages[0].id]);
    expect(c.messages).toHaveLength(2);
    expect((await srv.app.feedback.list({ kind: "edit" }))[0].messageId).toBe(first.id);
    const bad = await alice.req("POST", `/app/api/conversations/${convId}/messages`, { content: "x", parentId: c.messages[0].id });
    expect(bad.status).toBe(400); // a prompt must follow an answer
    const noModel = await alice.req("POST", `/app/api/conversations/${convId}/messages`, { content: "x", model: "nope" });
    expect(noModel.status).toBe(404); // errors before the first token stay plain JSON
    expect(await noModel.json()).toMatchObject({ error: expect.stringContaining("nope") });
  });

  it("stops on client disconnect and stores the partial answer marked stopped", async () => {
    const ctl = new AbortController();
    const res = await alice.req("POST", `/app/api/conversations/${convId}/messages`, { content: "tell me a long story", params: { maxTokens: 4000 } }, { signal: ctl.signal });
    const reader = res.body!.getReader();
    await reader.read(); // first event: generation is under way
    ctl.abort();
    let last: any;
    for (let i = 0; i < 100; i++) {
      last = (await view()).messages.at(-1);
      if (last.role === "assistant") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(last).toMatchObject({ role: "assistant", stopped: true });
    expect(last.content.length).toBeGreaterThan(0);
  });

  it("lists, searches, renames, exports and deletes", async () => {
    await alice.json("PATCH", `/app/api/conversations/${convId}`, { title: "Renamed chat" });
    expect((await alice.json("GET", "/app/api/conversations?q=renamed")).conversations).toHaveLength(1);
    expect((await alice.json("GET", "/app/api/conversations?q=LONG%20STORY")).conversations).toHaveLength(1);
    expect((await alice.json("GET", "/app/api/conversations?q=nothing-like-this")).conversations).toHaveLength(0);
    const md = await (await alice.req("GET", `/app/api/conversations/${convId}/export?format=md`)).text();
    expect(md).toMatch(/^# Renamed chat/);
    expect(md).toContain("tell me a long story");
    const json = JSON.parse(await (await alice.req("GET", `/app/api/conversations/${convId}/export?format=json`)).text());
    expect(json.messages.length).toBeGreaterThan(1);
    const other = (await alice.json("POST", "/app/api/conversations", { model: "tiny" }, 201)).conversation.id;
    expect((await alice.req("DELETE", `/app/api/conversations/${other}`)).status).toBe(204);
    expect((await alice.req("GET", `/app/api/conversations/${other}`)).status).toBe(404);
  });

  it("records thumbs with reasons, visible to the admin and exported as JSONL", async () => {
    const answer = (await view()).messages.at(-1);
    const { feedback } = await alice.json("POST", `/app/api/messages/${answer.id}/feedback`, { kind: "thumbs_down", reasons: ["wrong", "too_long"], comment: "meh" }, 201);
    expect(feedback).toMatchObject({ kind: "thumbs_down", reasons: ["wrong", "too_long"], model: "tiny" });
    expect((await alice.req("POST", `/app/api/messages/${answer.id}/feedback`, { kind: "thumbs_down", reasons: ["rude"] })).status).toBe(400);
    const list = (await alice.json("GET", "/app/api/feedback?kind=thumbs_down&model=tiny")).feedback; // alice is the first user: admin
    expect(list).toHaveLength(1);
    const jsonl = await (await alice.req("GET", "/app/api/feedback/export")).text();
    const lines = jsonl.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.kind).sort()).toEqual(["edit", "regenerate", "thumbs_down"]);
  });

  it("shows the owner's latest thumbs on each answer of the active branch", async () => {
    const answer = () => view().then((c) => c.messages.at(-1));
    expect((await answer()).thumbs).toBe("thumbs_down"); // from the previous test
    expect((await view()).messages[0].thumbs).toBeNull(); // prompts carry none
    await alice.json("POST", `/app/api/messages/${(await answer()).id}/feedback`, { kind: "thumbs_up" }, 201);
    expect((await answer()).thumbs).toBe("thumbs_up");
    await alice.json("POST", `/app/api/messages/${(await answer()).id}/feedback`, { kind: "copy" }, 201);
    expect((await answer()).thumbs).toBe("thumbs_up"); // other kinds do not change it
  });
});

describe("a second user", () => {
  let bob: Client;
  let convId: string, answerId: string;
  beforeAll(async () => {
    const { token } = await alice.json("POST", "/app/api/invites", {}, 201);
    bob = await newUser(srv.url, "bob@example.com", token);
    convId = (await alice.json("POST", "/app/api/conversations", { model: "tiny", params: { maxTokens: 6 } }, 201)).conversation.id;
    answerId = (await alice.stream(`/app/api/conversations/${convId}/messages`, { content: "secret question" })).at(-1).message.id;
  });

  it("gives a second user 404 for the first user's conversation, messages, export and feedback", async () => {
    const attempts: [string, string, unknown?][] = [
      ["GET", `/app/api/conversations/${convId}`],
      ["PATCH", `/app/api/conversations/${convId}`, { title: "mine now" }],
      ["DELETE", `/app/api/conversations/${convId}`],
      ["GET", `/app/api/conversations/${convId}/export?format=md`],
      ["GET", `/app/api/conversations/${convId}/export?format=json`],
      ["POST", `/app/api/conversations/${convId}/messages`, { content: "hi" }],
      ["POST", `/app/api/messages/${answerId}/regenerate`, {}],
      ["POST", `/app/api/messages/${answerId}/select`, {}],
      ["POST", `/app/api/messages/${answerId}/feedback`, { kind: "thumbs_up" }],
      ["POST", "/app/api/shares", { messageId: answerId }],
      ["POST", "/app/api/shares", { conversationId: convId }],
      ["GET", "/app/api/conversations/not-a-uuid"],
    ];
    for (const [method, path, body] of attempts) {
      const res = await bob.req(method, path, body);
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 404`);
    }
    expect((await bob.json("GET", "/app/api/conversations?q=secret")).conversations).toEqual([]);
    for (const path of ["/app/api/feedback", "/app/api/feedback/export", "/app/api/users"]) expect((await bob.req("GET", path)).status).toBe(403);
    expect((await alice.json("GET", `/app/api/conversations/${convId}`)).conversation.title).toBe("New chat");
  });
  it("shows a share to a second user, counts likes, and unsharing removes it for everyone", async () => {
    const { share } = await alice.json("POST", "/app/api/shares", { messageId: answerId }, 201);
    const conv = (await alice.json("POST", "/app/api/shares", { conversationId: convId }, 201)).share;
    const items = (await bob.json("GET", "/app/api/feed")).items;
    expect(items.map((i: any) => i.id)).toEqual([conv.id, share.id]);
    expect(items[1].messages.map((m: any) => m.role)).toEqual(["user", "assistant"]);
    expect(items[1]).toMatchObject({ authorName: "alice", likes: 0, likedByMe: false });
    expect(items[1].messages[0].content).toBe("secret question");

    expect(await bob.json("POST", `/app/api/shares/${share.id}/like`, {})).toEqual({ liked: true, likes: 1 });
    const top = (await bob.json("GET", "/app/api/feed?sort=top")).items;
    expect(top[0]).toMatchObject({ id: share.id, likes: 1, likedByMe: true });
    expect(await bob.json("POST", `/app/api/shares/${share.id}/like`, {})).toEqual({ liked: false, likes: 0 });

    expect((await bob.req("DELETE", `/app/api/shares/${share.id}`)).status).toBe(404); // not the author
    expect((await alice.req("DELETE", `/app/api/shares/${share.id}`)).status).toBe(204);
    expect((await bob.json("GET", "/app/api/feed")).items.map((i: any) => i.id)).toEqual([conv.id]);
    expect((await bob.req("POST", `/app/api/shares/${share.id}/like`, {})).status).toBe(404);
  });
});
