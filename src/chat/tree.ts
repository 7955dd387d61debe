/** Message-tree helpers: the active branch is the path from the root to the conversation's leaf. */
import type { Message } from "./types.ts";

/** Root-first path ending at `leafId`. */
export function pathTo(all: Message[], leafId: string | null): Message[] {
  const byId = new Map(all.map((m) => [m.id, m]));
  const out: Message[] = [];
  for (let m = leafId ? byId.get(leafId) : undefined; m; m = m.parentId ? byId.get(m.parentId) : undefined) out.push(m);
  return out.reverse();
}

/**
 * The turns of a branch sent to the model: a failed answer with no text is left out with its
 * prompt, which may be what failed (longer than the context) and would fail every later turn.
 */
export function contextOf(path: Message[]): Message[] {
  const emptyFailure = (m: Message | undefined) => !!m?.error && !m.content;
  return path.filter((m, i) => !emptyFailure(m) && !(m.role === "user" && emptyFailure(path[i + 1])));
}

/** Each message with the ids of all alternatives sharing its parent (itself included), oldest first. */
export function withSiblings(all: Message[], branch: Message[]): (Message & { siblingIds: string[] })[] {
  return branch.map((m) => ({ ...m, siblingIds: all.filter((o) => o.parentId === m.parentId).map((o) => o.id) }));
}

/** Deepest, newest descendant of `id`: switching to an alternative shows its latest continuation. */
export function latestLeafUnder(all: Message[], id: string): string {
  let cur = id;
  for (;;) {
    const kids = all.filter((m) => m.parentId === cur);
    if (kids.length === 0) return cur;
    cur = kids[kids.length - 1].id;
  }
}
