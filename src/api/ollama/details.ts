import type { ModelRecord } from "../../store/repos/models.ts";

type Model = Pick<ModelRecord, "architecture" | "parameterCount" | "quantization">;

/** Ollama's `details` object, as in /api/tags, /api/show and /api/ps. */
export function detailsOf(m: Model) {
  const family = m.architecture ?? "";
  return {
    parent_model: "",
    format: "gguf",
    family,
    families: family ? [family] : null,
    parameter_size: m.parameterCount ? humanNumber(m.parameterCount) : "",
    quantization_level: m.quantization ?? "",
  };
}

/** Ollama's format.HumanNumber: 1100048384 → "1.1B", 135000000 → "135M", 494032768 → "494.03M". */
export function humanNumber(n: number): string {
  const fmt = (x: number, digits: number) => (x === Math.floor(x) ? x.toFixed(0) : x.toFixed(digits));
  if (n >= 1e9) return `${fmt(n / 1e9, 1)}B`;
  if (n >= 1e6) return `${fmt(n / 1e6, 2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}K`;
  return String(n);
}

/** RFC 3339, whatever the store hands back. */
export const rfc3339 = (d: Date | string | number) => new Date(d).toISOString();
