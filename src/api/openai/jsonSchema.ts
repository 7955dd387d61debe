import { invalid } from "../../errors.ts";

/**
 * A structural check of a JSON Schema sent by a client (response_format, tool parameters). It
 * catches malformed schemas with a 400 naming the spot, before they reach the grammar builder
 * where they would fail obscurely. Whether the engine supports every keyword is the runtime's
 * call; this only rejects what is not a JSON Schema at all. Depth is bounded: the input is
 * untrusted and the check recurses.
 */
const TYPES = new Set(["object", "array", "string", "number", "integer", "boolean", "null"]);
const MAX_DEPTH = 32;

const SCHEMA_MAPS = ["properties", "$defs", "definitions", "patternProperties", "dependentSchemas"];
const SCHEMA_LISTS = ["anyOf", "oneOf", "allOf", "prefixItems"];
const SCHEMA_ONE = ["additionalProperties", "items", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedProperties"];
const COUNTS = ["minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"];
const NUMBERS = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function checkJsonSchema(schema: unknown, param: string): void {
  check(schema, param, 0);
}

function check(s: unknown, at: string, depth: number): void {
  if (depth > MAX_DEPTH) throw invalid(`${at}: JSON schema is nested deeper than ${MAX_DEPTH} levels`, at);
  if (typeof s === "boolean") return;
  if (!isObj(s)) throw invalid(`${at}: a JSON schema must be an object`, at);
  const fail = (key: string, what: string) => invalid(`${at}.${key}: ${what}`, `${at}.${key}`);

  if ("type" in s) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (types.length === 0 || !types.every((t) => typeof t === "string" && TYPES.has(t))) {
      throw fail("type", `must be one of ${[...TYPES].join(", ")} (or a list of them)`);
    }
  }
  for (const key of SCHEMA_MAPS) {
    if (!(key in s)) continue;
    const map = s[key];
    if (!isObj(map)) throw fail(key, "must be an object of schemas");
    for (const [k, v] of Object.entries(map)) check(v, `${at}.${key}.${k}`, depth + 1);
  }
  for (const key of SCHEMA_LISTS) {
    if (!(key in s)) continue;
    const list = s[key];
    if (!Array.isArray(list) || list.length === 0) throw fail(key, "must be a non-empty array of schemas");
    list.forEach((v, i) => check(v, `${at}.${key}.${i}`, depth + 1));
  }
  for (const key of SCHEMA_ONE) {
    if (!(key in s)) continue;
    const v = s[key];
    // `items` as a list is the older tuple form.
    if (key === "items" && Array.isArray(v)) v.forEach((x, i) => check(x, `${at}.items.${i}`, depth + 1));
    else check(v, `${at}.${key}`, depth + 1);
  }
  if ("required" in s && !(Array.isArray(s.required) && s.required.every((r) => typeof r === "string"))) {
    throw fail("required", "must be an array of property names");
  }
  if ("enum" in s && !(Array.isArray(s.enum) && s.enum.length > 0)) throw fail("enum", "must be a non-empty array");
  for (const key of COUNTS) {
    if (key in s && !(Number.isInteger(s[key]) && (s[key] as number) >= 0)) throw fail(key, "must be a non-negative integer");
  }
  for (const key of NUMBERS) {
    if (key in s && typeof s[key] !== "number") throw fail(key, "must be a number");
  }
  for (const key of ["$ref", "pattern", "format", "description", "title"]) {
    if (key in s && typeof s[key] !== "string") throw fail(key, "must be a string");
  }
  if (typeof s.pattern === "string") {
    try {
      new RegExp(s.pattern, "u");
    } catch {
      throw fail("pattern", "is not a valid regular expression");
    }
  }
  if (typeof s.$ref === "string" && !s.$ref.startsWith("#")) throw fail("$ref", "only local references (#/...) are supported");
}
