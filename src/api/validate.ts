import type { z } from "zod";
import { FreeholdError } from "../errors.ts";

/** Parses a body against a zod schema; the first issue becomes a precise 400 naming the field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new FreeholdError("invalid_request", "request body must be a JSON object");
  }
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue.path.join(".");
  throw new FreeholdError("invalid_request", path ? `${path}: ${issue.message}` : issue.message, { param: path || undefined });
}
