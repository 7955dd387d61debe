/**
 * JSON numbers a schema's validator accepts. node-llama-cpp writes one grammar rule for every
 * number in a JSON schema (`response_format` / `format`, and tool parameters), and it allows an
 * exponent of up to 16 digits in both kinds:
 * - `"type": "integer"` then admits `5e-3` (not an integer) and `7e123456` (Infinity once parsed);
 * - `"type": "number"` admits `4e9999`, also Infinity, which no validator takes for a number.
 * A random-weight model chose such an exponent in 36 of 60 seeded answers to `{a: integer,
 * b: number}`; real models do it rarely, but "the output always validates" must hold always.
 *
 * So integers get no exponent, and other numbers at most two exponent digits (≤ 1e116 in
 * magnitude: always finite). The rule is a method of node-llama-cpp's GbnfNumber class, which
 * is not exported: it is reached by its file, next to the package's entry, and replaced on the
 * prototype, which every schema and tool grammar node-llama-cpp builds goes through. If the file
 * or method is missing (another version), this fails loudly at the first model load rather than
 * generating invalid output; test/runtime/numberGrammar.test.ts checks the rules.
 */
export const INTEGER_RULE = '"-"? ("0" | [1-9] [0-9]{0,15})';
export const NUMBER_RULE = `${INTEGER_RULE} ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,2})?`;

interface GbnfNumberClass {
  prototype: { allowFractional: boolean; getGrammar(): string };
}

let patched: Promise<void> | undefined;

/** Replaces node-llama-cpp's number rule (once per process). */
export function patchNumberGrammar(): Promise<void> {
  return (patched ??= (async () => {
    const url = new URL("./utils/gbnfJson/terminals/GbnfNumber.js", import.meta.resolve("node-llama-cpp"));
    const { GbnfNumber } = (await import(url.href)) as { GbnfNumber?: GbnfNumberClass };
    if (typeof GbnfNumber?.prototype?.getGrammar !== "function") {
      throw new Error(`node-llama-cpp's GbnfNumber.getGrammar is not at ${url.href}: its JSON number grammar cannot be made valid`);
    }
    GbnfNumber.prototype.getGrammar = function (this: { allowFractional: boolean }) {
      return this.allowFractional ? NUMBER_RULE : INTEGER_RULE;
    };
  })());
}
