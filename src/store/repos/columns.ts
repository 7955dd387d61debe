/** Row <-> record mapping shared by the repos: columns are snake_case, records camelCase. */

export const toSnake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const toCamel = (col: string): string => col.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export function fromRow<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [col, value] of Object.entries(row)) out[toCamel(col)] = value;
  return out as T;
}

/**
 * Turns the known, defined fields of `values` into column names and parameters. Keys outside
 * `allowed` are ignored, so callers' objects never reach SQL as identifiers. Fields listed in
 * `json` are stringified (pg would send a JS array as a SQL array).
 */
export function toColumns(
  values: Record<string, unknown>,
  allowed: readonly string[],
  json: readonly string[] = [],
): { columns: string[]; params: unknown[] } {
  const columns: string[] = [];
  const params: unknown[] = [];
  for (const key of allowed) {
    const value = values[key];
    if (value === undefined) continue;
    columns.push(toSnake(key));
    params.push(json.includes(key) && value !== null ? JSON.stringify(value) : value);
  }
  return { columns, params };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Checked before querying: PostgreSQL rejects a malformed uuid with an error, not an empty result. */
export const isUuid = (id: string): boolean => UUID.test(id);

/**
 * PostgreSQL cannot store NUL in text or jsonb, and models do emit it (random-weight test models
 * often): text a model wrote is stored with U+FFFD in its place.
 */
export const storableText = (s: string): string => s.replaceAll("\u0000", "\uFFFD");
