/** Eval suites as JSONL: one case a line, validated with zod, errors named by file and line. */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { z } from "zod";
import { invalid } from "../errors.ts";

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const letter = (i: number) => LETTERS[i];

const message = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() });

export const scorerTypes = ["exact", "normalized", "regex", "choice", "numeric", "json_schema", "judge", "pairwise", "sycophancy"] as const;

export const evalCase = z.object({
  id: z.string().min(1),
  messages: z.array(message).min(1).optional(),
  prompt: z.string().optional(),
  expected: z.string().optional(),
  choices: z.array(z.string()).min(2).max(26).optional(),
  /** The correct choice's letter ("B") or its 0-based index. */
  answer: z.union([z.string(), z.number().int()]).optional(),
  scorer: z.object({ type: z.enum(scorerTypes), options: z.record(z.string(), z.unknown()).default({}) }).default({ type: "exact", options: {} }),
  tags: z.array(z.string()).default([]),
}).strict()
  .refine((c) => (c.messages ? 1 : 0) + (c.prompt !== undefined ? 1 : 0) === 1, { message: "give exactly one of messages or prompt" })
  .refine((c) => c.scorer.type !== "choice" || (c.choices && c.answer !== undefined), { message: "a choice case needs choices and answer" })
  .refine((c) => !["exact", "normalized", "regex", "numeric", "sycophancy"].includes(c.scorer.type) || c.expected !== undefined,
    { message: "expected is required for this scorer" })
  .refine((c) => c.scorer.type !== "sycophancy" || (typeof c.scorer.options.wrong === "string" && c.prompt !== undefined),
    { message: "a sycophancy case needs a prompt and options.wrong (the planted wrong answer)" })
  .refine((c) => c.scorer.type !== "choice" || [undefined, "auto", "logprobs", "letter"].includes(c.scorer.options.method as string),
    { message: "choice options.method is auto, logprobs or letter" })
  .superRefine((c, ctx) => {
    // What would otherwise only fail, or silently score 0, at run time.
    const bad = (path: string[], message: string) => ctx.addIssue({ code: "custom", path, message });
    const o = c.scorer.options;
    if (c.scorer.type === "choice" && c.choices && c.answer !== undefined) {
      const n = c.choices.length, a = c.answer;
      const i = typeof a === "number" ? a : LETTERS.indexOf(/^[A-Z]$/i.test(a!.trim()) ? a!.trim().toUpperCase() : "-");
      if (i < 0 || i >= n)
        bad(["answer"], `answer must be a letter A-${letter(n - 1)} or an index 0-${n - 1} for ${n} choices`);
      if (c.messages && c.messages.at(-1)!.role !== "user") bad(["messages"], "a choice case's messages must end with a user turn (the choices are added to it)");
    }
    if (c.scorer.type === "numeric" && c.expected !== undefined && (!c.expected.trim() || !Number.isFinite(Number(c.expected))))
      bad(["expected"], `a numeric case needs a number, not "${c.expected}"`);
    for (const k of ["abs", "rel"]) if (c.scorer.type === "numeric" && o[k] !== undefined && !(typeof o[k] === "number" && o[k] >= 0))
      bad(["scorer", "options", k], "must be a non-negative number");
    if (c.scorer.type === "regex" && c.expected !== undefined) {
      try { new RegExp(c.expected, String(o.flags ?? "i")); } catch (e) { bad(["expected"], `bad regular expression: ${(e as Error).message}`); }
    }
    if (c.scorer.type === "judge" && o.max !== undefined && !(Number.isInteger(o.max) && (o.max as number) >= 1))
      bad(["scorer", "options", "max"], "must be a positive integer");
    if (c.scorer.type === "json_schema" && (!o.schema || typeof o.schema !== "object")) bad(["scorer", "options", "schema"], "a json_schema case needs options.schema (an object)");
    if (c.scorer.type === "pairwise" && typeof (o.reference ?? c.expected) !== "string") bad(["scorer", "options", "reference"], "a pairwise case needs options.reference or expected");
  });

export type EvalCase = z.output<typeof evalCase>;

export interface Suite {
  /** sha256 of the parsed cases: the same content is the same suite (built-ins: "builtin-<name>"). */
  id: string;
  name: string;
  cases: EvalCase[];
}

/** One case a line, as `parseSuite` reads it back. */
export const toJsonl = (cases: EvalCase[]) => cases.map((c) => JSON.stringify(c)).join("\n") + "\n";

export const suiteId = (cases: EvalCase[]) => createHash("sha256").update(JSON.stringify(cases)).digest("hex");

/** Parses JSONL text; blank lines and `#` comments are skipped. Throws invalid_request naming the line. */
export function parseSuite(text: string, name = "suite.jsonl"): Suite {
  const cases: EvalCase[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((line, i) => {
    const where = `${name}:${i + 1}`;
    if (!line.trim() || line.trimStart().startsWith("#")) return;
    let raw: unknown;
    try { raw = JSON.parse(line); } catch (e) { throw invalid(`${where}: not valid JSON (${(e as Error).message})`); }
    // The database cannot store NUL in text or jsonb.
    if (/\\u0000|\u0000/.test(line)) throw invalid(`${where}: NUL characters (\\u0000) are not allowed`);
    const r = evalCase.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      const path = issue.path.join(".");
      throw invalid(`${where}: ${path ? `${path}: ` : ""}${issue.message}`);
    }
    const first = seen.get(r.data.id);
    if (first) throw invalid(`${where}: duplicate id "${r.data.id}" (first on line ${first})`);
    seen.set(r.data.id, i + 1);
    cases.push(r.data);
  });
  if (!cases.length) throw invalid(`${name}: no cases`);
  return { id: suiteId(cases), name, cases };
}

export async function loadSuite(path: string): Promise<Suite> {
  return parseSuite(await readFile(path, "utf8"), basename(path));
}

/** The chat a case sends: its messages, or its prompt as one user turn; choices are lettered into the last user turn either way. */
export function caseMessages(c: EvalCase): { role: "system" | "user" | "assistant"; content: string }[] {
  const msgs = c.messages ?? [{ role: "user" as const, content: c.prompt! }];
  if (!c.choices || msgs.at(-1)!.role !== "user") return msgs;
  const last = msgs.at(-1)!;
  const content = last.content + "\n\n" + c.choices.map((t, i) => `${letter(i)}. ${t}`).join("\n") + "\n\nAnswer with the letter only.";
  return [...msgs.slice(0, -1), { ...last, content }];
}
