import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { readGgufFileInfo } from "node-llama-cpp";
import { makeModel } from "../../src/models/gguf/makeModel.ts";
import { parameterCounts, SHAPES } from "../../src/models/gguf/shapes.ts";

const dir = mkdtempSync(join(tmpdir(), "fh-gen-"));
const sha = async (p: string) => createHash("sha256").update(await readFile(p)).digest("hex");

describe("test-model generator", () => {
  test("dense model: valid GGUF with llama metadata, SPM vocab with byte fallback and a chat template", async () => {
    const m = await makeModel({ path: join(dir, "dense.gguf"), shape: "tiny" });
    expect(m.bytes).toBeGreaterThan(100_000);
    expect(m.bytes).toBeLessThan(1_000_000);
    const info = await readGgufFileInfo(m.path);
    const md = info.metadata as any;
    expect(md.general.architecture).toBe("llama");
    expect(md.llama.embedding_length).toBe(64);
    expect(md.tokenizer.ggml.model).toBe("llama");
    expect(md.tokenizer.ggml.tokens).toContain("<0x41>");
    expect(md.tokenizer.ggml.tokens.length).toBe(SHAPES.tiny.vocab);
    expect(md.tokenizer.chat_template).toContain("<|im_start|>");
    expect(md.general.description).toMatch(/random weights/);
    expect(info.fullTensorInfo?.length).toBe(3 + SHAPES.tiny.layers * 9);
  });

  test("MoE model: expert count and experts used in metadata, 3-D expert tensors", async () => {
    const m = await makeModel({ path: join(dir, "moe.gguf"), shape: "tiny-moe" });
    const info = await readGgufFileInfo(m.path);
    const md = info.metadata as any;
    expect(md.llama.expert_count).toBe(4);
    expect(md.llama.expert_used_count).toBe(2);
    const exps = info.fullTensorInfo!.find((t) => t.name === "blk.0.ffn_up_exps.weight")!;
    expect(exps.dimensions.map(Number)).toEqual([64, 96, 4]);
    expect(m.parameters.active).toBeLessThan(m.parameters.total);
  });

  test("seeded: same seed gives identical bytes, another seed differs; F16 halves the matrices", async () => {
    const a = await makeModel({ path: join(dir, "a.gguf"), seed: 7 });
    const b = await makeModel({ path: join(dir, "b.gguf"), seed: 7 });
    const c = await makeModel({ path: join(dir, "c.gguf"), seed: 8 });
    expect(await sha(a.path)).toBe(await sha(b.path));
    expect(await sha(a.path)).not.toBe(await sha(c.path));
    const h = await makeModel({ path: join(dir, "h.gguf"), seed: 7, type: "f16" });
    expect(h.bytes).toBeLessThan(a.bytes * 0.7);
    const info = await readGgufFileInfo(h.path);
    expect(info.fullTensorInfo!.find((t) => t.name === "output.weight")!.ggmlType).toBe(1);
  });

  test("parameter count matches the tensors written", async () => {
    const info = await readGgufFileInfo(join(dir, "moe.gguf"));
    const counted = info.fullTensorInfo!.reduce((s, t) => s + t.dimensions.reduce((a: number, d) => a * Number(d), 1), 0);
    expect(parameterCounts(SHAPES["tiny-moe"]).total).toBe(counted);
  });
});
