import { describe, expect, test } from "vitest";
import { localVariant } from "../../src/arena/variant.ts";
import type { ModelRecord } from "../../src/store/repos/models.ts";

const model = (extra: Partial<ModelRecord> = {}): ModelRecord => ({
  id: "00000000-0000-4000-8000-000000000000", name: "m", path: "/m.gguf", source: "import", sourceRef: null, sha256: "ab".repeat(32),
  sizeBytes: 1, architecture: "llama", parameterCount: 1, quantization: "Q4_0", contextLength: 2048, expertCount: null,
  expertUsedCount: null, chatTemplate: null, description: null, metadata: {}, preset: null, parentModelId: null, createdAt: new Date(0), ...extra,
});

describe("arena variants", () => {
  test("a model's preset is part of its variant; weights without one keep the id their votes are filed under", () => {
    const plain = localVariant(model(), { temperature: 0.7 });
    // The id this variant had before models had presets: changing it would split its leaderboard row.
    expect(plain.id).toBe("ba4abdd851c6");
    const terse = localVariant(model({ preset: { system: "Be terse." } }), { temperature: 0.7 });
    expect(terse.id).not.toBe(plain.id);
    expect(terse.preset).toEqual({ system: "Be terse." });
    expect(localVariant(model({ preset: { system: "Be kind." } }), { temperature: 0.7 }).id).not.toBe(terse.id);
  });

  test("a LoRA adapter is part of the variant: its file's hash, and another adapter is another variant", () => {
    const plain = localVariant(model(), { temperature: 0.7 });
    const a = localVariant(model({ preset: { adapters: [{ name: "style.gguf", sha256: "cd".repeat(32) }] } }), { temperature: 0.7 });
    const b = localVariant(model({ preset: { adapters: [{ name: "style.gguf", sha256: "ef".repeat(32) }] } }), { temperature: 0.7 });
    expect(plain.adapter).toBeNull();
    expect(a.adapter).toBe("cd".repeat(32));
    expect(new Set([plain.id, a.id, b.id]).size).toBe(3);
  });
});
