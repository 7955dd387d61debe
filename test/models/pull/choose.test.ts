import { describe, expect, it } from "vitest";
import { chooseFile, matchesQuant, type HubFile } from "../../../src/models/pull/hub.ts";

const f = (path: string, size = 100): HubFile => ({ path, size, sha256: "a".repeat(64) });
const files = [
  f("model-Q2_K.gguf", 50), f("model-Q4_K_S.gguf", 90), f("model-Q4_K_M.gguf", 100),
  f("model.q8_0.gguf", 200), f("model-BF16.gguf", 400), f("mmproj-model-f16.gguf", 30),
];
const chosen = (list: HubFile[], sel?: string) => chooseFile(list, sel, "hf:a/b").path;

describe("chooseFile", () => {
  it("matches quant tags as whole tokens, case-insensitively", () => {
    expect(chosen(files, "Q4_K_M")).toBe("model-Q4_K_M.gguf");
    expect(chosen(files, "q4_k_s")).toBe("model-Q4_K_S.gguf");
    expect(chosen(files, "Q8_0")).toBe("model.q8_0.gguf");
    expect(chosen(files, "bf16")).toBe("model-BF16.gguf");
    expect(matchesQuant("model_Q4_K_M.gguf", "Q4_K_M")).toBe(true);
    expect(matchesQuant("Q4_K_M/model.gguf", "Q4_K_M")).toBe(true);
    expect(matchesQuant("model-Q4_K_M.gguf", "Q4_K")).toBe(false);
    expect(matchesQuant("model-BF16.gguf", "F16")).toBe(false);
  });

  it("selects by exact path or file name, even a projector", () => {
    expect(chosen(files, "mmproj-model-f16.gguf")).toBe("mmproj-model-f16.gguf");
    expect(chosen([f("sub/x.gguf"), f("x-Q4_0.gguf")], "x.gguf")).toBe("sub/x.gguf");
    expect(chosen([f("sub/x.gguf")], "sub/x.gguf")).toBe("sub/x.gguf");
  });

  it("defaults to Q4_K_M, then Q4_0, then Q8_0, else the smallest non-projector", () => {
    expect(chosen(files)).toBe("model-Q4_K_M.gguf");
    expect(chosen([f("m-Q8_0.gguf"), f("m-Q4_0.gguf")])).toBe("m-Q4_0.gguf");
    expect(chosen([f("m-Q8_0.gguf"), f("m-F16.gguf")])).toBe("m-Q8_0.gguf");
    expect(chosen([f("m-F16.gguf", 9), f("m-IQ2_XS.gguf", 3), f("mmproj-f16.gguf", 1)])).toBe("m-IQ2_XS.gguf");
  });

  it("reports an ambiguous quant with the candidates", () => {
    const list = [f("a-Q4_K_M.gguf"), f("b-Q4_K_M.gguf")];
    expect(() => chosen(list, "Q4_K_M")).toThrow(/ambiguous.*a-Q4_K_M\.gguf, b-Q4_K_M\.gguf/);
    expect(() => chosen(list)).toThrow(expect.objectContaining({ code: "invalid_request" }));
  });

  it("reports a missing quant with the available files", () => {
    expect(() => chosen(files, "Q5_K_M")).toThrow(expect.objectContaining({ code: "not_found" }));
    expect(() => chosen(files, "Q5_K_M")).toThrow(/available: model-Q2_K\.gguf, .*mmproj-model-f16\.gguf/);
    expect(() => chosen([], "Q4_K_M")).toThrow(/has no GGUF files/);
  });

  it("rejects split GGUF files as not supported yet", () => {
    const split = [f("big-Q4_K_M-00001-of-00002.gguf"), f("big-Q4_K_M-00002-of-00002.gguf")];
    expect(() => chosen(split, "Q4_K_M")).toThrow(/split.*not supported yet/);
    expect(() => chosen(split)).toThrow(/split.*not supported yet/);
    expect(chosen([...split, f("small-Q8_0.gguf")])).toBe("small-Q8_0.gguf");
  });
});
