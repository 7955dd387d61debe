import { invalid } from "../errors.ts";

/**
 * A client's JSON Schema → the subset node-llama-cpp's grammar builder enforces. The builder
 * skips keywords it does not know, so an answer could parse and still fail the client's schema
 * (`minimum`, `pattern`, ...), and it reads a schema without `type` as `null`. Here every keyword
 * is enforced by the builder, rewritten into one it enforces with the same meaning for the
 * output, dropped as an annotation, or refused with its place named: generation under the result
 * only produces values that validate against the original.
 */
const ANNOTATIONS = new Set([
  "description", "title", "default", "examples", "$schema", "$id", "$comment", "readOnly", "writeOnly", "deprecated",
  "discriminator", // OpenAPI's hint for a oneOf (Pydantic writes it); the branches decide validity
]);
const FORMATS = new Set(["date-time", "date", "time"]);
/** Keywords that constrain only values of one type (JSON Schema ignores them for the others). */
const TYPE_KEYWORDS: Record<string, string[]> = {
  object: ["properties", "additionalProperties", "minProperties", "maxProperties", "required"],
  array: ["items", "prefixItems", "minItems", "maxItems"],
  string: ["minLength", "maxLength", "format"],
};
const TYPED_ONLY = new Set(Object.values(TYPE_KEYWORDS).flat());
const SCALARS = ["string", "number", "boolean", "null"];
const MAX_DEPTH = 32;

type Schema = Record<string, unknown>;
const isObj = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * `lenient`: value constraints the grammar cannot enforce (bounds, patterns, other formats,
 * uniqueItems, conditionals…) are dropped instead of refused. For tools that are not `strict`,
 * whose arguments OpenAI and Anthropic do not promise to validate either: the rest of the schema
 * still holds, and real tool sets (Claude Code's, with `maximum` and `format: "uri"`) work.
 */
export function grammarSchema(schema: unknown, param: string, opts: { lenient?: boolean } = {}): Schema {
  return convert(schema, "schema", 0, param, !!opts.lenient);
}

/** Keywords that only narrow values; a lenient conversion may drop them. */
const VALUE_CONSTRAINTS = new Set([
  "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "pattern", "format", "uniqueItems",
  "not", "if", "then", "else", "contains", "minContains", "maxContains", "propertyNames", "patternProperties",
  "dependentRequired", "dependentSchemas", "dependencies", "unevaluatedProperties", "unevaluatedItems", "contentEncoding", "contentMediaType",
]);

function convert(s: unknown, at: string, depth: number, param: string, lenient: boolean): Schema {
  const refuse = (what: string) => invalid(`${at}: ${what}; local models generate JSON under a grammar that cannot enforce it (remove it, or use an upstream model that supports it)`, param);
  if (depth > MAX_DEPTH) throw invalid(`${at}: JSON schema is nested deeper than ${MAX_DEPTH} levels`, param);
  // `true` / `{}`: any value. The builder has no "any" at the top of a schema; a scalar or an
  // object of anything covers it (every value it produces validates).
  if (s === true || (isObj(s) && Object.keys(s).every((k) => ANNOTATIONS.has(k)))) {
    return { oneOf: [{ type: SCALARS }, { type: "object", additionalProperties: true }] };
  }
  if (!isObj(s)) throw invalid(`${at}: ${s === false ? "the schema `false` accepts nothing" : "a JSON schema must be an object"}`, param);

  const out: Schema = {};
  let closed = false;
  const sub = (v: unknown, key: string) => convert(v, `${at}.${key}`, depth + 1, param, lenient);
  const map = (v: unknown, key: string) => {
    if (!isObj(v)) throw invalid(`${at}.${key}: must be an object of schemas`, param);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sub(x, `${key}.${k}`)]));
  };
  const list = (v: unknown, key: string) => {
    if (!Array.isArray(v) || v.length === 0) throw invalid(`${at}.${key}: must be a non-empty array of schemas`, param);
    return v.map((x, i) => sub(x, `${key}.${i}`));
  };

  for (const [key, v] of Object.entries(s)) {
    if (ANNOTATIONS.has(key) || key.startsWith("x-")) continue;
    if (lenient && VALUE_CONSTRAINTS.has(key) && !(key === "format" && FORMATS.has(v as string))) continue;
    switch (key) {
      case "type": case "required": case "minLength": case "maxLength": case "minItems": case "maxItems":
      case "minProperties": case "maxProperties":
        out[key] = v;
        break;
      case "enum": case "const": {
        const values = key === "enum" ? (Array.isArray(v) ? v : [v]) : [v];
        if (values.some((x) => typeof x === "object" && x !== null)) {
          if (lenient) break;
          throw refuse(`${key} with objects or arrays`);
        }
        out[key] = v;
        break;
      }
      case "format":
        if (!FORMATS.has(v as string)) throw refuse(`format "${String(v)}" (supported: ${[...FORMATS].join(", ")})`);
        out.format = v;
        break;
      case "properties":
        out.properties = map(v, key);
        break;
      case "$defs": case "definitions":
        out.$defs = { ...(out.$defs as Schema | undefined), ...map(v, key) };
        break;
      case "$ref": {
        const ref = String(v);
        const name = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(ref)?.[1];
        if (!name) throw refuse(`$ref "${ref}" (supported: "#/$defs/<name>")`);
        out.$ref = `#/$defs/${name}`;
        break;
      }
      case "additionalProperties":
        out.additionalProperties = typeof v === "boolean" ? v : sub(v, key);
        break;
      case "items":
        if (Array.isArray(v)) out.prefixItems = list(v, key); // the older tuple form
        else if (v === false) closed = true; // nothing beyond prefixItems
        else if (v !== true) out.items = sub(v, key);
        break;
      case "additionalItems": // the older tuple form's items beyond it (ignored beside a single items schema)
        if (!Array.isArray(s.items)) break;
        if (v === false) closed = true;
        else if (v !== true) out.items = sub(v, key);
        break;
      case "prefixItems":
        out.prefixItems = list(v, key);
        break;
      // A value the grammar produces matches one branch, which is all anyOf asks.
      case "anyOf": case "oneOf":
        out.oneOf = list(v, key);
        break;
      case "allOf": {
        // Pydantic wraps a $ref this way to annotate it: one branch is the branch.
        const branches = list(v, key);
        if (branches.length !== 1) throw refuse("allOf with more than one schema");
        Object.assign(out, branches[0]);
        break;
      }
      case "uniqueItems":
        if (v === true) throw refuse("uniqueItems");
        break;
      default:
        throw refuse(`the keyword "${key}"`);
    }
  }
  if (closed) {
    const n = (out.prefixItems as unknown[] | undefined)?.length ?? 0;
    if (typeof out.minItems === "number" && out.minItems > n) throw invalid(`${at}: minItems ${out.minItems} with at most ${n} items allowed accepts nothing`, param);
    out.maxItems = Math.min(typeof out.maxItems === "number" ? out.maxItems : n, n);
  }
  const alongside = Object.keys(out).filter((k) => k !== "oneOf" && k !== "$defs");
  if (out.oneOf && alongside.length) throw refuse(`anyOf/oneOf next to ${alongside.join(", ")}`);
  // The builder applies object, array and string keywords only under a single type: one branch per type.
  if (Array.isArray(out.type) && out.type.length > 1) {
    const { type, $defs, ...rest } = out;
    const applies = (k: string, t: string) => !TYPED_ONLY.has(k) || TYPE_KEYWORDS[t]?.includes(k);
    const branch = (t: string) => typed(Object.fromEntries([["type", t], ...Object.entries(rest).filter(([k]) => applies(k, t))]));
    return { oneOf: (type as string[]).map(branch), ...($defs ? { $defs } : {}) };
  }
  return typed(out);
}

function typed(out: Schema): Schema {
  // The builder reads what a schema holds by its type: say it when only the keywords do.
  if (out.type === undefined && out.oneOf === undefined && out.$ref === undefined && out.enum === undefined && out.const === undefined) {
    if (out.properties || out.additionalProperties !== undefined) out.type = "object";
    else if (out.items || out.prefixItems) out.type = "array";
    else if (out.format || out.minLength !== undefined || out.maxLength !== undefined) out.type = "string";
  }
  // An object with no listed properties means "any properties", not "no properties".
  if (out.type === "object" && !out.properties && out.additionalProperties === undefined) out.additionalProperties = true;
  return out;
}
