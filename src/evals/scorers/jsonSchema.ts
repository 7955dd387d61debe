/** JSON-schema validity: the output (optionally in a ```json fence) parses and validates. */
import { z } from "zod";
import { invalid } from "../../errors.ts";
import type { Scorer } from "./types.ts";

const fenced = (s: string) => /```(?:json)?\s*([\s\S]*?)```/.exec(s)?.[1] ?? s;

export const jsonSchema: Scorer = (c, out) => {
  const schema = c.scorer.options.schema;
  if (!schema || typeof schema !== "object") throw invalid(`case ${c.id}: json_schema scorer needs options.schema`);
  let value: unknown;
  try { value = JSON.parse(fenced(out).trim()); } catch { return { score: 0, detail: { error: "not JSON" } }; }
  // zod 4 converts JSON Schema itself, which spares a second validator dependency.
  const r = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value);
  return r.success ? { score: 1 } : { score: 0, detail: { error: r.error.issues[0]?.message } };
};
