import { invalid } from "../errors.ts";

/**
 * The file types llama.cpp's quantizer produces, as `enum llama_ftype` in the bundled
 * include/llama.h (see BINDING_PIN in llamaLib.ts) and named as `llama-quantize` names them.
 * `bpw` is the typical bits per weight of the whole file (the output and embedding tensors stay
 * at higher precision), from llama.cpp's Llama-3-8B table where it has one, else the nominal
 * rate; it is used for estimates only. `needsImatrix`: refused by llama.cpp without an
 * importance matrix (measured: each of these fails with "this quantization requires an imatrix").
 */
export interface QuantType {
  name: string;
  ftype: number;
  bpw: number;
  needsImatrix?: boolean;
  note?: string;
}

export const QUANT_TYPES: readonly QuantType[] = [
  { name: "F32", ftype: 0, bpw: 32 },
  { name: "F16", ftype: 1, bpw: 16 },
  { name: "BF16", ftype: 32, bpw: 16 },
  { name: "Q8_0", ftype: 7, bpw: 8.51, note: "+0.0026 ppl @ Llama-3-8B" },
  { name: "Q6_K", ftype: 18, bpw: 6.57, note: "+0.0217 ppl @ Llama-3-8B" },
  { name: "Q5_K_M", ftype: 17, bpw: 5.7, note: "+0.0569 ppl @ Llama-3-8B" },
  { name: "Q5_K_S", ftype: 16, bpw: 5.57, note: "+0.1049 ppl @ Llama-3-8B" },
  { name: "Q5_1", ftype: 9, bpw: 6.04, note: "+0.1062 ppl @ Llama-3-8B" },
  { name: "Q5_0", ftype: 8, bpw: 5.57, note: "+0.1316 ppl @ Llama-3-8B" },
  { name: "Q4_K_M", ftype: 15, bpw: 4.9, note: "+0.1754 ppl @ Llama-3-8B" },
  { name: "Q4_K_S", ftype: 14, bpw: 4.67, note: "+0.2689 ppl @ Llama-3-8B" },
  { name: "Q4_1", ftype: 3, bpw: 5.11, note: "+0.4511 ppl @ Llama-3-8B" },
  { name: "Q4_0", ftype: 2, bpw: 4.64, note: "+0.4685 ppl @ Llama-3-8B" },
  { name: "IQ4_NL", ftype: 25, bpw: 4.5, note: "non-linear" },
  { name: "IQ4_XS", ftype: 30, bpw: 4.25, note: "non-linear" },
  { name: "MXFP4_MOE", ftype: 38, bpw: 4.25, note: "MXFP4 for MoE expert tensors" },
  { name: "Q3_K_L", ftype: 13, bpw: 4.31, note: "+0.5562 ppl @ Llama-3-8B" },
  { name: "Q3_K_M", ftype: 12, bpw: 4.0, note: "+0.6569 ppl @ Llama-3-8B" },
  { name: "Q3_K_S", ftype: 11, bpw: 3.65, note: "+1.6321 ppl @ Llama-3-8B" },
  { name: "IQ3_M", ftype: 27, bpw: 3.66 },
  { name: "IQ3_S", ftype: 26, bpw: 3.44 },
  { name: "IQ3_XS", ftype: 22, bpw: 3.3, needsImatrix: true },
  { name: "IQ3_XXS", ftype: 23, bpw: 3.06, needsImatrix: true },
  { name: "Q2_K", ftype: 10, bpw: 3.17, note: "+3.5199 ppl @ Llama-3-8B" },
  { name: "Q2_K_S", ftype: 21, bpw: 3.17, needsImatrix: true },
  { name: "Q2_0", ftype: 41, bpw: 2.25, note: "group 64" },
  { name: "IQ2_M", ftype: 29, bpw: 2.7, needsImatrix: true },
  { name: "IQ2_S", ftype: 28, bpw: 2.5, needsImatrix: true },
  { name: "IQ2_XS", ftype: 20, bpw: 2.31, needsImatrix: true },
  { name: "IQ2_XXS", ftype: 19, bpw: 2.06, needsImatrix: true },
  { name: "TQ2_0", ftype: 37, bpw: 2.06, note: "ternary: only for ternary-trained models" },
  { name: "TQ1_0", ftype: 36, bpw: 1.69, note: "ternary: only for ternary-trained models" },
  { name: "IQ1_M", ftype: 31, bpw: 1.75, needsImatrix: true },
  { name: "IQ1_S", ftype: 24, bpw: 1.56, needsImatrix: true },
  { name: "Q1_0", ftype: 40, bpw: 1.125 },
];
// Not offered: LLAMA_FTYPE_MOSTLY_NVFP4 (39) is in llama.h but the quantizer rejects it
// ("invalid output file type 39"), as the bundled llama-quantize does.

/** llama-quantize's aliases. */
const ALIASES: Record<string, string> = { Q3_K: "Q3_K_M", Q4_K: "Q4_K_M", Q5_K: "Q5_K_M" };

/** Types a source may have for quantizing without --allow-requantize. */
export const UNQUANTIZED = new Set(["F32", "F16", "BF16"]);

export function parseQuantType(input: string): QuantType {
  const upper = input.trim().toUpperCase();
  const name = ALIASES[upper] ?? upper;
  const t = QUANT_TYPES.find((q) => q.name === name);
  if (!t) {
    const names = (imatrix: boolean) => QUANT_TYPES.filter((q) => !!q.needsImatrix === imatrix).map((q) => q.name).join(", ");
    throw invalid(`unknown quantization type "${input}"; valid types: ${names(false)} (and, with an importance matrix, ${names(true)})`, "to");
  }
  if (t.needsImatrix) {
    throw invalid(`${t.name} needs an importance matrix (imatrix), and Freehold cannot compute one yet: without it llama.cpp `
      + `refuses these types because the result would be garbage. Types that work without one at similar size: IQ3_S, IQ3_M, Q3_K_S, Q2_K`, "to");
  }
  return t;
}

/**
 * ggml tensor types (enum ggml_type in ggml.h) for --output-type / --token-embedding-type,
 * by the names ggml_type_name() gives them. GGML_TYPE_COUNT (43) means "choose by ftype".
 */
export const GGML_TYPES: Record<string, number> = {
  f32: 0, f16: 1, q4_0: 2, q4_1: 3, q5_0: 6, q5_1: 7, q8_0: 8, q2_K: 10, q3_K: 11, q4_K: 12, q5_K: 13, q6_K: 14,
  iq2_xxs: 16, iq2_xs: 17, iq3_xxs: 18, iq1_s: 19, iq4_nl: 20, iq3_s: 21, iq2_s: 22, iq4_xs: 23, iq1_m: 29, bf16: 30,
  tq1_0: 34, tq2_0: 35, mxfp4: 39, q1_0: 41, q2_0: 42,
};
export const GGML_TYPE_COUNT = 43;

export function parseGgmlType(input: string, param: string): number {
  const key = Object.keys(GGML_TYPES).find((k) => k.toLowerCase() === input.trim().toLowerCase());
  if (key === undefined) throw invalid(`unknown tensor type "${input}"; valid: ${Object.keys(GGML_TYPES).join(", ")}`, param);
  return GGML_TYPES[key];
}
