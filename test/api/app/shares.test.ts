/** Share details the web app relies on: one share per target, answers only, conversations as shared; the admin's feedback list. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../../helpers/server.ts";
import { type Client, newUser } from "./client.ts";

let srv: TestServer;
let admin: Client, member: Client;
let convId: string, promptId: string, answerId: string;
beforeAll(async () => {
  srv = await startServer({ models: { tiny: { shape: "tiny" } } });
  admin = await newUser(srv.url, "root@example.com");
  member = await newUser(srv.url, "mia@example.com", (await admin.json("POST", "/app/api/invites", {}, 201)).token);
  convId = (await member.json("POST", "/app/api/conversations", { model: "tiny", params: { maxTokens: 6, temperature: 0.5 } }, 201)).conversation.id;
  const done = (await member.stream(`/app/api/conversations/${convId}/messages`, { content: "what is a llama?" })).at(-1).message;
  answerId = done.id;
  promptId = done.parentId;
});
afterAll(() => srv?.close());

describe("shares", () => {
  it("returns the existing share when the same answer or conversation is shared again", async () => {
    const a = (await member.json("POST", "/app/api/shares", { messageId: answerId }, 201)).share;
    const b = (await member.json("POST", "/app/api/shares", { messageId: answerId }, 201)).share;
    expect(b.id).toBe(a.id);
    const c = (await member.json("POST", "/app/api/shares", { conversationId: convId }, 201)).share;
    const d = (await member.json("POST", "/app/api/shares", { conversationId: convId }, 201)).share;
    expect(d.id).toBe(c.id);
    expect(c.id).not.toBe(a.id);
    expect((await admin.json("GET", "/app/api/feed")).items).toHaveLength(2);
  });

  it("refuses to share a prompt on its own", async () => {
    const res = await member.req("POST", "/app/api/shares", { messageId: promptId });
    expect(res.status).toBe(400);
  });
});

describe("the admin's feedback list", () => {
  it("carries the user's name and the message's start, and ignores empty filters", async () => {
    await member.json("POST", `/app/api/messages/${answerId}/feedback`, { kind: "thumbs_up" }, 201);
    const { feedback } = await admin.json("GET", "/app/api/feedback?kind=&model=&user=");
    expect(feedback).toHaveLength(1);
    const answer = (await member.json("GET", `/app/api/conversations/${convId}`)).conversation.messages[1].content as string;
    expect(feedback[0]).toMatchObject({ kind: "thumbs_up", userName: "mia", excerpt: answer.slice(0, 300), model: "tiny", params: { maxTokens: 6, temperature: 0.5 } });
    const me = (await member.json("GET", "/app/api/session")).user.id;
    expect((await admin.json("GET", `/app/api/feedback?user=${me}`)).feedback).toHaveLength(1);
    expect((await admin.json("GET", "/app/api/feedback?kind=thumbs_down")).feedback).toHaveLength(0);
  });
});

describe("a shared conversation", () => {
  it("shows a conversation as it was when shared: later messages, regenerations and edits stay private", async () => {
    const id = (await member.json("POST", "/app/api/conversations", { model: "tiny", params: { maxTokens: 4 } }, 201)).conversation.id;
    expect((await member.req("POST", "/app/api/shares", { conversationId: id })).status).toBe(400); // nothing to share yet
    const first = (await member.stream(`/app/api/conversations/${id}/messages`, { content: "public question" })).at(-1).message;
    const share = (await member.json("POST", "/app/api/shares", { conversationId: id }, 201)).share;
    const shown = async () => (await admin.json("GET", "/app/api/feed")).items.find((i: any) => i.id === share.id).messages.map((m: any) => m.content);
    const before = await shown();
    expect(before).toEqual(["public question", first.content]);

    await member.stream(`/app/api/conversations/${id}/messages`, { content: "private follow-up" });
    await member.stream(`/app/api/messages/${first.id}/regenerate`, { params: { seed: 3, temperature: 1 } });
    await member.stream(`/app/api/conversations/${id}/messages`, { content: "private edit", parentId: null });
    expect(await shown()).toEqual(before);

    // Sharing it again publishes the branch as it is now, under the same share.
    expect((await member.json("POST", "/app/api/shares", { conversationId: id }, 201)).share.id).toBe(share.id);
    expect((await shown())[0]).toBe("private edit");
  });
});
