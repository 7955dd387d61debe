import { describe, expect, test } from "vitest";
import { defaultName } from "../../src/quantize/quantize.ts";
import { estimateOutputBytes } from "../../src/quantize/space.ts";
import { parseGgmlType, parseQuantType, QUANT_TYPES } from "../../src/quantize/types.ts";

describe("quantization types", () => {
  test("every llama_ftype the quantizer accepts, with llama.h's numbers", () => {
    const byName = Object.fromEntries(QUANT_TYPES.map((t) => [t.name, t.ftype]));
    expect(byName).toMatchObject({ F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q8_0: 7, Q5_0: 8, Q5_1: 9, Q2_K: 10, Q3_K_S: 11, Q3_K_M: 12,
      Q3_K_L: 13, Q4_K_S: 14, Q4_K_M: 15, Q5_K_S: 16, Q5_K_M: 17, Q6_K: 18, IQ2_XXS: 19, IQ2_XS: 20, Q2_K_S: 21, IQ3_XS: 22,
      IQ3_XXS: 23, IQ1_S: 24, IQ4_NL: 25, IQ3_S: 26, IQ3_M: 27, IQ2_S: 28, IQ2_M: 29, IQ4_XS: 30, IQ1_M: 31, BF16: 32,
      TQ1_0: 36, TQ2_0: 37, MXFP4_MOE: 38, Q1_0: 40, Q2_0: 41 });
    expect(new Set(QUANT_TYPES.map((t) => t.ftype)).size).toBe(QUANT_TYPES.length);
  });

  test("names are case-insensitive and llama-quantize's aliases work", () => {
    expect(parseQuantType("q4_k_m").ftype).toBe(15);
    expect(parseQuantType("Q4_K").name).toBe("Q4_K_M");
    expect(parseQuantType("q5_k").name).toBe("Q5_K_M");
  });

  test("an unknown type is refused with the list of valid ones", () => {
    expect(() => parseQuantType("Q7_X")).toThrow(expect.objectContaining({ code: "invalid_request", message: expect.stringMatching(/unknown quantization type "Q7_X".*Q8_0.*Q4_K_M/) }));
  });

  test.each(["IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ2_M", "IQ1_S", "IQ1_M", "IQ3_XXS", "IQ3_XS", "Q2_K_S"])("%s without an importance matrix is refused clearly", (t) => {
    expect(() => parseQuantType(t)).toThrow(expect.objectContaining({ code: "invalid_request", message: expect.stringMatching(/importance matrix/) }));
  });

  test("tensor types for --output-type", () => {
    expect(parseGgmlType("Q8_0", "outputType")).toBe(8);
    expect(parseGgmlType("q6_k", "outputType")).toBe(14);
    expect(() => parseGgmlType("q9", "outputType")).toThrow(/unknown tensor type/);
  });

  test("default names put the type in the tag", () => {
    const q = parseQuantType("Q4_K_M");
    expect(defaultName("tinyllama", q)).toBe("tinyllama:q4_k_m");
    expect(defaultName("org/llama:f16", q)).toBe("org/llama:q4_k_m");
    expect(defaultName("host:8080/llama", q)).toBe("host:8080/llama:q4_k_m");
  });

  test("size estimates scale with bits per weight", () => {
    const p = 1.1e9;
    expect(estimateOutputBytes(p, parseQuantType("Q8_0"))).toBeGreaterThan(estimateOutputBytes(p, parseQuantType("Q4_0")));
    expect(estimateOutputBytes(p, parseQuantType("Q4_0")) / 1e9).toBeCloseTo(0.72, 1);
  });
});
