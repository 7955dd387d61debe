import { describe, expect, test } from "vitest";
import type { LlamaContextSequence } from "node-llama-cpp";
import type { PrefixReuse } from "../../src/runtime/prefixReuse.ts";
import { PromptCache } from "../../src/runtime/promptCache.ts";
import { Slots } from "../../src/runtime/slots.ts";

/**
 * Which sequence a request gets from the prompt cache, without a model: sequences stand in for a
 * context's (their tokens are what a finished request left), clearing empties them.
 */
interface Fake { id: number; contextTokens: number[] }

function setup(n = 4, withReuse = false) {
  const sequences: Fake[] = Array.from({ length: n }, (_, id) => ({ id, contextTokens: [] }));
  const slots = new Slots(sequences as unknown as LlamaContextSequence[], 8, "test");
  const cleared: number[] = [];
  /** What the prefix reuse was asked to do between decodes: ["trim", id, n] or ["copy", from, to, n]. */
  const reused: (string | number)[][] = [];
  const fake = (s: LlamaContextSequence) => s as unknown as Fake;
  const reuse = {
    trim: async (s: LlamaContextSequence, n: number) => {
      reused.push(["trim", fake(s).id, n]);
      fake(s).contextTokens = fake(s).contextTokens.slice(0, n);
      return true;
    },
    copy: async (from: LlamaContextSequence, to: LlamaContextSequence, n: number) => {
      reused.push(["copy", fake(from).id, fake(to).id, n]);
      fake(to).contextTokens = fake(from).contextTokens.slice(0, n);
      return true;
    },
  } as unknown as PrefixReuse;
  const cache = new PromptCache(slots, async (s) => {
    cleared.push((s as unknown as Fake).id);
    (s as unknown as Fake).contextTokens = [];
  }, withReuse ? reuse : undefined);
  /** A request that leaves `tokens` in its sequence and finishes (kept if alone and scoped). */
  const lease = async (scope: string | undefined, prompt?: number[]) => (await cache.lease(undefined, scope, prompt)) as unknown as Fake;
  const finish = (s: Fake, scope: string | undefined, tokens: number[]) => {
    s.contextTokens = tokens;
    return cache.release(s as unknown as LlamaContextSequence, scope);
  };
  return { sequences, slots, cache, cleared, reused, lease, finish };
}

describe("PromptCache", () => {
  test("two callers taking turns on an idle context each get their own conversation back", async () => {
    const { lease, finish, cleared } = setup();
    const a = await lease("alice", [1, 10, 11]);
    await finish(a, "alice", [1, 10, 11, 12]);
    const b = await lease("bob", [1, 20, 21]);
    expect(b.id).not.toBe(a.id); // alice's kept sequence is the last choice
    await finish(b, "bob", [1, 20, 21, 22]);
    const a2 = await lease("alice", [1, 10, 11, 12, 13]);
    expect(a2.id).toBe(a.id);
    expect(a2.contextTokens).toEqual([1, 10, 11, 12]);
    await finish(a2, "alice", [1, 10, 11, 12, 13, 14]);
    const b2 = await lease("bob", [1, 20, 21, 22, 23]);
    expect(b2.id).toBe(b.id);
    expect(b2.contextTokens).toEqual([1, 20, 21, 22]);
    expect(cleared).toEqual([]);
  });

  test("two conversations of one caller that share a system prompt keep their own caches", async () => {
    const { lease, finish, cleared } = setup();
    const system = [1, 50, 51];
    const a = await lease("open", [...system, 10]);
    await finish(a, "open", [...system, 10, 11, 12, 13]);
    const b = await lease("open", [...system, 20]); // continues 3 of a's 7 tokens: not a's
    expect(b.id).not.toBe(a.id);
    expect(b.contextTokens).toEqual([]);
    await finish(b, "open", [...system, 20, 21, 22, 23]);
    expect((await lease("open", [...system, 10, 11, 12, 13, 14])).id).toBe(a.id);
    expect(cleared).toEqual([]);
  });

  test("with every sequence kept, the caller's own that shares the most is taken and not cleared", async () => {
    const { lease, finish, cleared } = setup(2);
    const a = await lease("open", [1, 2, 3]);
    await finish(a, "open", [1, 2, 3, 4, 5, 6]);
    const b = await lease("open", [1, 9]);
    await finish(b, "open", [1, 9, 9, 9]);
    const c = await lease("open", [1, 2, 7]); // shares 2 of a's 6: not reused, but the best there is
    expect(c.id).toBe(a.id);
    expect(c.contextTokens).toEqual([1, 2, 3, 4, 5, 6]); // the chat erases past what it shares
    expect(cleared).toEqual([]);
  });

  test("of one caller's kept conversations, the one sharing the most of the prompt; none when only a BOS is shared", async () => {
    const { lease, finish, slots } = setup();
    const x = await lease("carol", [1, 2, 3]);
    await finish(x, "carol", [1, 2, 3, 4]);
    const y = await lease("carol", [1, 7]); // shares only the BOS with x: an empty sequence
    expect(y.id).not.toBe(x.id);
    expect(y.contextTokens).toEqual([]);
    await finish(y, "carol", [1, 7, 8, 9]);
    expect((await lease("carol", [1, 7, 8, 9, 5])).id).toBe(y.id);
    expect(slots.busy).toBe(1);
  });

  test("another caller never sees kept tokens: a kept sequence it must take is cleared first", async () => {
    const { lease, finish, cleared } = setup(2);
    const a = await lease("alice", [1, 2]);
    await finish(a, "alice", [1, 2, 3]);
    const b = await lease("bob", [1, 2, 3]); // the same tokens, another scope: not reused
    expect(b.id).not.toBe(a.id);
    await finish(b, "bob", [1, 5]);
    const d = await lease("dave", [1, 2, 3]); // only kept sequences are free: the oldest, cleared
    expect(d.id).toBe(a.id);
    expect(d.contextTokens).toEqual([]);
    expect(cleared).toEqual([a.id]);
  });

  test("under load a free sequence next to the busy ones, an empty one before a kept one; a kept one given to a request is cleared", async () => {
    const { lease, finish, cleared } = setup(3);
    const a = await lease("alice", [1, 2]); // id 0
    await finish(a, "alice", [1, 2, 3]);
    const busy = await lease(undefined); // id 1 (alice's 0 is the last choice while idle)
    expect(busy.id).toBe(1);
    // Not idle, and no reuse without the hook between decodes: 0 and 2 are both next to 1 (llama.cpp
    // decodes consecutive ids together), and the empty one goes first.
    const next = await lease("alice", [1, 2, 3, 4]);
    expect(next.id).toBe(2);
    expect(cleared).toEqual([]);
    const last = await lease("bob", [9]); // only 0 is left: alice's tokens are cleared first
    expect(last.id).toBe(0);
    expect(last.contextTokens).toEqual([]);
    expect(cleared).toEqual([0]);
    // Finishing while another runs: cleared, not kept.
    await finish(next, "alice", [1, 2, 3, 4, 5]);
    expect(cleared).toEqual([0, 2]);
  });

  test("a sequence released while requests wait goes to the first of them, cleared", async () => {
    const { lease, finish, slots, cleared } = setup(1);
    const a = await lease("alice", [1, 2]);
    const waiting = lease("alice", [1, 2, 3]);
    expect(slots.queued).toBe(1);
    await finish(a, "alice", [1, 2, 3]);
    expect((await waiting).contextTokens).toEqual([]);
    expect(cleared).toEqual([a.id]);
  });
});

describe("PromptCache reusing prefixes under load (between decodes)", () => {
  const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  test("a conversation's next turn gets its kept sequence, cut to the shared prefix, when packing gives it that one", async () => {
    const { lease, finish, cleared, reused } = setup(4, true);
    const a = await lease("alice", upTo(4)); // id 0, idle
    await finish(a, "alice", upTo(10));
    const busy = await lease(undefined); // id 1: a kept sequence is the last choice while idle
    expect(busy.id).toBe(1);
    // Under load the free ids next to the busy one come first: 0, alice's.
    const next = await lease("alice", [...upTo(8), 99, 100]);
    expect(next.id).toBe(0);
    expect(reused).toEqual([["trim", 0, 8]]);
    expect(next.contextTokens).toEqual(upTo(8));
    expect(cleared).toEqual([]);
  });

  test("the prompt's last token is never served from the cache: it is evaluated for the answer's first", async () => {
    const { lease, finish, reused } = setup(4, true);
    await finish(await lease("alice", upTo(4)), "alice", upTo(10));
    await lease(undefined);
    const next = await lease("alice", upTo(10)); // the same prompt again (a regenerated answer)
    expect(reused).toEqual([["trim", 0, 9]]);
    expect(next.contextTokens).toEqual(upTo(9));
  });

  test("when packing gives another sequence, the kept prefix is copied into it, an empty one before another caller's kept one", async () => {
    const { lease, finish, reused } = setup(4, true);
    await finish(await lease("alice", upTo(4)), "alice", upTo(40)); // id 0
    await finish(await lease("dave", [500, 501]), "dave", [500, 501, 502]); // id 1 (idle: the kept one last)
    expect((await lease(undefined)).id).toBe(2);
    // 1 (dave's) and 3 (empty) are both next to the busy 2: the empty one takes alice's copy.
    const next = await lease("alice", [...upTo(30), 77]);
    expect(next.id).toBe(3);
    expect(reused).toEqual([["copy", 0, 3, 30]]);
    expect(next.contextTokens).toEqual(upTo(30));
    // Dave's cache is still there for his next turn: cut to what it shares.
    const dave = await lease("dave", [500, 501, 502, 503]);
    expect(dave.id).toBe(1);
    expect(reused.at(-1)).toEqual(["trim", 1, 3]);
  });

  test("when only another caller's kept sequence is next to the busy ones, the copy replaces its tokens", async () => {
    const { lease, finish, reused } = setup(3, true);
    await finish(await lease("alice", upTo(4)), "alice", upTo(40)); // id 0
    const d = await lease("dave", [500, 501]); // id 1 (idle: the kept one last)
    expect(d.id).toBe(1);
    await finish(d, "dave", [500, 501, 502]);
    const busy = await lease(undefined); // id 2
    expect(busy.id).toBe(2);
    const next = await lease("alice", [...upTo(30), 77]); // packing: id 1, next to the busy one
    expect(next.id).toBe(1);
    expect(reused).toEqual([["copy", 0, 1, 30]]);
    expect(next.contextTokens).toEqual(upTo(30));
    // Dave's tokens were replaced, so his next turn starts from scratch (and never from alice's).
    const dave = await lease("dave", [500, 501, 502, 503]);
    expect(dave.contextTokens).toEqual([]);
  });

  test("a short shared prefix is not worth a copy: the sequence given is cleared", async () => {
    const { lease, finish, reused, cleared } = setup(3, true);
    await finish(await lease("alice", upTo(4)), "alice", upTo(8)); // id 0
    const d = await lease("dave", [500]); // id 1
    await finish(d, "dave", [500, 501]);
    await lease(undefined); // id 2
    const next = await lease("alice", [...upTo(8), 9]);
    expect(next.id).toBe(1);
    expect(reused).toEqual([]);
    expect(cleared).toEqual([1]);
    expect(next.contextTokens).toEqual([]);
  });

  test("another caller given a kept sequence under load gets it cleared, never cut or copied", async () => {
    const { lease, finish, reused, cleared } = setup(2, true);
    await finish(await lease("alice", upTo(4)), "alice", upTo(40)); // id 0
    await lease(undefined); // id 1
    const bob = await lease("bob", upTo(39)); // shares alice's prefix, but is not alice
    expect(bob.id).toBe(0);
    expect(reused).toEqual([]);
    expect(cleared).toEqual([0]);
    expect(bob.contextTokens).toEqual([]);
  });

  test("a request that ends while others run keeps its tokens for its caller", async () => {
    const { lease, finish, cleared } = setup(4, true);
    await lease(undefined); // id 0, stays busy
    const a = await lease("alice", upTo(4)); // id 1
    await finish(a, "alice", upTo(10));
    expect(cleared).toEqual([]);
    expect(a.contextTokens).toEqual(upTo(10));
    // Without a scope nothing is kept.
    const u = await lease(undefined); // id 1 again? packing: 1 is next to the busy 0
    await finish(u, undefined, [7, 8]);
    expect(cleared).toContain(u.id);
  });
});
