import { describe, expect, it } from "vitest";
import { latestLeafUnder, pathTo, withSiblings } from "../../src/chat/tree.ts";
import type { Message } from "../../src/chat/types.ts";

const m = (id: string, parentId: string | null): Message => ({
  id, parentId, conversationId: "c", role: "user", content: id, reasoning: null, model: null, params: {}, stopped: false, createdAt: new Date(),
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
});
