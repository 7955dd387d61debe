/**
 * Rules of node-llama-cpp's JSON-schema grammar builder, corrected so that what it lets a model
 * write also passes the schema's validator. The builder serves `response_format` / `format` and
 * tool parameters alike. Two of its rules let invalid values through; on a random-weight model:
 *
 * - Numbers: an exponent of up to 16 digits in both kinds, so `"type": "integer"` admitted `5e-3`
 *   (no integer) and `7e123456` (Infinity once parsed), and `"type": "number"` `4e9999`. 36 of 60
 *   seeded answers to `{a: integer, b: number}` failed, and 12 of 30 forced tool calls. Now
 *   integers have no exponent and other numbers at most two exponent digits (always finite).
 * - Dates (`format` `date`, `date-time`): any day 01-31 in any month, so `2023-02-30` and
 *   `2023-11-31`; 2 of 25 answers with a date-time failed. Now each month has its own days, and
 *   February 29 only in leap years.
 *
 * The rules are methods of the builder's terminal classes, which node-llama-cpp does not export:
 * they are reached by their files, next to the package's entry, and replaced on the prototypes,
 * which every grammar the builder makes goes through. A missing file or method (another version)
 * fails at the first model load rather than letting invalid output through;
 * test/runtime/grammarSchema.test.ts checks the rules in built grammars and in generated answers.
 */
export const INTEGER_RULE = '"-"? ("0" | [1-9] [0-9]{0,15})';
export const NUMBER_RULE = `${INTEGER_RULE} ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,2})?`;

/** A year divisible by 4 and not by 100, or by 400 (four digits, as RFC 3339 writes years). */
const LEAP_YEAR = '([0-9] [0-9] ("0" [48] | [2468] [048] | [13579] [26]) | ([02468] [048] | [13579] [26]) "00")';
export const DATE_RULE = "(" + [
  '[0-9]{4} "-" ("0" [13578] | "1" [02]) "-" ("0" [1-9] | [12] [0-9] | "3" [01])',
  '[0-9]{4} "-" ("0" [469] | "11") "-" ("0" [1-9] | [12] [0-9] | "30")',
  '[0-9]{4} "-02-" ("0" [1-9] | "1" [0-9] | "2" [0-8])',
  `${LEAP_YEAR} "-02-29"`,
].join(" | ") + ")";

type Terminal = { prototype: Record<string, unknown> };

let patched: Promise<void> | undefined;

/** Replaces the builder's number and date rules (once per process). */
export function patchGrammarRules(): Promise<void> {
  return (patched ??= (async () => {
    const GbnfNumber = await terminal("GbnfNumber", "getGrammar");
    GbnfNumber.prototype.getGrammar = function (this: { allowFractional: boolean }) {
      return this.allowFractional ? NUMBER_RULE : INTEGER_RULE;
    };
    const GbnfFormatString = await terminal("GbnfFormatString", "_getDateGrammar");
    GbnfFormatString.prototype._getDateGrammar = () => DATE_RULE;
  })());
}

async function terminal(name: string, method: string): Promise<Terminal> {
  const url = new URL(`./utils/gbnfJson/terminals/${name}.js`, import.meta.resolve("node-llama-cpp"));
  const cls = ((await import(url.href)) as Record<string, Terminal | undefined>)[name];
  if (typeof cls?.prototype?.[method] !== "function") {
    throw new Error(`node-llama-cpp's ${name}.${method} is not at ${url.href}: its JSON grammar cannot be made to validate`);
  }
  return cls;
}
