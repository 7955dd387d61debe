/**
 * Result parsers shared by both backends so rows look the same whichever one is behind `Db`.
 * Timestamps are left to each driver: both already return `timestamptz` as a JS Date.
 */
const parseJson = (s: string): unknown => JSON.parse(s);

/** BIGINT as a plain number: sizes and parameter counts stay far below 2^53.
 *  (pg returns strings by default, PGlite switches to BigInt above 2^53; both would leak.) */
const parseInt8 = (s: string): number => Number(s);

export const INT8 = 20;
export const JSON_OID = 114;
export const JSONB = 3802;

export const parsers: Record<number, (s: string) => unknown> = {
  [INT8]: parseInt8,
  [JSON_OID]: parseJson,
  [JSONB]: parseJson,
};
