import type { z } from "zod";
import { invalid } from "../../errors.ts";
import { parseBody } from "../validate.ts";

type Issue = z.core.$ZodIssue;

/**
 * parseBody, with one refinement for unions (`content: string | parts[]`): zod reports a bare
 * "Invalid input" at the union, so we descend into the branch that got furthest and name the
 * exact field, e.g. `messages.0.content.1.text` instead of `messages.0.content`.
 */
export function parseWire<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue.code !== "invalid_union" || issue.errors.length === 0 || issue.message !== "Invalid input") {
    return parseBody(schema, body); // the shared path: same messages as every other route
  }
  const deepest = deepestIssue(issue);
  const path = [...issue.path, ...deepest.path].join(".");
  throw invalid(path ? `${path}: ${deepest.message}` : deepest.message, path || undefined);
}

/** The issue with the longest path across a union's branches (the branch that matched best). */
function deepestIssue(u: Extract<Issue, { code: "invalid_union" }>): Issue {
  let best: Issue = u;
  let bestLen = -1;
  for (const branch of u.errors) {
    for (const inner of branch) {
      const resolved = inner.code === "invalid_union" && inner.errors.length
        ? { ...deepestIssue(inner), path: [...inner.path, ...deepestIssue(inner).path] }
        : inner;
      if (resolved.path.length > bestLen) {
        best = resolved;
        bestLen = resolved.path.length;
      }
    }
  }
  return best;
}
