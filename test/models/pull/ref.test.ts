import { describe, expect, it } from "vitest";
import { formatHubRef, parseHubRef } from "../../../src/models/pull/ref.ts";

describe("parseHubRef", () => {
  it.each([
    ["hf:bartowski/Qwen2.5-0.5B-Instruct-GGUF", { owner: "bartowski", repo: "Qwen2.5-0.5B-Instruct-GGUF", revision: "main" }],
    ["hf:TheBloke/Llama-2-7B-GGUF:Q4_K_M", { owner: "TheBloke", repo: "Llama-2-7B-GGUF", revision: "main", selector: "Q4_K_M" }],
    ["hf:a/b@v1.0:model.Q8_0.gguf", { owner: "a", repo: "b", revision: "v1.0", selector: "model.Q8_0.gguf" }],
    ["hf:a/b@refs/pr/3", { owner: "a", repo: "b", revision: "refs/pr/3" }],
    ["hf.co/unsloth/gemma-3-1b-it-GGUF:Q4_K_M", { owner: "unsloth", repo: "gemma-3-1b-it-GGUF", revision: "main", selector: "Q4_K_M" }],
    ["hf.co/a/b:latest", { owner: "a", repo: "b", revision: "main" }],
    ["  HF:a/b:sub/dir/x.gguf ", { owner: "a", repo: "b", revision: "main", selector: "sub/dir/x.gguf" }],
    ["https://huggingface.co/a/b", { owner: "a", repo: "b", revision: "main" }],
    ["https://huggingface.co/a/b/", { owner: "a", repo: "b", revision: "main" }],
    ["https://huggingface.co/a/b/resolve/main/x-Q4_0.gguf?download=true", { owner: "a", repo: "b", revision: "main", selector: "x-Q4_0.gguf" }],
    ["https://hf.co/a/b/blob/dev/x.gguf", { owner: "a", repo: "b", revision: "dev", selector: "x.gguf" }],
  ])("parses %s", (input, expected) => {
    expect(parseHubRef(input)).toEqual(expected);
  });

  it.each([
    "", "a/b", "ollama:a/b", "hf:", "hf:a", "hf:a/", "hf:/b", "hf:a/b/c",
    "hf:../b", "hf:a/..", "hf:a/b..c", "hf:a/b:", "hf:a/b:../../etc/passwd", "hf:a/b:/etc/passwd",
    "hf:a/b:x/./y.gguf", "hf:a/b:x//y.gguf", "hf:a/b@../x", "hf:a/b@", "hf:a/b:x y.gguf",
    "hf:a/b:x\\y.gguf", "hf:a b/c", "hf:a/b:%2e%2e/x", "https://huggingface.co/a/b/commits/main",
    "https://evil.example/a/b", "hf:-a/b", `hf:a/${"x".repeat(100)}`,
  ])("rejects %j", (input) => {
    expect(() => parseHubRef(input)).toThrow(expect.objectContaining({ code: "invalid_request" }));
  });

  it("formats back to the canonical form", () => {
    expect(formatHubRef(parseHubRef("hf.co/a/b:Q4_K_M"))).toBe("hf:a/b:Q4_K_M");
    expect(formatHubRef(parseHubRef("hf:a/b@dev"))).toBe("hf:a/b@dev");
  });
});
