import { describe, expect, it } from "vitest";
import { contextOf, latestLeafUnder, pathTo, withSiblings } from "../../src/chat/tree.ts";
import type { Message } from "../../src/chat/types.ts";

const m = (id: string, parentId: string | null, more: Partial<Message> = {}): Message => ({
  id, parentId, conversationId: "c", role: "user", content: id, reasoning: null, model: null, params: {}, stopped: false, error: null, createdAt: new Date(), ...more,
});
// u1 ─ a1
//    └ a2 ─ u2
// u1' (an edit of u1)
const all = [m("u1", null), m("a1", "u1"), m("a2", "u1"), m("u2", "a2"), m("u1b", null)];

describe("message tree", () => {
  it("walks the active branch from the root to the leaf", () => {
    expect(pathTo(all, "u2").map((x) => x.id)).toEqual(["u1", "a2", "u2"]);
    expect(pathTo(all, null)).toEqual([]);
  });

  it("lists alternatives sharing a parent", () => {
    const v = withSiblings(all, pathTo(all, "u2"));
    expect(v.map((x) => x.siblingIds)).toEqual([["u1", "u1b"], ["a1", "a2"], ["u2"]]);
  });

  it("switching to an alternative shows its latest continuation", () => {
    expect(latestLeafUnder(all, "u1")).toBe("u2");
    expect(latestLeafUnder(all, "a1")).toBe("a1");
  });

  it("leaves a failed answer without text out of the model's context, with its prompt; a partial one stays", () => {
    const a = (id: string, parentId: string, more: Partial<Message> = {}) => m(id, parentId, { role: "assistant", ...more });
    const path = [m("u1", null), a("a1", "u1"), m("u2", "a1"), a("a2", "u2", { content: "", error: "too long" }),
      m("u3", "a2"), a("a3", "u3", { content: "half", error: "engine died" }), m("u4", "a3")];
    expect(contextOf(path).map((x) => x.id)).toEqual(["u1", "a1", "u3", "a3", "u4"]);
  });
});
